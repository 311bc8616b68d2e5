SELECT e.endpoint_id AS subject, e.endpoint_id, e.host, e.port, e.protocol, e._file, e._row
FROM sensitive_endpoints e
WHERE e.protocol NOT IN ({{ encrypted | sql_list }})
