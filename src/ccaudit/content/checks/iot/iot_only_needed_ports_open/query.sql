WITH allowed AS (
    SELECT DISTINCT lower(b.device_type) AS device_type, lower(ap.value) AS port
    FROM iot_type_baselines b
    JOIN iot_type_baselines__allowed_ports ap ON ap._file = b._file AND ap._row = b._row
),
open_ports AS (
    SELECT DISTINCT i.device_id, i.device_type, i.location, i.owner_id, op.value AS port, i._file, i._row
    FROM iot_inventory i
    JOIN iot_inventory__open_ports op ON op._file = i._file AND op._row = i._row
    WHERE COALESCE(i.status, 'active') = 'active'
)
SELECT o.device_id AS subject, o.device_id, o.device_type, o.location, o.owner_id, o.port,
       CASE WHEN EXISTS (SELECT 1 FROM iot_type_baselines b WHERE lower(b.device_type) = lower(o.device_type))
            THEN 'not in the baseline for its type' ELSE 'its type has no baseline' END AS problem,
       CASE WHEN EXISTS (SELECT 1 FROM iot_type_baselines b WHERE lower(b.device_type) = lower(o.device_type))
            THEN '不在該類型基準內' ELSE '該設備類型未訂基準' END AS problem_zh,
       o._file, o._row
FROM open_ports o
WHERE NOT EXISTS (
    SELECT 1 FROM allowed a WHERE a.device_type = lower(o.device_type) AND a.port = lower(o.port)
)
