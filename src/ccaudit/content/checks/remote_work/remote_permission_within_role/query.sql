-- Every granted remote function must be among the allowed functions of the holder's role
-- (compared case-insensitively); a grant to someone without a known role cannot be within it.
SELECT rp.person_id AS subject, rp.person_id, pe.role_id, rp.system, rp.function,
       CASE WHEN pe.person_id IS NULL THEN 'person not in the people register'
            WHEN pe.role_id IS NULL THEN 'person has no role'
            WHEN NOT EXISTS (SELECT 1 FROM roles r WHERE r.role_id = pe.role_id)
                THEN 'role not in the roles register'
            ELSE 'function not allowed for the role' END AS problem,
       rp._file, rp._row
FROM remote_permissions rp
LEFT JOIN people pe ON pe.person_id = rp.person_id
WHERE NOT EXISTS (
    SELECT 1 FROM roles__allowed_functions af
    WHERE af.role_id = pe.role_id AND lower(af.value) = lower(rp.function)
)
