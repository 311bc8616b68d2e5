SELECT e.endpoint_id AS subject, e.endpoint_id, e.person_id, e.disk_encrypted, e.dlp_enabled, e._file, e._row
FROM remote_endpoints e
WHERE COALESCE(e.disk_encrypted, FALSE) = FALSE OR COALESCE(e.dlp_enabled, FALSE) = FALSE
