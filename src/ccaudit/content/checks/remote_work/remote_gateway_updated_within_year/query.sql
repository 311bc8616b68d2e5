SELECT g.gateway_id AS subject, g.gateway_id, g.product, g.version, g.last_updated_on, g._file, g._row
FROM remote_gateways g CROSS JOIN params p
WHERE g.last_updated_on IS NULL OR g.last_updated_on < p.review_window_start
