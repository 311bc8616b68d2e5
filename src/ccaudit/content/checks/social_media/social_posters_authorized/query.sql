-- Admins exported from the platform vs the approved list, on the as-of date. Accounts registered as
-- closed are out of scope; admins of accounts missing from the register are still checked.
-- "Left the firm": terminated on or before the as-of date (or terminated with no date).
WITH admins AS (
    SELECT ad.*
    FROM social_account_admins ad
    WHERE NOT EXISTS (
        SELECT 1 FROM social_accounts acc WHERE acc.account_id = ad.account_id AND acc.status = 'closed'
    )
),
current_auth AS (
    SELECT DISTINCT ap.account_id, ap.person_id
    FROM social_authorized_posters ap CROSS JOIN params p
    WHERE COALESCE(ap.authorized_from, p.as_of) <= p.as_of
      AND COALESCE(ap.authorized_until, p.as_of) >= p.as_of
),
any_auth AS (
    SELECT DISTINCT ap.account_id, ap.person_id FROM social_authorized_posters ap
),
judged AS (
    SELECT ad.account_id, ad.person_id, ad.role, pe.name, pe.employment_status, pe.terminated_on, ad._file, ad._row,
           CASE WHEN pe.person_id IS NULL THEN 'not in the people register'
                WHEN (pe.terminated_on IS NOT NULL AND pe.terminated_on <= p.as_of)
                  OR (pe.employment_status = 'terminated' AND pe.terminated_on IS NULL) THEN 'has left the firm'
                WHEN ca.person_id IS NOT NULL THEN NULL
                WHEN aa.person_id IS NOT NULL THEN 'authorization for this account not current on the as-of date'
                ELSE 'not on the authorized list for this account' END AS problem
    FROM admins ad
    CROSS JOIN params p
    LEFT JOIN people pe ON pe.person_id = ad.person_id
    LEFT JOIN current_auth ca ON ca.account_id = ad.account_id AND ca.person_id = ad.person_id
    LEFT JOIN any_auth aa ON aa.account_id = ad.account_id AND aa.person_id = ad.person_id
)
SELECT j.person_id AS subject, j.account_id, j.person_id, j.name, j.role, j.employment_status, j.terminated_on,
       j.problem, j._file, j._row
FROM judged j
WHERE j.problem IS NOT NULL
