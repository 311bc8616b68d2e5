SELECT d.device_id AS subject, d.device_id, d.model, d.holder_id, d.request_ref, d.issued_on,
       CASE WHEN d.holder_id IS NULL AND d.request_ref IS NULL THEN 'has no holder and no request'
            WHEN d.holder_id IS NULL THEN 'has no holder'
            ELSE 'has no request reference' END AS problem,
       CASE WHEN d.holder_id IS NULL AND d.request_ref IS NULL THEN '無保管人亦無申請紀錄'
            WHEN d.holder_id IS NULL THEN '無保管人'
            ELSE '無申請單號' END AS problem_zh,
       d._file, d._row
FROM company_mobile_devices d
WHERE d.status = 'in_use'
  AND (d.holder_id IS NULL OR d.request_ref IS NULL)
