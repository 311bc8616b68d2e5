-- Links the operation log to the remote sessions. An operation names its session (session_id) or,
-- without one, belongs to any session of the same person whose time covers it (both ends included).
-- Offending: a session within the 12 months with no operation linked to it, and an operation within
-- the 12 months whose session is not in the export, is another person's, or does not cover its time.
-- Instants are compared in UTC (_utc columns), so UTC and Taipei-time exports mix; the window is the
-- Taipei calendar, like every other check. The linking carries only keys and times (the offending
-- rows are few); their details are joined back at the end.
WITH open_ended AS (
    -- A session without a usable end (missing, or before its start: remote_session_record_complete
    -- reports those) covers its person's operations until that person's next session starts.
    SELECT s.session_id, min(n.start_time_utc) AS next_start
    FROM remote_sessions s
    JOIN remote_sessions n ON n.person_id = s.person_id AND n.start_time_utc > s.start_time_utc
    WHERE COALESCE(s.end_time_utc >= s.start_time_utc, FALSE) = FALSE
    GROUP BY s.session_id
),
sessions AS (
    SELECT s.session_id, s.person_id, s.start_time_utc,
           CASE WHEN s.end_time_utc >= s.start_time_utc THEN s.end_time_utc
                ELSE COALESCE(o.next_start, p.as_of_end_utc) END AS until_utc
    FROM remote_sessions s
    LEFT JOIN open_ended o ON o.session_id = s.session_id
    CROSS JOIN params p
),
named AS (
    -- Operations that name a session, judged against what the session export says about it.
    SELECT l.log_id, l.session_id,
           CASE WHEN s.session_id IS NULL THEN 'its session is not in the session export'
                WHEN s.person_id <> l.person_id THEN 'its session belongs to another person'
                WHEN l.occurred_at_utc < s.start_time_utc OR l.occurred_at_utc > s.until_utc
                    THEN 'outside the time of its session'
           END AS problem
    FROM remote_operation_log l LEFT JOIN sessions s ON s.session_id = l.session_id
    WHERE l.session_id IS NOT NULL
),
timeline AS (
    -- One time line per person: session starts, and the operations that name no session. Windows over
    -- it link them in one sort instead of joining every session to every operation of its person.
    -- Sessions sort before operations at the same instant, so an operation at a start is inside.
    -- Only people with such operations need a time line: where every operation names its session
    -- (most logs), this skips sorting the whole session export.
    SELECT e.kind, e.id, e.at_utc, e.until_utc,
           max(e.until_utc) OVER (PARTITION BY e.person_id ORDER BY e.at_utc, e.kind
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS covered_until,
           min(CASE WHEN e.kind = 1 THEN e.at_utc END) OVER (PARTITION BY e.person_id ORDER BY e.at_utc, e.kind
                                  ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_operation
    FROM (
        SELECT 0 AS kind, s.session_id AS id, s.person_id, s.start_time_utc AS at_utc, s.until_utc
        FROM sessions s
        WHERE s.person_id IN (SELECT l.person_id FROM remote_operation_log l WHERE l.session_id IS NULL)
        UNION ALL
        SELECT 1, l.log_id, l.person_id, l.occurred_at_utc, CAST(NULL AS TIMESTAMP)
        FROM remote_operation_log l
        WHERE l.session_id IS NULL
    ) e
),
unlogged AS (
    SELECT s.session_id FROM sessions s
    WHERE NOT EXISTS (SELECT 1 FROM timeline t
                      WHERE t.kind = 0 AND t.id = s.session_id AND t.next_operation <= t.until_utc)
      AND NOT EXISTS (SELECT 1 FROM named n WHERE n.session_id = s.session_id AND n.problem IS NULL)
),
stray AS (
    SELECT t.id AS log_id, 'no session of this person at that time' AS problem FROM timeline t
    WHERE t.kind = 1 AND COALESCE(t.covered_until >= t.at_utc, FALSE) = FALSE
    UNION ALL
    SELECT n.log_id, n.problem FROM named n WHERE n.problem IS NOT NULL
)
SELECT s.person_id AS subject, s.session_id, CAST(NULL AS VARCHAR) AS log_id, s.person_id,
       s.start_time AS event_time, s.start_time, s.end_time, CAST(NULL AS VARCHAR) AS system,
       CAST(NULL AS VARCHAR) AS operation, 'no operation logged during the session' AS problem, s._file, s._row
FROM unlogged u
JOIN remote_sessions s ON s.session_id = u.session_id
CROSS JOIN params p
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
UNION ALL
SELECT l.person_id, l.session_id, l.log_id, l.person_id, l.occurred_at, CAST(NULL AS TIMESTAMP),
       CAST(NULL AS TIMESTAMP), l.system, l.operation, x.problem, l._file, l._row
FROM stray x
JOIN remote_operation_log l ON l.log_id = x.log_id
CROSS JOIN params p
WHERE l.occurred_at >= p.window_start_ts AND l.occurred_at < p.as_of_end
