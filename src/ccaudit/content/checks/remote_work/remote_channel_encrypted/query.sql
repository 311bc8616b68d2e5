-- Sessions within the 12 months up to the as-of day (Asia/Taipei) over a channel not on the safe list.
SELECT s.person_id AS subject, s.session_id, s.person_id, s.gateway_id, s.start_time, s.channel,
       s._file, s._row
FROM remote_sessions_in_window s
WHERE COALESCE(s.channel, 'other') NOT IN ({{ safe_channels | sql_list }})
