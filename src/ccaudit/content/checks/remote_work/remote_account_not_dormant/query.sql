WITH last_use AS (
    SELECT s.person_id, max(s.start_time) AS last_session
    FROM remote_sessions s CROSS JOIN params p
    WHERE s.start_time < p.as_of_end
    GROUP BY s.person_id
)
SELECT pe.person_id AS subject, pe.person_id, pe.name, pe.employment_status, pe.terminated_on, u.last_session,
       CASE WHEN pe.employment_status = 'terminated' OR pe.terminated_on IS NOT NULL THEN 'holder has left the firm'
            WHEN u.last_session IS NULL THEN 'never used'
            ELSE 'unused for more than {{ dormant_days | sql_int }} days' END AS problem,
       pe._file, pe._row
FROM people pe
CROSS JOIN params p
LEFT JOIN last_use u ON u.person_id = pe.person_id
WHERE COALESCE(pe.remote_allowed, FALSE)
  AND (pe.employment_status = 'terminated'
       OR (pe.terminated_on IS NOT NULL AND pe.terminated_on <= p.as_of)
       OR u.last_session IS NULL
       OR u.last_session < p.as_of_end - INTERVAL '{{ dormant_days | sql_int }}' DAY)
