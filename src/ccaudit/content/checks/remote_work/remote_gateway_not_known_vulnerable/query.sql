-- A gateway whose product and version match an advisory's affected version (compared trimmed and
-- case-insensitively: 'FortiOS 7.2.4' and 'fortios 7.2.4 ' are the same).
SELECT g.gateway_id AS subject, g.gateway_id, g.product, g.version, a.advisory_id, a.fixed_version,
       g._file, g._row
FROM remote_gateways g
JOIN gateway_advisories a
  ON lower(trim(a.product)) = lower(trim(g.product))
 AND lower(trim(a.affected_version)) = lower(trim(g.version))
