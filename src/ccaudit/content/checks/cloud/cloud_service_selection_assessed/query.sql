-- Active services (a blank status counts as active) without a selection assessment on or before the as-of date.
SELECT s.service_id AS subject, s.service_id, s.provider, s.service_name, s.selection_assessed_on,
       CASE WHEN s.selection_assessed_on IS NULL THEN 'no selection assessment recorded'
            ELSE 'selection assessment dated after the as-of date' END AS problem,
       s._file, s._row
FROM cloud_services s CROSS JOIN params p
WHERE COALESCE(s.status, 'active') = 'active'
  AND (s.selection_assessed_on IS NULL OR s.selection_assessed_on > p.as_of)
