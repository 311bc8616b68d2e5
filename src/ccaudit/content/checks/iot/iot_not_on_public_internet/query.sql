SELECT i.device_id AS subject, i.device_id, i.device_type, i.vendor, i.location, i.owner_id, i.publicly_exposed,
       i._file, i._row
FROM iot_inventory i
WHERE COALESCE(i.status, 'active') = 'active'
  AND COALESCE(i.publicly_exposed, FALSE) = TRUE
