-- Sessions within the 12 months up to the as-of day (Asia/Taipei) whose record lacks a gateway or an end,
-- or ends before it starts (compared as instants).
SELECT s.person_id AS subject, s.session_id, s.person_id, s.gateway_id, s.start_time, s.end_time,
       CASE WHEN s.gateway_id IS NULL THEN 'no gateway recorded'
            WHEN s.end_time IS NULL THEN 'no end time recorded'
            ELSE 'ends before it starts' END AS problem,
       s._file, s._row
FROM remote_sessions_in_window s
WHERE s.gateway_id IS NULL OR s.end_time IS NULL OR s.end_time_utc < s.start_time_utc
