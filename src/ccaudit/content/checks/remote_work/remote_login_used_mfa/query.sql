SELECT s.person_id AS subject, s.session_id, s.person_id, s.gateway_id, s.start_time, s.mfa_method,
       s._file, s._row
FROM remote_sessions s CROSS JOIN params p
WHERE s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end
  AND COALESCE(s.mfa_method, 'none') = 'none'
