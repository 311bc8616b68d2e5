SELECT s.person_id AS subject, s.session_id, s.person_id, s.start_time,
       pe.employment_status, pe.terminated_on, pe.remote_allowed,
       CASE WHEN pe.person_id IS NULL THEN 'not in the people register'
            WHEN pe.terminated_on IS NOT NULL AND CAST(s.start_time AS DATE) > pe.terminated_on
                THEN 'connected after leaving the firm'
            ELSE 'not authorized for remote work' END AS problem,
       s._file, s._row
FROM remote_sessions s
CROSS JOIN params p
LEFT JOIN people pe ON pe.person_id = s.person_id
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND (pe.person_id IS NULL
       OR COALESCE(pe.remote_allowed, FALSE) = FALSE
       OR (pe.terminated_on IS NOT NULL AND CAST(s.start_time AS DATE) > pe.terminated_on))
