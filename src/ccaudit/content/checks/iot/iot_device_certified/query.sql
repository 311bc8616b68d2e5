SELECT i.device_id AS subject, i.device_id, i.device_type, i.vendor, i.location, i.acquired_on, i.certification,
       i._file, i._row
FROM iot_inventory i CROSS JOIN params p
WHERE i.acquired_on >= p.window_start AND i.acquired_on <= p.as_of
  AND (i.certification IS NULL
       OR lower(i.certification) IN ('none', 'no', 'n', '-', '--', '無', '否', '未取得', 'x'))
