SELECT rp.person_id AS subject, rp.person_id, pe.role_id, rp.system, rp.function,
       CASE WHEN pe.person_id IS NULL THEN 'person not in the people register'
            ELSE 'function not allowed for the role' END AS problem,
       rp._file, rp._row
FROM remote_permissions rp
LEFT JOIN people pe ON pe.person_id = rp.person_id
WHERE NOT EXISTS (
    SELECT 1 FROM roles__allowed_functions af
    WHERE af.role_id = pe.role_id AND lower(af.value) = lower(rp.function)
)
