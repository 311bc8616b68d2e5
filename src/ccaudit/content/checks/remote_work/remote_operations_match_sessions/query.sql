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
spans AS (
    SELECT s.session_id, s.person_id, s.start_time_utc,
           CASE WHEN s.end_time_utc >= s.start_time_utc THEN s.end_time_utc
                ELSE COALESCE(o.next_start, p.as_of_end_utc) END AS until_utc
    FROM remote_sessions s
    LEFT JOIN open_ended o ON o.session_id = s.session_id
    CROSS JOIN params p
),
sessions AS (
    -- short_span: the session ends by the end of the (UTC) day after the one it starts on, so every
    -- operation inside it falls on its start day or the next.
    SELECT s.*, CAST(s.start_time_utc AS DATE) AS start_day,
           CAST(s.until_utc - INTERVAL '1' DAY AS DATE) <= CAST(s.start_time_utc AS DATE) AS short_span
    FROM spans s
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
unnamed AS (
    -- Operations that name no session, once under their own (UTC) day and once under the day before:
    -- a short session covering one starts on one of the two.
    SELECT l.log_id, l.person_id, l.occurred_at_utc AS at_utc, CAST(l.occurred_at_utc AS DATE) AS day
    FROM remote_operation_log l WHERE l.session_id IS NULL
    UNION ALL
    SELECT l.log_id, l.person_id, l.occurred_at_utc, CAST(l.occurred_at_utc - INTERVAL '1' DAY AS DATE)
    FROM remote_operation_log l WHERE l.session_id IS NULL
),
covering AS (
    -- Each unnamed operation with the sessions of its person that cover it: short sessions by an
    -- equi-join on person and day (no sort, no person-wide comparison), the few longer ones (overnight,
    -- open-ended) by person and time alone.
    SELECT u.log_id, s.session_id
    FROM unnamed u JOIN sessions s ON s.person_id = u.person_id AND s.start_day = u.day
    WHERE s.short_span AND u.at_utc >= s.start_time_utc AND u.at_utc <= s.until_utc
    UNION ALL
    SELECT u.log_id, s.session_id
    FROM unnamed u JOIN sessions s ON s.person_id = u.person_id
    WHERE NOT s.short_span AND u.day = CAST(u.at_utc AS DATE)
      AND u.at_utc >= s.start_time_utc AND u.at_utc <= s.until_utc
),
logged AS (
    SELECT c.session_id FROM covering c
    UNION ALL
    SELECT n.session_id FROM named n WHERE n.problem IS NULL
),
stray AS (
    SELECT DISTINCT u.log_id, 'no session of this person at that time' AS problem FROM unnamed u
    WHERE NOT EXISTS (SELECT 1 FROM covering c WHERE c.log_id = u.log_id)
    UNION ALL
    SELECT n.log_id, n.problem FROM named n WHERE n.problem IS NOT NULL
)
SELECT s.person_id AS subject, s.session_id, CAST(NULL AS VARCHAR) AS log_id, s.person_id,
       s.start_time AS event_time, s.start_time, s.end_time, CAST(NULL AS VARCHAR) AS system,
       CAST(NULL AS VARCHAR) AS operation, 'no operation logged during the session' AS problem, s._file, s._row
FROM remote_sessions s
CROSS JOIN params p
LEFT JOIN (SELECT DISTINCT g.session_id FROM logged g) g ON g.session_id = s.session_id
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND g.session_id IS NULL
UNION ALL
SELECT l.person_id, l.session_id, l.log_id, l.person_id, l.occurred_at, CAST(NULL AS TIMESTAMP),
       CAST(NULL AS TIMESTAMP), l.system, l.operation, x.problem, l._file, l._row
FROM stray x
JOIN remote_operation_log l ON l.log_id = x.log_id
CROSS JOIN params p
WHERE l.occurred_at >= p.window_start_ts AND l.occurred_at < p.as_of_end
