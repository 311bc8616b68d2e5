SELECT s.person_id AS subject, s.session_id, s.person_id, s.gateway_id, s.start_time, s.end_time,
       CASE WHEN s.gateway_id IS NULL THEN 'no gateway recorded'
            WHEN s.end_time IS NULL THEN 'no end time recorded'
            ELSE 'ends before it starts' END AS problem,
       s._file, s._row
FROM remote_sessions s CROSS JOIN params p
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND (s.gateway_id IS NULL OR s.end_time IS NULL OR s.end_time_utc < s.start_time_utc)
