"""Cisco ASA (and Firepower Threat Defense) syslog for Secure Client / AnyConnect and clientless WebVPN.

Facts from the Cisco Secure Firewall ASA Series Syslog Messages guide:
- %ASA-6-113039: `Group <g> User <u> IP <ip> AnyConnect parent session started.` -> session_start;
- %ASA-6-716001: `Group <g> User <u> IP <ip> WebVPN session started.` -> session_start (clientless);
- %ASA-6-716002: `Group <g> User <u> IP <ip> WebVPN session terminated: reason.` -> session_end;
- %ASA-4-722051: `Group <g> User <u> IP <ip> IPv4 Address <a> IPv6 address <b> assigned to session` and
  %ASA-6-722022/722023 (TCP/UDP SVC connection established) -> session_stats (the address, the tunnel);
- %ASA-4-113019: `Group = g, Username = u, IP = ip, Session disconnected. Session Type: t, Duration:
  1h:02m:03s, Bytes xmt: n, Bytes rcv: n, Reason: r` -> session_end with its duration (1d 2h:03m:04s
  beyond a day);
- %ASA-6-113005 / 113015: `AAA user authentication Rejected : reason = r : server = s : user = u : user
  IP = ip` -> login_failed; %ASA-6-113004 (authentication successful) is a step, not a session.
The time is the ASA's own (`logging timestamp`: 'Nov 02 2026 08:15:02', or RFC 5424 '2026-11-02T08:15:02Z'),
possibly behind a relay's header; `logging device-id` puts the device's name before '%ASA'. A classic syslog
time without a year cannot be placed in time and is reported as malformed."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource

_MSG = r"%(?:ASA|FTD)-(\d)-(\d{6}):?\s*(.*)$"
_LEGACY = r".*([A-Z][a-z]{2} +\d{1,2} \d{4} \d{2}:\d{2}:\d{2})"
# a zone the ASA may print after its legacy time ('Nov 02 2026 08:15:02 UTC: %ASA-...'); only UTC/GMT are read
_LEGACY_ZONE = r"[A-Z][a-z]{2} +\d{1,2} \d{4} \d{2}:\d{2}:\d{2} ([A-Z]{2,5})\s*:?\s*(?:\S+\s*:?\s*)?$"
_ISO = r".*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
_NOYEAR = r"[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}"
_DEVICE = r"(?:^|\s)(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*)\s*:?\s*%(?:ASA|FTD)-"
_ANGLE = r"Group <([^>]*)> User <([^>]*)> IP <([^>]*)>"
_EQ = r"Group = ([^,]*), Username = ([^,]*), IP = ([^,]*),"
_DUR = r"Duration: (?:(\d+)d\s*)?(\d+)h:(\d+)m:(\d+)s"


def _num(group: int) -> str:
    return f"COALESCE(TRY_CAST(nullif(regexp_extract(msg, '{_DUR}', {group}), '') AS BIGINT), 0)"


def query(lines: str) -> str:
    return f"""
WITH l AS (
    SELECT line_no, is_last, line, regexp_matches(line, '{_MSG}') AS asa FROM {lines}
), m AS (
    SELECT line_no, is_last, line, asa,
           regexp_extract(line, '{_MSG}', 2) AS msg_id,
           regexp_extract(line, '{_MSG}', 3) AS msg,
           regexp_extract(line, '^(.*?)%(?:ASA|FTD)-', 1) AS head
    FROM l
), k AS (
    SELECT *,
        CASE msg_id
            WHEN '113039' THEN 'session_start'
            WHEN '716001' THEN 'session_start'
            WHEN '716002' THEN 'session_end'
            WHEN '113019' THEN 'session_end'
            WHEN '722051' THEN 'session_stats'
            WHEN '722022' THEN 'session_stats'
            WHEN '722023' THEN 'session_stats'
            WHEN '113005' THEN 'login_failed'
            WHEN '113015' THEN 'login_failed'
        END AS kind
    FROM m WHERE asa OR is_last OR trim(line) <> ''
), e AS (
    SELECT *,
        COALESCE(nullif(trim(regexp_extract(msg, '{_ANGLE}', 2)), ''),
                 nullif(trim(regexp_extract(msg, '{_EQ}', 2)), ''),
                 nullif(trim(regexp_extract(msg, ': user = ([^:]+?)(?: :|$)', 1)), '')) AS account,
        COALESCE(nullif(trim(regexp_extract(msg, '{_ANGLE}', 3)), ''),
                 nullif(trim(regexp_extract(msg, '{_EQ}', 3)), ''),
                 nullif(trim(regexp_extract(msg, ': user IP = ([^\\s:][^\\s]*)', 1)), '')) AS peer,
        nullif(regexp_extract(msg, 'Session Type: ([^,]+)', 1), '') AS session_type,
        CASE WHEN regexp_matches(msg, '{_DUR}')
             THEN {_num(1)} * 86400 + {_num(2)} * 3600 + {_num(3)} * 60 + {_num(4)} END AS duration_s,
        nullif(nullif(regexp_extract(msg, 'IPv4 Address <([^>]*)>', 1), '0.0.0.0'), '') AS vip4,
        nullif(nullif(regexp_extract(msg, 'IPv6 address <([^>]*)>', 1), '::'), '') AS vip6,
        nullif(rtrim(trim(COALESCE(nullif(regexp_extract(msg, 'Reason: (.*)$', 1), ''),
                                  nullif(regexp_extract(msg, 'WebVPN session terminated: (.*)$', 1), ''),
                                  nullif(regexp_extract(msg, 'Rejected : reason = ([^:]+)', 1), ''),
                                  CASE msg_id WHEN '722022' THEN 'TCP connection established'
                                              WHEN '722023' THEN 'UDP (DTLS) connection established' END)),
                   '.'), '') AS reason,
        nullif(regexp_extract(head, '{_LEGACY}', 1), '') AS t_legacy,
        nullif(regexp_extract(head, '{_LEGACY_ZONE}', 1), '') AS t_zone,
        nullif(regexp_extract(head, '{_ISO}', 1), '') AS t_iso,
        nullif(regexp_extract(line, '{_DEVICE}', 1), '') AS device_or_zone
    FROM k
), t AS (
    SELECT *,
        CASE WHEN device_or_zone IS DISTINCT FROM t_zone THEN device_or_zone END AS device,
        CASE WHEN t_legacy IS NULL AND regexp_matches(t_iso, '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
             THEN CAST(TRY_CAST(t_iso AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
        COALESCE(try_strptime(regexp_replace(t_legacy, ' +', ' ', 'g'), '%b %d %Y %H:%M:%S'),
                 CASE WHEN NOT regexp_matches(t_iso, '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
                      THEN TRY_CAST(t_iso AS TIMESTAMP) END) AS ts_wall,
        regexp_matches(msg, 'WebVPN') OR regexp_matches(COALESCE(session_type, ''), '(?i)webvpn|clientless')
            AS webvpn,
        regexp_matches(COALESCE(session_type, ''), '(?i)ipsec|ikev|l2tp') AS ipsec
    FROM e
)
SELECT line_no, is_last,
       kind IS NOT NULL AS relevant,
       CASE WHEN kind IS NULL THEN NULL
            WHEN ts_utc IS NULL AND ts_wall IS NULL AND regexp_matches(head, '{_NOYEAR}')
                THEN 'syslog time without a year: set logging timestamp on the ASA (docs/sources.md)'
            WHEN ts_utc IS NULL AND ts_wall IS NULL THEN 'no time (logging timestamp off)'
            WHEN account IS NULL AND kind <> 'login_failed' THEN 'no user'
            WHEN peer IS NULL AND kind <> 'login_failed' THEN 'no IP'
       END AS problem,
       NOT asa AND trim(line) <> '' AS not_source,
       kind, ts_utc, ts_wall AS ts_local, CASE WHEN t_legacy IS NOT NULL THEN tz_minutes(t_zone) END AS tz_offset_min,
       COALESCE(t_zone, t_iso) AS tz_text,
       account, peer AS source_ip, COALESCE(vip4, vip6) AS assigned_ip,
       CASE WHEN kind <> 'login_failed' THEN
           concat_ws('|', CASE WHEN webvpn THEN 'asa-webvpn' ELSE 'asa' END, device, lower(account), peer) END
           AS session_key,
       CASE WHEN ipsec THEN 'ipsec_vpn' ELSE 'ssl_vpn' END AS channel,
       CAST(NULL AS VARCHAR) AS mfa_method, device AS gateway_id, duration_s, reason
FROM t
WHERE kind IS NOT NULL OR NOT asa OR is_last
"""


SOURCE = RawSource(
    id="cisco-asa",
    vendor="Cisco",
    product="ASA / FTD syslog for Secure Client (AnyConnect) and WebVPN sessions",
    expects=("The syslog server's file for the ASA with `logging enable`, `logging timestamp` (or `logging "
             "timestamp rfc5424`), `logging trap informational` (or at least messages 113039, 113019, 113005, "
             "716001, 716002, 722051 at their levels) and optionally `logging device-id hostname`; or the ASDM "
             "log export. Other messages are counted and skipped."),
    sample=("<166>Nov 02 2026 08:15:02 asa-hq : %ASA-6-113039: Group <GP-AnyConnect> User <CORP\\alice> IP "
            "<203.0.113.7> AnyConnect parent session started.\n"
            "<164>Nov 02 2026 17:30:00 asa-hq : %ASA-4-113019: Group = GP-AnyConnect, Username = CORP\\alice, "
            "IP = 203.0.113.7, Session disconnected. Session Type: SSL, Duration: 9h:14m:58s, Bytes xmt: "
            "1048576, Bytes rcv: 524288, Reason: User Requested"),
    detect=r"%(?:ASA|FTD)-\d-\d{6}",
    query=query,
)
