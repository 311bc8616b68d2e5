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
sessions AS (
    -- Each session with the instant it covers operations until, and the UTC days it covers: 1 (it ends
    -- on its start day), 2 (it runs past midnight into the next day) or 3 (longer: the overnight and
    -- open-ended sessions, a few). Near the window: the sessions an operation of the window or the window's
    -- sessions can be linked with, from three days before the window to a day after it (a session of
    -- one or two UTC days covers operations until at most two days after its start; a day more for
    -- changes of the zone's offset).
    SELECT s.*, CAST(s.start_time_utc AS DATE) AS start_day,
           CASE WHEN CAST(s.until_utc AS DATE) <= CAST(s.start_time_utc AS DATE) THEN 1
                WHEN CAST(s.until_utc AS DATE) = CAST(s.start_time_utc + INTERVAL '1' DAY AS DATE) THEN 2
                WHEN s.until_utc IS NOT NULL THEN 3 END AS days
    FROM (SELECT s._session_key AS session_key, s._person_key AS person_key, s.start_time_utc,
                 CASE WHEN s.end_time_utc >= s.start_time_utc THEN s.end_time_utc
                      ELSE COALESCE(o.next_start, p.as_of_end_utc) END AS until_utc,
                 s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end AS in_window,
                 s.start_time >= p.window_start_ts - INTERVAL '3' DAY
                     AND s.start_time < p.as_of_end + INTERVAL '1' DAY AS near_window
          FROM remote_sessions s
          LEFT JOIN open_ended o ON o.session_key = s._session_key
          CROSS JOIN params p) s
),
session_days AS (
    -- The sessions of one or two days near the window under each UTC day they cover, so that an
    -- operation finds its sessions by person and its own day.
    SELECT s.session_key, s.person_key, s.start_time_utc, s.until_utc, s.in_window, s.days, s.start_day AS day
    FROM sessions s WHERE s.days <= 2 AND s.near_window
    UNION ALL
    SELECT s.session_key, s.person_key, s.start_time_utc, s.until_utc, s.in_window, s.days,
           CAST(s.start_time_utc + INTERVAL '1' DAY AS DATE)
    FROM sessions s WHERE s.days = 2 AND s.near_window
),
unmatched AS (
    -- One full join of the operations with those sessions, keeping only what it leaves alone: each
    -- operation linked to none of them (the session it names, or, naming none, a session of its person
    -- covering it), and each session-day of the window no operation is linked to (log_key NULL). Only
    -- the operations that can be reported or link a session of the window take part: from a day before
    -- the window to three days after it (an export of several years costs what its window does).
    SELECT l._log_key AS log_key, l._session_key AS named_key, d.session_key, d.days
    FROM (SELECT l.* FROM remote_operation_log l CROSS JOIN params p
          WHERE l.occurred_at >= p.window_start_ts - INTERVAL '1' DAY
            AND l.occurred_at < p.as_of_end + INTERVAL '3' DAY) l
    FULL JOIN session_days d ON d.person_key = l._person_key AND d.day = CAST(l.occurred_at_utc AS DATE)
        AND l.occurred_at_utc >= d.start_time_utc AND l.occurred_at_utc <= d.until_utc
        AND (l._session_key IS NULL OR l._session_key = d.session_key)
    WHERE d.session_key IS NULL OR (l._log_key IS NULL AND d.in_window)
),
long_linked AS (
    -- The few longer sessions with the operations they cover, by person and time alone.
    SELECT l._log_key AS log_key, s.session_key
    FROM remote_operation_log l JOIN sessions s ON s.person_key = l._person_key
    WHERE s.days = 3 AND l.occurred_at_utc >= s.start_time_utc AND l.occurred_at_utc <= s.until_utc
      AND (l._session_key IS NULL OR l._session_key = s.session_key)
),
unlogged AS (
    -- A session no operation is linked to on any of its days, and a longer one of the window
    -- no operation is linked to.
    SELECT u.session_key FROM unmatched u WHERE u.log_key IS NULL
    GROUP BY u.session_key HAVING count(*) = min(u.days)
    UNION ALL
    SELECT s.session_key FROM sessions s
    WHERE s.days = 3 AND s.in_window
      AND NOT EXISTS (SELECT 1 FROM long_linked g WHERE g.session_key = s.session_key)
),
stray AS (
    SELECT u.log_key, u.named_key FROM unmatched u
    WHERE u.log_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM long_linked g WHERE g.log_key = u.log_key)
)
SELECT s.person_id AS subject, s.session_id, CAST(NULL AS VARCHAR) AS log_id, s.person_id,
       s.start_time AS event_time, s.start_time, s.end_time, CAST(NULL AS VARCHAR) AS system,
       CAST(NULL AS VARCHAR) AS operation, 'no operation logged during the session' AS problem, s._file, s._row
FROM unlogged u
JOIN remote_sessions s ON s._session_key = u.session_key
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
