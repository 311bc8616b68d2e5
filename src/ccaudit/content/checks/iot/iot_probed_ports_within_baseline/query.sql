-- Observations from `ccaudit probe ports` within the 12 months before the as-of date, judged against the
-- firm's own baselines (the register the auditor sees), whatever baseline the probe itself compared with.
-- The device's type and status come from the inventory when it lists the device; a device the inventory
-- does not list is judged on the type the probe recorded. An observation older than the window is not
-- current evidence and is not judged.
WITH allowed AS (
    SELECT DISTINCT lower(b.device_type) AS device_type, trim(ap.value) AS port
    FROM iot_type_baselines b
    JOIN iot_type_baselines__allowed_ports ap ON ap._file = b._file AND ap._row = b._row
),
inventory AS (
    SELECT i.device_id, min(i.device_type) AS device_type, min(i.location) AS location,
           min(COALESCE(i.status, 'active')) AS status
    FROM iot_inventory i
    GROUP BY i.device_id
),
observed AS (
    SELECT o.device_id, COALESCE(v.device_type, o.device_type) AS device_type, v.location, o.address, o.port,
           o.service, o.observed_at, COALESCE(o.cleartext_login, FALSE) AS cleartext_login,
           COALESCE(o.default_login_suspected, FALSE) AS default_login_suspected,
           CASE WHEN EXISTS (SELECT 1 FROM iot_type_baselines b
                             WHERE lower(b.device_type) = lower(COALESCE(v.device_type, o.device_type)))
                THEN TRUE ELSE FALSE END AS has_baseline,
           CASE WHEN EXISTS (SELECT 1 FROM allowed a
                             WHERE a.device_type = lower(COALESCE(v.device_type, o.device_type))
                               AND a.port = CAST(o.port AS VARCHAR))
                THEN TRUE ELSE FALSE END AS in_baseline,
           o._file, o._row
    FROM iot_port_observations o
    LEFT JOIN inventory v ON v.device_id = o.device_id
    CROSS JOIN params p
    WHERE o.state = 'open'
      AND COALESCE(v.status, 'active') = 'active'
      AND o.observed_at >= p.window_start_ts AND o.observed_at < p.as_of_end
)
SELECT o.device_id AS subject, o.device_id, o.device_type, o.location, o.address, o.port, o.service, o.observed_at,
       CASE WHEN o.default_login_suspected THEN 'admin page known for a default log-in'
            WHEN o.cleartext_login THEN 'clear-text log-in service (Telnet or FTP)'
            WHEN o.has_baseline THEN 'not in the baseline for its type'
            ELSE 'its type has no baseline' END AS problem,
       CASE WHEN o.default_login_suspected THEN '以預設帳密聞名之管理頁面'
            WHEN o.cleartext_login THEN '明文登入服務（Telnet或FTP）'
            WHEN o.has_baseline THEN '不在該類型基準內'
            ELSE '該設備類型未訂基準' END AS problem_zh,
       o._file, o._row
FROM observed o
WHERE o.default_login_suspected OR o.cleartext_login OR NOT o.in_baseline
