-- Detected within the 12 months before the as-of date (local time). The handling time is measured on
-- the UTC instants, so time zones in the export cannot distort it. An incident still open at the end
-- of the as-of day fails only once its {{ max_hours | sql_int }} hours have run out.
SELECT i.account_id AS subject, i.incident_id, i.account_id, i.detected_at, i.handled_at, i.action,
       CASE WHEN i.handled_at_utc IS NULL THEN 'not handled within {{ max_hours | sql_int }} hours (still open)'
            ELSE 'handled more than {{ max_hours | sql_int }} hours after detection' END AS problem,
       i._file, i._row
FROM social_moderation_incidents i CROSS JOIN params p
WHERE i.detected_at >= p.window_start_ts AND i.detected_at < p.as_of_end
  AND ((i.handled_at_utc IS NULL AND i.detected_at + INTERVAL '{{ max_hours | sql_int }}' HOUR < p.as_of_end)
       OR i.handled_at_utc > i.detected_at_utc + INTERVAL '{{ max_hours | sql_int }}' HOUR)
