-- Minutes after local midnight; start and end are local wall time (Asia/Taipei by default).
-- Allowed window [remote_start, remote_end); a window with start > end crosses midnight (night duty:
-- a session started in the evening may run until remote_end the next morning). A window of the whole
-- day (00:00-23:59, or start = end) allows any time. A session must also end by the window's end:
-- the end minute itself still counts (18:00:30 ends within 08:00-18:00; 18:01 does not).
WITH sessions AS (
    SELECT s.*, pe.role_id, r.remote_start, r.remote_end,
           EXTRACT(HOUR FROM s.start_time) * 60 + EXTRACT(MINUTE FROM s.start_time) AS start_min,
           EXTRACT(HOUR FROM s.end_time) * 60 + EXTRACT(MINUTE FROM s.end_time) AS end_min,
           CAST(s.start_time AS DATE) AS start_day,
           CAST(s.end_time AS DATE) AS end_day,
           CAST(s.start_time + INTERVAL '1' DAY AS DATE) AS next_day
    FROM remote_sessions s
    CROSS JOIN params p
    JOIN people pe ON pe.person_id = s.person_id
    JOIN roles r ON r.role_id = pe.role_id
    WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
      AND r.remote_start IS NOT NULL AND r.remote_end IS NOT NULL
      AND NOT (r.remote_start = r.remote_end OR (r.remote_start = 0 AND r.remote_end >= 1439))
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
