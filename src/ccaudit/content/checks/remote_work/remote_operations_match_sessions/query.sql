-- Links the operation log to the remote sessions. An operation names its session (session_id) or,
-- without one, belongs to any session of the same person whose time covers it (both ends included).
-- Offending: a session within the 12 months with no operation linked to it, and an operation within
-- the 12 months whose session is not in the export, is another person's, or does not cover its time.
-- Instants are compared in UTC (_utc columns), so UTC and Taipei-time exports mix; the window is the
-- Taipei calendar, like every other check.
WITH sessions AS (
    -- A session covers its operations until its recorded end; where the end is missing or before
    -- the start (remote_session_record_complete reports those), until the person's next session
    -- starts, or the end of the as-of day.
    SELECT s.session_id, s.person_id, s.start_time, s.end_time, s.start_time_utc, s._file, s._row,
           COALESCE(CASE WHEN s.end_time_utc >= s.start_time_utc THEN s.end_time_utc END,
                    LEAD(s.start_time_utc) OVER (PARTITION BY s.person_id ORDER BY s.start_time_utc, s.session_id),
                    p.as_of_end_utc) AS until_utc
    FROM remote_sessions s CROSS JOIN params p
),
named AS (
    -- Operations that name a session, with what the session export says about it.
    SELECT l.log_id, l.session_id, l.person_id, l.occurred_at, l.system, l.operation, l._file, l._row,
           CASE WHEN s.session_id IS NULL THEN 'its session is not in the session export'
                WHEN s.person_id <> l.person_id THEN 'its session belongs to another person'
                WHEN l.occurred_at_utc < s.start_time_utc OR l.occurred_at_utc > s.until_utc
                    THEN 'outside the time of its session'
           END AS problem
    FROM remote_operation_log l LEFT JOIN sessions s ON s.session_id = l.session_id
    WHERE l.session_id IS NOT NULL
),
events AS (
    -- One time line per person: session starts and the operations that name no session. A window
    -- over it links them in one sort instead of joining every session to every operation.
    SELECT person_id, start_time_utc AS at_utc, 0 AS kind, until_utc, session_id, CAST(NULL AS VARCHAR) AS log_id
    FROM sessions
    UNION ALL
    SELECT person_id, occurred_at_utc, 1, CAST(NULL AS TIMESTAMP), CAST(NULL AS VARCHAR), log_id
    FROM remote_operation_log
    WHERE session_id IS NULL
),
timeline AS (
    -- Sessions sort before operations at the same instant, so an operation at a session's start is inside it.
    SELECT e.kind, e.session_id, e.log_id, e.at_utc, e.until_utc,
           max(e.until_utc) OVER (PARTITION BY e.person_id ORDER BY e.at_utc, e.kind
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS covered_until,
           min(CASE WHEN e.kind = 1 THEN e.at_utc END) OVER (PARTITION BY e.person_id ORDER BY e.at_utc, e.kind
                                  ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_operation
    FROM events e
)
SELECT s.person_id AS subject, s.session_id, CAST(NULL AS VARCHAR) AS log_id, s.person_id,
       s.start_time AS event_time, s.start_time, s.end_time, CAST(NULL AS VARCHAR) AS system,
       CAST(NULL AS VARCHAR) AS operation, 'no operation logged during the session' AS problem, s._file, s._row
FROM sessions s CROSS JOIN params p
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND NOT EXISTS (SELECT 1 FROM named n WHERE n.session_id = s.session_id AND n.problem IS NULL)
  AND NOT EXISTS (SELECT 1 FROM timeline t
                  WHERE t.kind = 0 AND t.session_id = s.session_id AND t.next_operation <= t.until_utc)
UNION ALL
SELECT n.person_id, n.session_id, n.log_id, n.person_id, n.occurred_at, CAST(NULL AS TIMESTAMP),
       CAST(NULL AS TIMESTAMP), n.system, n.operation, n.problem, n._file, n._row
FROM named n CROSS JOIN params p
WHERE n.problem IS NOT NULL AND n.occurred_at >= p.window_start_ts AND n.occurred_at < p.as_of_end
UNION ALL
SELECT l.person_id, l.session_id, l.log_id, l.person_id, l.occurred_at, CAST(NULL AS TIMESTAMP),
       CAST(NULL AS TIMESTAMP), l.system, l.operation, 'no session of this person at that time', l._file, l._row
FROM remote_operation_log l
JOIN timeline t ON t.kind = 1 AND t.log_id = l.log_id
CROSS JOIN params p
WHERE l.session_id IS NULL AND l.occurred_at >= p.window_start_ts AND l.occurred_at < p.as_of_end
  AND COALESCE(t.covered_until >= t.at_utc, FALSE) = FALSE
