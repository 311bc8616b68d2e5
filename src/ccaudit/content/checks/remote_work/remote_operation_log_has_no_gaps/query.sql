-- Days (Asia/Taipei calendar days) within the 12 months up to the as-of date on which remote
-- sessions started but the operation log holds no entry at all: a collection outage or a purge.
WITH days AS (
    SELECT CAST(s.start_time AS DATE) AS day, count(*) AS sessions
    FROM remote_sessions s CROSS JOIN params p
    WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
    GROUP BY CAST(s.start_time AS DATE)
),
logged AS (
    SELECT DISTINCT CAST(l.occurred_at AS DATE) AS day
    FROM remote_operation_log l CROSS JOIN params p
    WHERE l.occurred_at >= p.window_start_ts AND l.occurred_at < p.as_of_end
)
SELECT CAST(d.day AS VARCHAR) AS subject, d.day, d.sessions,
       CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row
FROM days d
WHERE NOT EXISTS (SELECT 1 FROM logged g WHERE g.day = d.day)
