-- One row per remote session started within the 12 months up to the as-of day (Asia/Taipei), with
-- what the session checks judge it by, computed once for all of them: the holder's entry in the people
-- register and their role (NULL where the register has none), and the session's local clock minutes and
-- calendar days. Start and end are local wall time (Asia/Taipei by default); *_utc the same instants in UTC.
WITH holders AS (
    -- The people register with each holder's roles entry, joined once (thousands of rows, not millions);
    -- the sessions find their holder by the integer key the import gives each person ID.
    SELECT pe._person_key, pe.person_id, pe.employment_status, pe.terminated_on, pe.remote_allowed, pe.role_id,
           r.role_id IS NOT NULL AS in_roles_register, r.remote_start, r.remote_end
    FROM people pe
    LEFT JOIN roles r ON r.role_id = pe.role_id
)
SELECT s.session_id, s.person_id, s.gateway_id, s.start_time, s.end_time, s.start_time_utc, s.end_time_utc,
       s.channel, s.mfa_method, s._file, s._row,
       h.person_id IS NOT NULL AS in_people_register, h.employment_status, h.terminated_on, h.remote_allowed,
       h.role_id, COALESCE(h.in_roles_register, FALSE) AS in_roles_register, h.remote_start, h.remote_end,
       EXTRACT(HOUR FROM s.start_time) * 60 + EXTRACT(MINUTE FROM s.start_time) AS start_min,
       EXTRACT(HOUR FROM s.end_time) * 60 + EXTRACT(MINUTE FROM s.end_time) AS end_min,
       CAST(s.start_time AS DATE) AS start_day,
       CAST(s.end_time AS DATE) AS end_day,
       CAST(s.start_time + INTERVAL '1' DAY AS DATE) AS next_day
FROM remote_sessions s
CROSS JOIN params p
LEFT JOIN holders h ON h._person_key = s._person_key
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
