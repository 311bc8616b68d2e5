-- Sessions within the 12 months up to the as-of day (Asia/Taipei) without a second factor.
SELECT s.person_id AS subject, s.session_id, s.person_id, s.gateway_id, s.start_time, s.mfa_method,
       s._file, s._row
FROM remote_sessions_in_window s
WHERE COALESCE(s.mfa_method, 'none') = 'none'
