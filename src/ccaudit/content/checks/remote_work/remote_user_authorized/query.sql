-- Sessions within the 12 months up to the as-of day by someone not authorized at that time.
-- remote_allowed is the register's current state. For someone who has left (a termination date on
-- or before the as-of date) it was switched off on leaving, so their sessions are judged by the date
-- alone: up to and including the termination day (Asia/Taipei) they were staff, after it they were not.
SELECT s.person_id AS subject, s.session_id, s.person_id, s.start_time,
       pe.employment_status, pe.terminated_on, pe.remote_allowed,
       CASE WHEN pe.person_id IS NULL THEN 'not in the people register'
            WHEN pe.terminated_on IS NOT NULL AND CAST(s.start_time AS DATE) > pe.terminated_on
                THEN 'connected after leaving the firm'
            WHEN pe.terminated_on IS NULL AND pe.employment_status = 'terminated'
                THEN 'holder has left the firm (no termination date recorded)'
            ELSE 'not authorized for remote work' END AS problem,
       s._file, s._row
FROM remote_sessions s
CROSS JOIN params p
LEFT JOIN people pe ON pe.person_id = s.person_id
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND (pe.person_id IS NULL
       OR (pe.terminated_on IS NOT NULL AND CAST(s.start_time AS DATE) > pe.terminated_on)
       OR (pe.terminated_on IS NULL AND pe.employment_status = 'terminated')
       OR ((pe.terminated_on IS NULL OR pe.terminated_on > p.as_of)
           AND COALESCE(pe.remote_allowed, FALSE) = FALSE))
