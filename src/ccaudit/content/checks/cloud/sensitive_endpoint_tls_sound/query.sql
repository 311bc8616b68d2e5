-- tls_version is free text from a probe or a register: 'TLSv1.3', 'TLS 1.1', 'tlsv1.1', 'SSLv3', 'TLS1_0',
-- or a list of accepted versions ('TLSv1.0, TLSv1.2'). It is normalised to ',tls1.1,' style (lower case,
-- no spaces, 'v', '_' or '-'; separators as commas) and is weak if any accepted version is below 1.2.
-- 'SSL/TLS 1.2' (a common way of naming the protocol family) is not SSL; 'SSLv3' or 'SSL 3.0' is.
-- Blank version or expiry: nothing is known, so nothing fails on it. A live probe (`ccaudit probe tls`) also
-- records whether the certificate matches the host name and its chain verifies: FALSE fails, blank does not.
WITH endpoints AS (
    SELECT e.*,
           ',' || replace(replace(replace(replace(replace(replace(replace(lower(trim(e.tls_version)),
               ' ', ''), 'v', ''), '_', ''), '-', ''), ';', ','), '/', ','), '|', ',') || ',' AS tls_norm
    FROM sensitive_endpoints e
),
judged AS (
    SELECT e.*,
           CASE WHEN e.tls_version IS NOT NULL
                 AND (e.tls_norm LIKE '%ssl2%' OR e.tls_norm LIKE '%ssl3%'
                      OR e.tls_norm LIKE '%tls1.0%' OR e.tls_norm LIKE '%tls1.1%'
                      OR e.tls_norm LIKE '%,tls1,%' OR e.tls_norm LIKE '%,tls10,%' OR e.tls_norm LIKE '%,tls11,%'
                      OR e.tls_norm LIKE '%,1.0,%' OR e.tls_norm LIKE '%,1.1,%')
                THEN TRUE ELSE FALSE END AS weak_tls,
           CASE WHEN e.certificate_expires_on <= p.as_of THEN TRUE ELSE FALSE END AS cert_expired
    FROM endpoints e CROSS JOIN params p
)
SELECT j.endpoint_id AS subject, j.endpoint_id, j.host, j.port, j.protocol, j.tls_version, j.certificate_expires_on,
       j.host_name_matches, j.chain_verified,
       CASE WHEN j.weak_tls AND j.cert_expired THEN 'TLS version below 1.2 and certificate expired'
            WHEN j.weak_tls THEN 'TLS version below 1.2'
            WHEN j.cert_expired THEN 'certificate expired on or before the as-of date'
            WHEN j.host_name_matches = FALSE THEN 'certificate does not match the host name'
            ELSE 'certificate chain not verified' END AS problem,
       j._file, j._row
FROM judged j
WHERE j.weak_tls OR j.cert_expired
   OR COALESCE(j.host_name_matches, TRUE) = FALSE OR COALESCE(j.chain_verified, TRUE) = FALSE
