SELECT i.device_id AS subject, i.device_id, i.device_type, i.vendor, i.location, i.owner_id,
       i.last_security_update_on, i._file, i._row
FROM iot_inventory i CROSS JOIN params p
WHERE COALESCE(i.status, 'active') = 'active'
  AND (i.last_security_update_on IS NULL OR i.last_security_update_on < p.window_start)
