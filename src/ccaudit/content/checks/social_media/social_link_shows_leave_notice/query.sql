-- A blank or unparsed notice flag counts as not shown. Each link is judged on its own (link_id tells
-- a page's header link from its footer link to the same account), so one good copy hides nothing.
SELECT l.link_url AS subject, l.page_url, l.link_url, l.link_id, l.platform, l.leave_notice_shown, l.observed_at,
       l._file, l._row
FROM website_outbound_links l
WHERE COALESCE(l.leave_notice_shown, FALSE) = FALSE
