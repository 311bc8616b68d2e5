"""OpenVPN server log (`log`/`log-append FILE`, or syslog written with RFC 3339 timestamps).

Each line starts with its time: `2026-11-02 08:15:02` (2.5 and later), `Mon Nov  2 08:15:02 2026` (before
2.5), optionally followed by ` us=123456`; or, through rsyslog's RSYSLOG_FileFormat, an RFC 3339 time
with its offset, the host and `openvpn[pid]:`. Messages about one client start with its address
(`203.0.113.7:51642`) and, once its certificate is verified, `CN/203.0.113.7:51642`.

Facts used (OpenVPN 2.4-2.6 server messages):
- `[CN] Peer Connection Initiated with [AF_INET]ADDR` -> session_start;
- `TLS: Username/Password authentication succeeded for username 'NAME'` -> the session's account;
- `MULTI_sva: pool returned IPv4=A, IPv6=B` or `MULTI: Learn: A -> CN/ADDR` -> the assigned address;
- `SIGTERM[soft,remote-exit] received, client-instance exiting`, `client-instance restarting`,
  `Inactivity timeout (--ping-restart)`, `Connection reset` -> session_end (reason: the message);
- `TLS Auth Error: Auth Username/Password verification failed for peer`, `AUTH_FAILED` -> login_failed.
Other lines (`peer info: IV_...`, `VERIFY OK`, routing, data channel) are not session events."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource

# (regular expression on the message, kind, reason); the first that matches decides.
MESSAGES = (
    (r"Peer Connection Initiated with", "session_start", None),
    (r"client-instance exiting", "session_end", "client exited"),
    (r"client-instance restarting", "session_end", "client restarted"),
    (r"Inactivity timeout", "session_end", "inactivity timeout"),
    (r"Connection reset, restarting", "session_end", "connection reset"),
    (r"(?:Auth Username/Password verification failed|AUTH_FAILED|authentication failed for username)",
     "login_failed", "authentication failed"),
)

# The time at the start of a line, and what follows it.
_ISO = r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: us=\d+)? (.*)$"
_CTIME = r"^([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4})(?: us=\d+)? (.*)$"
_RFC3339 = (r"^(?:<\d{1,3}>)?(?:1 )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) "
            r"\S+ openvpn(?:\[\d+\])?: (.*)$")
_RFC3164 = r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \S+ openvpn(?:\[\d+\])?: (.*)$"


def _kinds() -> str:
    case = " ".join(f"WHEN regexp_matches(msg, '{rx}') THEN '{kind}'" for rx, kind, _ in MESSAGES)
    return f"CASE {case} END"


def _reasons() -> str:
    case = " ".join(f"WHEN regexp_matches(msg, '{rx}') THEN '{reason}'" for rx, _, reason in MESSAGES if reason)
    return f"CASE {case} END"


def query(lines: str) -> str:
    return f"""
WITH l AS (
    SELECT line_no, is_last, line,
           CASE WHEN regexp_matches(line, '{_RFC3339}') THEN 'rfc3339'
                WHEN regexp_matches(line, '{_ISO}') THEN 'iso'
                WHEN regexp_matches(line, '{_CTIME}') THEN 'ctime'
                WHEN regexp_matches(line, '{_RFC3164}') THEN 'rfc3164' END AS form
    FROM {lines}
), m AS (
    SELECT *,
           CASE form WHEN 'rfc3339' THEN regexp_extract(line, '{_RFC3339}', 2)
                     WHEN 'iso' THEN regexp_extract(line, '{_ISO}', 2)
                     WHEN 'ctime' THEN regexp_extract(line, '{_CTIME}', 2)
                     WHEN 'rfc3164' THEN regexp_extract(line, '{_RFC3164}', 1) END AS msg
    FROM l
), typed AS (
    SELECT *,
           {_kinds()} AS kind,
           regexp_matches(msg, 'for username ''[^'']*''|MULTI_sva: pool returned|MULTI: Learn: ') AS context
    FROM m WHERE form IS NOT NULL
), client AS (
    -- the client a message is about: 'CN/ADDR' or 'ADDR' at its start, and the CN in '[CN]' if any
    SELECT line_no, form, msg, kind, line,
           regexp_extract(msg, '^(?:[^/\\s]+/)?((?:\\[?[0-9A-Fa-f:.]+\\]?|[0-9.]+):\\d+) ', 1) AS addr,
           COALESCE(nullif(regexp_extract(msg, '^([^/\\s]+)/\\S+ ', 1), ''),
                    nullif(regexp_extract(msg, '^\\S+ \\[([^\\]]+)\\] ', 1), '')) AS cn,
           nullif(regexp_extract(msg, 'for username ''([^'']*)''', 1), '') AS username,
           COALESCE(nullif(regexp_extract(msg, 'pool returned IPv4=([0-9.]+)', 1), ''),
                    nullif(regexp_extract(msg, 'pool returned IPv4=[^,]*, IPv6=([0-9A-Fa-f:]+)', 1), ''),
                    nullif(regexp_extract(msg, 'MULTI: Learn: ([0-9A-Fa-f:.]+) -> ', 1), '')) AS vip
    FROM typed WHERE kind IS NOT NULL OR context
), joined AS (
    -- the account a client authenticated with and the address it was given, carried to its events
    SELECT *,
           last_value(username IGNORE NULLS) OVER (PARTITION BY addr ORDER BY line_no
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS auth_user,
           first_value(vip IGNORE NULLS) OVER (PARTITION BY addr ORDER BY line_no
               ROWS BETWEEN CURRENT ROW AND 50 FOLLOWING) AS next_vip,
           last_value(cn IGNORE NULLS) OVER (PARTITION BY addr ORDER BY line_no
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS known_cn
    FROM client
)
SELECT l.line_no, l.is_last,
       j.kind IS NOT NULL AS relevant,
       CASE WHEN j.kind IS NULL THEN NULL
            WHEN j.form = 'rfc3164' THEN 'syslog time without a year: log with RFC 3339 times (docs/sources.md)'
            WHEN j.addr IS NULL OR j.addr = '' THEN 'no client address'
            WHEN j.kind = 'session_start' AND COALESCE(j.auth_user, j.known_cn) IS NULL THEN 'no client name'
       END AS problem,
       l.form IS NULL AND trim(l.line) <> '' AS not_source,
       j.kind,
       CASE WHEN l.form = 'rfc3339' THEN CAST(TRY_CAST(regexp_extract(l.line, '{_RFC3339}', 1) AS TIMESTAMPTZ)
                                              AS TIMESTAMP) END AS ts_utc,
       CASE WHEN l.form = 'iso' THEN TRY_CAST(regexp_extract(l.line, '{_ISO}', 1) AS TIMESTAMP)
            WHEN l.form = 'ctime' THEN try_strptime(regexp_replace(regexp_extract(l.line, '{_CTIME}', 1),
                                                                   '\\s+', ' ', 'g'), '%a %b %d %H:%M:%S %Y')
       END AS ts_local,
       CAST(NULL AS INTEGER) AS tz_offset_min,
       CASE WHEN l.form = 'rfc3339' THEN regexp_extract(l.line, '{_RFC3339}', 1) END AS tz_text,
       COALESCE(j.auth_user, j.known_cn) AS account,
       j.addr AS source_ip,
       CASE WHEN j.kind = 'session_start' THEN j.next_vip END AS assigned_ip,
       CASE WHEN j.kind IN ('session_start', 'session_end') THEN 'openvpn|' || COALESCE(j.known_cn, '') || '/' || j.addr
       END AS session_key,
       'ssl_vpn' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, CAST(NULL AS VARCHAR) AS gateway_id,
       CAST(NULL AS BIGINT) AS duration_s,
       {_reasons().replace('msg', 'j.msg')} AS reason
FROM l LEFT JOIN joined j ON j.line_no = l.line_no AND j.kind IS NOT NULL
WHERE j.kind IS NOT NULL OR l.is_last OR (l.form IS NULL AND trim(l.line) <> '')
"""


SOURCE = RawSource(
    id="openvpn-log",
    vendor="OpenVPN",
    product="OpenVPN server log (2.4-2.6)",
    expects=("The server's own log: `log-append /var/log/openvpn/server.log` with `verb 3` (the default), or "
             "syslog kept by rsyslog with RFC 3339 times ($ActionFileDefaultTemplate RSYSLOG_FileFormat); "
             "classic syslog times carry no year and are refused."),
    sample=("2026-11-02 08:15:02 203.0.113.7:51642 TLS: Username/Password authentication succeeded for username "
            "'alice'\n2026-11-02 08:15:02 203.0.113.7:51642 [alice-laptop] Peer Connection Initiated with "
            "[AF_INET]203.0.113.7:51642\n2026-11-02 08:15:02 alice-laptop/203.0.113.7:51642 MULTI_sva: pool "
            "returned IPv4=10.8.0.6, IPv6=(Not enabled)\n2026-11-02 17:30:00 alice-laptop/203.0.113.7:51642 "
            "SIGTERM[soft,remote-exit] received, client-instance exiting"),
    detect=(r"(?:openvpn(?:\[\d+\])?: |Peer Connection Initiated|MULTI(?:_sva)?: |TLS: |client-instance|"
            r"peer info: |Initialization Sequence Completed|VERIFY (?:OK|KU|EKU)|TLS Auth Error|"
            r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:us=\d+ )?\S)"),
    query=query,
)
