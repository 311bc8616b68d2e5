-- A blank cell or a placeholder such as 'none' / '無' / '未定' is no arrangement.
SELECT s.service_id AS subject, s.service_id, s.provider, s.service_name, s.backup_arrangement, s._file, s._row
FROM cloud_services s
WHERE COALESCE(s.status, 'active') = 'active'
  AND (s.backup_arrangement IS NULL
       OR lower(trim(s.backup_arrangement)) IN ({{ placeholders | sql_list }}))
