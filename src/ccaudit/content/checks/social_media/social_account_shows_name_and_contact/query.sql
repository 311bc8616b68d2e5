-- What the page was seen to show decides when `ccaudit probe pages` checked it (page_checked_at set):
-- the register's own flags are what the firm says, the page as read is what a client sees. Without a
-- check of the page, the register's flags decide. A blank or unparsed flag counts as not shown; closed
-- accounts are out of scope.
WITH judged AS (
    SELECT a.*,
           CASE WHEN a.page_checked_at IS NOT NULL THEN COALESCE(a.page_shows_firm_name, FALSE)
                ELSE COALESCE(a.shows_firm_name, FALSE) END AS name_ok,
           CASE WHEN a.page_checked_at IS NOT NULL THEN COALESCE(a.page_shows_contact, FALSE)
                ELSE COALESCE(a.shows_contact, FALSE) END AS contact_ok
    FROM social_accounts a
    WHERE COALESCE(a.status, 'active') = 'active'
)
SELECT j.account_id AS subject, j.account_id, j.platform, j.url, j.shows_firm_name, j.shows_contact,
       j.page_checked_at, j.page_shows_firm_name, j.page_shows_contact, j.page_found, j.page_source,
       CASE WHEN j.page_checked_at IS NOT NULL AND j.name_ok = FALSE AND j.contact_ok = FALSE
                THEN 'the page as checked shows neither the firm name nor a contact method'
            WHEN j.page_checked_at IS NOT NULL AND j.name_ok = FALSE THEN 'the page as checked does not show the firm name'
            WHEN j.page_checked_at IS NOT NULL THEN 'the page as checked shows no contact method'
            WHEN j.name_ok = FALSE AND j.contact_ok = FALSE THEN 'neither the firm name nor a contact method is shown'
            WHEN j.name_ok = FALSE THEN 'the firm name is not shown'
            ELSE 'no contact method is shown' END AS problem,
       j._file, j._row
FROM judged j
WHERE j.name_ok = FALSE OR j.contact_ok = FALSE
