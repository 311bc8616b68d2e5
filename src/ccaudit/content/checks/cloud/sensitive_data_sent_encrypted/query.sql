-- A plain protocol in the register fails; so does an encrypted endpoint beside which a live probe
-- (`ccaudit probe tls`) found plain HTTP serving content, or plain FTP or Telnet answering. Blank probe
-- columns (not probed, or a port that only timed out) conclude nothing. SMTP counts as encrypted only where a
-- probe saw the server offer STARTTLS (its TLS is then judged by sensitive_endpoint_tls_sound).
WITH judged AS (
    SELECT e.*,
           CASE WHEN e.protocol IN ({{ encrypted | sql_list }}) THEN FALSE
                WHEN e.protocol = 'smtp' AND COALESCE(e.starttls_offered, FALSE) = TRUE THEN FALSE
                ELSE TRUE END AS unencrypted,
           CASE WHEN e.protocol = 'smtp' AND e.starttls_offered = FALSE THEN TRUE ELSE FALSE END AS no_starttls,
           CASE WHEN e.plain_http = 'serves_plain' THEN TRUE ELSE FALSE END AS http_served
    FROM sensitive_endpoints e
)
SELECT j.endpoint_id AS subject, j.endpoint_id, j.host, j.port, j.protocol, j.plain_http, j.plain_ftp_refused,
       j.telnet_refused, j.starttls_offered,
       CASE WHEN j.no_starttls THEN 'SMTP does not offer STARTTLS'
            WHEN j.unencrypted THEN 'unencrypted protocol'
            WHEN j.http_served THEN 'plain HTTP serves content beside the encrypted endpoint'
            WHEN j.plain_ftp_refused = FALSE THEN 'plain FTP answers beside the encrypted endpoint'
            ELSE 'Telnet answers beside the encrypted endpoint' END AS problem,
       j._file, j._row
FROM judged j
WHERE j.unencrypted OR j.http_served
   OR COALESCE(j.plain_ftp_refused, TRUE) = FALSE
   OR COALESCE(j.telnet_refused, TRUE) = FALSE
