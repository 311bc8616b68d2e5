SELECT k.device_id AS subject, k.device_id, i.device_type, i.location, k.defect_id, k.fix_available, k.fixed_on,
       k.compensating_control,
       CASE WHEN k.fix_available AND k.fixed_on IS NULL THEN 'a fix is available but not applied'
            WHEN k.fix_available THEN 'a fix is available but applied only after the as-of date'
            ELSE 'no fix exists and no compensating control is recorded' END AS problem,
       CASE WHEN k.fix_available AND k.fixed_on IS NULL THEN '已有修補程式但尚未修補'
            WHEN k.fix_available THEN '已有修補程式但於查核基準日後始修補'
            ELSE '無修補程式且未建立補償性控制' END AS problem_zh,
       k._file, k._row
FROM iot_known_defects k
CROSS JOIN params p
LEFT JOIN iot_inventory i ON i.device_id = k.device_id
WHERE COALESCE(i.status, 'active') = 'active'
  AND ((k.fix_available AND (k.fixed_on IS NULL OR k.fixed_on > p.as_of))
       OR (NOT k.fix_available AND k.compensating_control IS NULL))
