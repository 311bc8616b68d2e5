-- Minutes after local midnight; start and end are local wall time (Asia/Taipei by default).
-- Allowed window [remote_start, remote_end); a window with start > end crosses midnight (night duty:
-- a session started in the evening may run until remote_end the next morning). A window of the whole
-- day (00:00-23:59, or start = end) allows any time. A session must also end by the window's end:
-- the end minute itself still counts (18:00:30 ends within 08:00-18:00; 18:01 does not).
WITH sessions AS (
    -- start_min/end_min, start_day/end_day/next_day: computed once in the shared relation
    SELECT s.* FROM remote_sessions_in_window s
    WHERE s.in_roles_register AND s.remote_start IS NOT NULL AND s.remote_end IS NOT NULL
      AND NOT (s.remote_start = s.remote_end OR (s.remote_start = 0 AND s.remote_end >= 1439))
),
judged AS (
    SELECT s.*,
           CASE WHEN s.remote_start < s.remote_end
                THEN s.start_min >= s.remote_start AND s.start_min < s.remote_end
                ELSE s.start_min >= s.remote_start OR s.start_min < s.remote_end END AS started_inside,
           CASE WHEN s.end_time IS NULL OR s.end_time_utc < s.start_time_utc THEN FALSE
                WHEN s.remote_start > s.remote_end AND s.start_min >= s.remote_start
                THEN s.end_day > s.next_day OR (s.end_day > s.start_day AND s.end_min > s.remote_end)
                ELSE s.end_day > s.start_day OR s.end_min > s.remote_end END AS overran
    FROM sessions s
)
SELECT s.person_id AS subject, s.session_id, s.person_id, s.role_id, s.start_time, s.end_time,
       CASE WHEN NOT s.started_inside THEN 'started outside the allowed hours'
            ELSE 'ran past the end of the allowed hours' END AS problem,
       s._file, s._row
FROM judged s
WHERE NOT s.started_inside OR s.overran
UNION ALL
SELECT r.role_id AS subject, CAST(NULL AS VARCHAR) AS session_id, CAST(NULL AS VARCHAR) AS person_id, r.role_id,
       CAST(NULL AS TIMESTAMP) AS start_time, CAST(NULL AS TIMESTAMP) AS end_time,
       'role used for remote work has no connection hours defined' AS problem, r._file, r._row
FROM roles r
WHERE (r.remote_start IS NULL OR r.remote_end IS NULL)
  AND EXISTS (SELECT 1 FROM people pe WHERE pe.role_id = r.role_id AND COALESCE(pe.remote_allowed, FALSE))
