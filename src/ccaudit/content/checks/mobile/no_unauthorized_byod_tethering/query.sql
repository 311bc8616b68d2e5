SELECT COALESCE(e.device_id, e.person_id, e.event_id) AS subject, e.event_id, e.occurred_at, e.person_id,
       e.device_id, e.internal_asset, e.event_type, e.authorized, e._file, e._row
FROM network_events e CROSS JOIN params p
WHERE e.occurred_at >= p.window_start_ts AND e.occurred_at < p.as_of_end
  AND e.event_type IN ('tethering', 'hotspot', 'bridging')
  AND COALESCE(e.authorized, FALSE) = FALSE
