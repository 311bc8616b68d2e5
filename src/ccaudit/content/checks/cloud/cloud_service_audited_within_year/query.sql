-- "Within the last 12 months": window_start .. as_of, both days included.
SELECT s.service_id AS subject, s.service_id, s.provider, s.service_name, s.last_audit_on,
       CASE WHEN s.last_audit_on IS NULL THEN 'no audit recorded'
            WHEN s.last_audit_on > p.as_of THEN 'last audit dated after the as-of date'
            ELSE 'last audit is older than 12 months' END AS problem,
       s._file, s._row
FROM cloud_services s CROSS JOIN params p
WHERE COALESCE(s.status, 'active') = 'active'
  AND (s.last_audit_on IS NULL OR s.last_audit_on < p.window_start OR s.last_audit_on > p.as_of)
