SELECT e.endpoint_id AS subject, e.endpoint_id, e.person_id,
       e.security_agent_installed, e.app_control_enabled, e._file, e._row
FROM remote_endpoints e
WHERE COALESCE(e.security_agent_installed, FALSE) = FALSE
   OR COALESCE(e.app_control_enabled, FALSE) = FALSE
