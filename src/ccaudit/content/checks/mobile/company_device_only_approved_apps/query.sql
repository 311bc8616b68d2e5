SELECT a.device_id AS subject, a.device_id, d.holder_id, a.app_id, a.app_name, a.version, a._file, a._row
FROM device_apps a
JOIN company_mobile_devices d ON d.device_id = a.device_id
CROSS JOIN params p
WHERE d.status = 'in_use'
  AND NOT EXISTS (
      SELECT 1 FROM approved_apps ap
      WHERE lower(ap.app_id) = lower(a.app_id)
        AND (ap.approved_on IS NULL OR ap.approved_on <= p.as_of)
  )
