WITH trained AS (
    SELECT t.person_id, max(t.completed_on) AS last_training
    FROM training_records t CROSS JOIN params p
    WHERE t.topic IN ({{ topics | sql_list }}) AND t.completed_on <= p.as_of
    GROUP BY t.person_id
)
SELECT pe.person_id AS subject, pe.person_id, pe.name, pe.department, pe.iot_role, tr.last_training,
       pe._file, pe._row
FROM people pe
CROSS JOIN params p
LEFT JOIN trained tr ON tr.person_id = pe.person_id
WHERE pe.iot_role IN ('user', 'admin')
  AND pe.employment_status = 'active'
  AND (tr.last_training IS NULL OR tr.last_training < p.window_start)
