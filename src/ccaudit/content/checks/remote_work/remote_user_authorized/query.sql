-- Sessions within the 12 months up to the as-of day by someone not authorized at that time.
-- remote_allowed is the register's current state. For someone who has left (a termination date on
-- or before the as-of date) it was switched off on leaving, so their sessions are judged by the date
-- alone: up to and including the termination day (Asia/Taipei) they were staff, after it they were not.
SELECT s.person_id AS subject, s.session_id, s.person_id, s.start_time,
       s.employment_status, s.terminated_on, s.remote_allowed,
       CASE WHEN NOT s.in_people_register THEN 'not in the people register'
            WHEN s.terminated_on IS NOT NULL AND s.start_day > s.terminated_on
                THEN 'connected after leaving the firm'
            WHEN s.terminated_on IS NULL AND s.employment_status = 'terminated'
                THEN 'holder has left the firm (no termination date recorded)'
            ELSE 'not authorized for remote work' END AS problem,
       s._file, s._row
FROM remote_sessions_in_window s
CROSS JOIN params p
WHERE NOT s.in_people_register
   OR (s.terminated_on IS NOT NULL AND s.start_day > s.terminated_on)
   OR (s.terminated_on IS NULL AND s.employment_status = 'terminated')
   OR ((s.terminated_on IS NULL OR s.terminated_on > p.as_of) AND COALESCE(s.remote_allowed, FALSE) = FALSE)
