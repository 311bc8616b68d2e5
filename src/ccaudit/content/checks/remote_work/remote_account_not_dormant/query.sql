-- An account is dormant when its last remote session (Asia/Taipei calendar day) is more than
-- {{ dormant_days | sql_int }} days before the as-of date: a session exactly {{ dormant_days | sql_int }} days before still counts as use.
-- "Enabled" is the people register's remote_allowed flag; a holder who has left (terminated, or a
-- termination date on or before the as-of date) must not keep it, whatever the sessions say.
WITH last_use AS (
    -- by the integer key the import gives each person ID (equal IDs, equal keys)
    SELECT s._person_key AS person_key, max(s.start_time) AS last_session
    FROM remote_sessions s CROSS JOIN params p
    WHERE s.start_time < p.as_of_end
    GROUP BY s._person_key
)
SELECT pe.person_id AS subject, pe.person_id, pe.name, pe.employment_status, pe.terminated_on, u.last_session,
       CASE WHEN pe.employment_status = 'terminated' OR pe.terminated_on <= p.as_of
                THEN 'holder has left the firm'
            WHEN u.last_session IS NULL THEN 'never used'
            ELSE 'unused for more than {{ dormant_days | sql_int }} days' END AS problem,
       pe._file, pe._row
FROM people pe
CROSS JOIN params p
LEFT JOIN last_use u ON u.person_key = pe._person_key
WHERE COALESCE(pe.remote_allowed, FALSE)
  AND (pe.employment_status = 'terminated'
       OR (pe.terminated_on IS NOT NULL AND pe.terminated_on <= p.as_of)
       OR u.last_session IS NULL
       OR u.last_session < CAST(p.as_of AS TIMESTAMP) - INTERVAL '{{ dormant_days | sql_int }}' DAY)
