SELECT g.gateway_id AS subject, g.gateway_id, g.product, g.version, a.advisory_id, a.fixed_version,
       g._file, g._row
FROM remote_gateways g
JOIN gateway_advisories a
  ON lower(trim(a.product)) = lower(trim(g.product)) AND trim(a.affected_version) = trim(g.version)
