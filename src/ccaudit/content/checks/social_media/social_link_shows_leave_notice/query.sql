-- A blank or unparsed notice flag counts as not shown.
SELECT l.link_url AS subject, l.page_url, l.link_url, l.platform, l.leave_notice_shown, l.observed_at,
       l._file, l._row
FROM website_outbound_links l
WHERE COALESCE(l.leave_notice_shown, FALSE) = FALSE
