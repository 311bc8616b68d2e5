SELECT i.device_id AS subject, i.device_id, i.device_type, i.vendor, i.location, i.owner_id,
       i.default_password_changed, i._file, i._row
FROM iot_inventory i
WHERE COALESCE(i.status, 'active') = 'active'
  AND COALESCE(i.default_password_changed, FALSE) = FALSE
