-- Minutes after local midnight; start and end are local wall time (Asia/Taipei by default).
-- Allowed window [remote_start, remote_end); a window with start > end crosses midnight.
WITH sessions AS (
    SELECT s.*, pe.role_id, r.remote_start, r.remote_end,
           EXTRACT(HOUR FROM s.start_time) * 60 + EXTRACT(MINUTE FROM s.start_time) AS start_min,
           EXTRACT(HOUR FROM s.end_time) * 60 + EXTRACT(MINUTE FROM s.end_time) AS end_min
    FROM remote_sessions s
    CROSS JOIN params p
    JOIN people pe ON pe.person_id = s.person_id
    JOIN roles r ON r.role_id = pe.role_id
    WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
      AND r.remote_start IS NOT NULL AND r.remote_end IS NOT NULL
)
SELECT s.person_id AS subject, s.session_id, s.person_id, s.role_id, s.start_time, s.end_time,
       CASE WHEN NOT ((s.remote_start < s.remote_end AND s.start_min >= s.remote_start AND s.start_min < s.remote_end)
                   OR (s.remote_start > s.remote_end AND (s.start_min >= s.remote_start OR s.start_min < s.remote_end)))
            THEN 'started outside the allowed hours'
            ELSE 'ran past the end of the allowed hours' END AS problem,
       s._file, s._row
FROM sessions s
WHERE NOT ((s.remote_start < s.remote_end AND s.start_min >= s.remote_start AND s.start_min < s.remote_end)
        OR (s.remote_start > s.remote_end AND (s.start_min >= s.remote_start OR s.start_min < s.remote_end)))
   OR (s.remote_start < s.remote_end AND s.end_time IS NOT NULL
       AND (CAST(s.end_time AS DATE) > CAST(s.start_time AS DATE) OR s.end_min > s.remote_end))
UNION ALL
SELECT r.role_id AS subject, CAST(NULL AS VARCHAR) AS session_id, CAST(NULL AS VARCHAR) AS person_id, r.role_id,
       CAST(NULL AS TIMESTAMP) AS start_time, CAST(NULL AS TIMESTAMP) AS end_time,
       'role used for remote work has no connection hours defined' AS problem, r._file, r._row
FROM roles r
WHERE (r.remote_start IS NULL OR r.remote_end IS NULL)
  AND EXISTS (SELECT 1 FROM people pe WHERE pe.role_id = r.role_id AND COALESCE(pe.remote_allowed, FALSE))
