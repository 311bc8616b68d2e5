-- A missing required or committed RTO cannot show the requirement is met.
SELECT s.service_id AS subject, s.service_id, s.provider, s.service_name, s.required_rto_hours, s.provider_rto_hours,
       CASE WHEN s.required_rto_hours IS NULL THEN 'no required recovery time set'
            WHEN s.provider_rto_hours IS NULL THEN 'no recovery time committed by the provider'
            ELSE 'provider recovery time exceeds the requirement' END AS problem,
       s._file, s._row
FROM cloud_services s
WHERE COALESCE(s.status, 'active') = 'active'
  AND (s.required_rto_hours IS NULL OR s.provider_rto_hours IS NULL
       OR s.provider_rto_hours > s.required_rto_hours)
