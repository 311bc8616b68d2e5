-- A hand-over: a holder's assignment that follows another holder's on the same device.
-- The reset must fall between the previous holder's return (or, when no return is recorded,
-- the previous assignment) and the end of the new holder's assignment day, in Taipei time.
WITH ordered AS (
    SELECT a.device_id, a.holder_id, a.assigned_on, a.returned_on, a._file, a._row,
           LAG(a.holder_id) OVER (
               PARTITION BY a.device_id ORDER BY a.assigned_on, a.returned_on, a.holder_id) AS previous_holder,
           LAG(a.returned_on) OVER (
               PARTITION BY a.device_id ORDER BY a.assigned_on, a.returned_on, a.holder_id) AS previous_returned_on,
           LAG(COALESCE(a.returned_on, a.assigned_on)) OVER (
               PARTITION BY a.device_id ORDER BY a.assigned_on, a.returned_on, a.holder_id) AS previous_end
    FROM device_assignments a
),
handovers AS (
    SELECT o.* FROM ordered o CROSS JOIN params p
    WHERE o.previous_holder IS NOT NULL
      AND o.previous_holder <> o.holder_id
      AND o.assigned_on >= p.window_start AND o.assigned_on <= p.as_of
)
SELECT h.device_id AS subject, h.device_id, h.holder_id, h.assigned_on, h.previous_holder,
       h.previous_returned_on, h._file, h._row
FROM handovers h
WHERE NOT EXISTS (
    SELECT 1 FROM device_resets r
    WHERE r.device_id = h.device_id
      AND r.reset_at >= CAST(h.previous_end AS TIMESTAMP)
      AND r.reset_at < CAST(h.assigned_on AS TIMESTAMP) + INTERVAL '1' DAY
)
