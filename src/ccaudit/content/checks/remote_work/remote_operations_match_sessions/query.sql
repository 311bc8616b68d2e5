-- Links the operation log to the remote sessions. An operation names its session (session_id) or,
-- without one, belongs to any session of the same person whose time covers it (both ends included).
-- Offending: a session within the 12 months with no operation linked to it, and an operation within
-- the 12 months whose session is not in the export, is another person's, or does not cover its time.
-- Instants are compared in UTC (_utc columns), so UTC and Taipei-time exports mix; the window is the
-- Taipei calendar, like every other check. The linking carries only integer keys and times (the
-- _session_key, _person_key and _log_key the import gives each ID: equal IDs, equal keys);
-- the offending rows are few, and their details are joined back at the end.
WITH open_ended AS (
    -- A session without a usable end (missing, or before its start: remote_session_record_complete
    -- reports those) covers its person's operations until that person's next session starts.
    SELECT s._session_key AS session_key, min(n.start_time_utc) AS next_start
    FROM remote_sessions s
    JOIN remote_sessions n ON n._person_key = s._person_key AND n.start_time_utc > s.start_time_utc
    WHERE COALESCE(s.end_time_utc >= s.start_time_utc, FALSE) = FALSE
    GROUP BY s._session_key
),
spans AS (
    SELECT s._session_key AS session_key, s._person_key AS person_key, s.start_time_utc,
           CASE WHEN s.end_time_utc >= s.start_time_utc THEN s.end_time_utc
                ELSE COALESCE(o.next_start, p.as_of_end_utc) END AS until_utc
    FROM remote_sessions s
    LEFT JOIN open_ended o ON o.session_key = s._session_key
    CROSS JOIN params p
),
sessions AS (
    SELECT s.*, CAST(s.start_time_utc AS DATE) AS start_day,
           CAST(s.start_time_utc + INTERVAL '1' DAY AS DATE) AS next_day, CAST(s.until_utc AS DATE) AS until_day
    FROM spans s
),
session_days AS (
    -- The sessions that end by the end of the (UTC) day after their start (all but the overnight and
    -- open-ended ones), under each UTC day they cover: their start day, and the next one for those
    -- that run past midnight. An operation then finds its sessions by person and its own day.
    SELECT s.session_key, s.person_key, s.start_time_utc, s.until_utc, s.start_day AS day
    FROM sessions s WHERE s.until_day <= s.next_day
    UNION ALL
    SELECT s.session_key, s.person_key, s.start_time_utc, s.until_utc, s.next_day
    FROM sessions s WHERE s.until_day = s.next_day
),
linked AS (
    -- Every operation with the sessions it is linked to, in one join: the session it names, or, naming
    -- none, each session of its person covering it; session_key NULL where there is none among these.
    SELECT l._log_key AS log_key, l._session_key AS named_key, d.session_key
    FROM remote_operation_log l
    LEFT JOIN session_days d ON d.person_key = l._person_key AND d.day = CAST(l.occurred_at_utc AS DATE)
        AND l.occurred_at_utc >= d.start_time_utc AND l.occurred_at_utc <= d.until_utc
        AND (l._session_key IS NULL OR l._session_key = d.session_key)
),
long_linked AS (
    -- The same for the few longer sessions, by person and time alone.
    SELECT l._log_key AS log_key, s.session_key
    FROM remote_operation_log l JOIN sessions s ON s.person_key = l._person_key
    WHERE s.until_day > s.next_day AND l.occurred_at_utc >= s.start_time_utc AND l.occurred_at_utc <= s.until_utc
      AND (l._session_key IS NULL OR l._session_key = s.session_key)
),
logged AS (
    SELECT k.session_key FROM linked k WHERE k.session_key IS NOT NULL
    UNION ALL
    SELECT g.session_key FROM long_linked g
),
stray AS (
    SELECT k.log_key, k.named_key FROM linked k
    WHERE k.session_key IS NULL AND NOT EXISTS (SELECT 1 FROM long_linked g WHERE g.log_key = k.log_key)
)
-- The sessions of the window no operation links to: their keys less the linked ones (a set difference
-- costs less here than an anti-join against the distinct linked keys), with their details.
SELECT s.person_id AS subject, s.session_id, CAST(NULL AS VARCHAR) AS log_id, s.person_id,
       s.start_time AS event_time, s.start_time, s.end_time, CAST(NULL AS VARCHAR) AS system,
       CAST(NULL AS VARCHAR) AS operation, 'no operation logged during the session' AS problem, s._file, s._row
FROM remote_sessions s
JOIN (SELECT w._session_key AS session_key FROM remote_sessions w CROSS JOIN params p
      WHERE w.start_time >= p.window_start_ts AND w.start_time < p.as_of_end
      EXCEPT SELECT g.session_key FROM logged g) u ON u.session_key = s._session_key
UNION ALL
-- An operation linked to no session: why, for one that names a session.
SELECT l.person_id, l.session_id, l.log_id, l.person_id, l.occurred_at, CAST(NULL AS TIMESTAMP),
       CAST(NULL AS TIMESTAMP), l.system, l.operation,
       CASE WHEN l.session_id IS NULL THEN 'no session of this person at that time'
            WHEN s.session_id IS NULL THEN 'its session is not in the session export'
            WHEN s.person_id <> l.person_id THEN 'its session belongs to another person'
            ELSE 'outside the time of its session' END,
       l._file, l._row
FROM stray x
JOIN remote_operation_log l ON l._log_key = x.log_key
LEFT JOIN remote_sessions s ON s._session_key = x.named_key
CROSS JOIN params p
WHERE l.occurred_at >= p.window_start_ts AND l.occurred_at < p.as_of_end
