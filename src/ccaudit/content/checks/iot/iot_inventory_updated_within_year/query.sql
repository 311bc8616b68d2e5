WITH verified AS (
    SELECT i.device_id, i.device_type, i.location, i.owner_id, i.last_verified_on,
           f.effective_date AS file_effective_date,
           COALESCE(i.last_verified_on, f.effective_date) AS last_verified,
           i._file, i._row
    FROM iot_inventory i
    LEFT JOIN evidence_files f ON f.sha256 = i._file
    WHERE COALESCE(i.status, 'active') = 'active'
)
SELECT v.device_id AS subject, v.device_id, v.device_type, v.location, v.owner_id, v.last_verified_on,
       v.file_effective_date, v.last_verified,
       CASE WHEN v.last_verified IS NULL THEN 'no verification date and no file effective date'
            ELSE 'last verified before the 12-month window' END AS problem,
       v._file, v._row
FROM verified v CROSS JOIN params p
WHERE v.last_verified IS NULL OR v.last_verified < p.window_start
