"""Fortinet FortiGate: SSL-VPN and IPsec (dial-up, XAuth) event logs, key=value syslog or FortiOS's CSV
syslog format, as forwarded to a syslog server or downloaded from Log & Report (raw format).

Facts from the FortiOS Log Message Reference: VPN events are `type="event" subtype="vpn"`; SSL-VPN
tunnels log `action="tunnel-up"`, `"tunnel-stats"`, `"tunnel-down"` (logids 0101039424/39425/39426 and
their neighbours) and `"ssl-login-fail"`; IPsec logs MESGID_CONN_UPDOWN (0101037138) with the same
actions and `xauthuser=` for XAuth dial-up users, `assignip=` for the address it handed out. `eventtime=`
is an epoch (nanoseconds since FortiOS 6.2, microseconds before), `tz=` the device's offset ("+0800");
`date=`/`time=` are the device's wall time. Unused values are written `N/A`."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.sqlkit import sql_str

# FortiGate action -> event kind. Other VPN actions (negotiate, phase2-up, install_sa, ssl-alert...)
# are not session events and count as not relevant.
ACTIONS = {
    "tunnel-up": "session_start",
    "tunnel-down": "session_end",
    "tunnel-stats": "session_stats",
    "ssl-login-fail": "login_failed",
}
# tunneltype -> remote_sessions.channel
CHANNELS = {"ssl-tunnel": "ssl_vpn", "ssl-web": "ssl_vpn", "ssl": "ssl_vpn", "l2tp": "other"}


def _values(mapping: dict[str, str]) -> str:
    return ", ".join(f"({sql_str(k)}, {sql_str(v)})" for k, v in mapping.items())


def query(lines: str) -> str:
    return f"""
WITH fields AS (
    SELECT line_no, line, is_last,
           regexp_matches(line, '(?:^|[\\s,])(?:logid|devid|devname)=') AS fortinet,
           regexp_matches(line, '(?:^|[\\s,])subtype="?vpn') AS vpn
    FROM {lines}
), vpn AS (
    SELECT line_no,
           nullif(nullif(kv(line, 'action'), 'N/A'), '') AS action,
           kv(line, 'date') AS d, kv(line, 'time') AS t, kv(line, 'eventtime') AS et, kv(line, 'tz') AS tz,
           COALESCE(nullif(kv(line, 'devname'), 'N/A'), kv(line, 'devid')) AS gateway,
           kv(line, 'devid') AS devid, kv(line, 'vd') AS vd,
           lower(COALESCE(kv(line, 'tunneltype'), '')) AS tunneltype,
           nullif(kv(line, 'tunnelid'), 'N/A') AS tunnelid,
           nullif(kv(line, 'remip'), 'N/A') AS remip,
           COALESCE(nullif(kv(line, 'assignip'), 'N/A'), nullif(kv(line, 'tunnelip'), 'N/A')) AS vip,
           COALESCE(nullif(kv(line, 'xauthuser'), 'N/A'), nullif(kv(line, 'user'), 'N/A')) AS account,
           nullif(kv(line, 'xauthuser'), 'N/A') IS NOT NULL AS xauth,
           TRY_CAST(kv(line, 'duration') AS BIGINT) AS duration_s,
           nullif(kv(line, 'reason'), 'N/A') AS reason
    FROM fields WHERE vpn
), mapped AS (
    SELECT v.*, a.kind,
           epoch_ts(TRY_CAST(et AS BIGINT)) AS ts_epoch,
           TRY_CAST(replace(d, '/', '-') || ' ' || t AS TIMESTAMP) AS ts_wall
    FROM vpn v LEFT JOIN (VALUES {_values(ACTIONS)}) AS a(action, kind) ON a.action = v.action
)
SELECT f.line_no, f.is_last,
       m.kind IS NOT NULL AS relevant,
       CASE WHEN m.kind IS NULL THEN NULL
            WHEN m.ts_epoch IS NULL AND m.ts_wall IS NULL THEN 'no readable time (eventtime=, date= and time=)'
            WHEN m.account IS NULL AND m.kind IN ('session_start', 'login_failed') THEN 'no user= or xauthuser='
            WHEN m.tunnelid IS NULL AND m.kind <> 'login_failed' THEN 'no tunnelid='
       END AS problem,
       NOT f.fortinet AND trim(f.line) <> '' AS not_source,
       m.kind, m.ts_epoch AS ts_utc, m.ts_wall AS ts_local, tz_minutes(m.tz) AS tz_offset_min, m.tz AS tz_text,
       m.account, m.remip AS source_ip, m.vip AS assigned_ip,
       CASE WHEN m.tunnelid IS NOT NULL
            THEN concat_ws('|', COALESCE(m.devid, m.gateway), m.vd, m.tunnelid) END AS session_key,
       CASE WHEN regexp_matches(m.tunneltype, 'ipsec|ike|dial') OR m.xauth THEN 'ipsec_vpn'
            ELSE COALESCE(c.channel, CASE WHEN m.tunneltype LIKE 'ssl%' THEN 'ssl_vpn' END) END AS channel,
       CAST(NULL AS VARCHAR) AS mfa_method,
       m.gateway AS gateway_id, m.duration_s, m.reason
FROM fields f
LEFT JOIN mapped m ON m.line_no = f.line_no
LEFT JOIN (VALUES {_values(CHANNELS)}) AS c(tunneltype, channel) ON c.tunneltype = m.tunneltype
"""


SOURCE = RawSource(
    id="fortigate",
    vendor="Fortinet",
    product="FortiGate SSL-VPN and IPsec event log",
    expects=("Log & Report > Log Settings: event logging with 'VPN activity event' on; the syslog server's "
             "file (config log syslogd setting, format default or csv) or a raw-format download of "
             "Log & Report > Events > VPN Events. One file per gateway or several combined; lines that "
             "are not VPN events are counted and skipped."),
    sample=('<189>date=2026-11-02 time=08:15:02 devname="FGT-HQ-01" devid="FG100FTK20000001" '
            'eventtime=1793578502123456789 tz="+0800" logid="0101039424" type="event" subtype="vpn" '
            'level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" '
            'tunneltype="ssl-tunnel" tunnelid=1436452612 remip=203.0.113.7 tunnelip=10.212.134.200 '
            'user="alice" group="VPN-Users" dst_host="N/A" reason="N/A" msg="SSL tunnel established"'),
    detect=r'(?:^|[\s,])logid="?\d{10}"?(?:[\s,]|$)',
    query=query,
)
