-- A blank or unparsed flag counts as not shown; closed accounts are out of scope.
SELECT a.account_id AS subject, a.account_id, a.platform, a.url, a.shows_firm_name, a.shows_contact,
       CASE WHEN COALESCE(a.shows_firm_name, FALSE) = FALSE AND COALESCE(a.shows_contact, FALSE) = FALSE
                THEN 'neither the firm name nor a contact method is shown'
            WHEN COALESCE(a.shows_firm_name, FALSE) = FALSE THEN 'the firm name is not shown'
            ELSE 'no contact method is shown' END AS problem,
       a._file, a._row
FROM social_accounts a
WHERE COALESCE(a.status, 'active') = 'active'
  AND (COALESCE(a.shows_firm_name, FALSE) = FALSE OR COALESCE(a.shows_contact, FALSE) = FALSE)
