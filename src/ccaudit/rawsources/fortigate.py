"""Fortinet FortiGate: SSL-VPN and IPsec (dial-up, XAuth) event logs, key=value syslog or FortiOS's CSV
syslog format, as forwarded to a syslog server or downloaded from Log & Report (raw format).

Facts from the FortiOS Log Message Reference: VPN events are `type="event" subtype="vpn"`; SSL-VPN
tunnels log `action="tunnel-up"`, `"tunnel-stats"`, `"tunnel-down"` (logids 0101039424/39425/39426 and
their neighbours) and `"ssl-login-fail"`; IPsec logs MESGID_CONN_UPDOWN (0101037138) with the same
actions and `xauthuser=` for XAuth dial-up users, `assignip=` for the address it handed out. `eventtime=`
is an epoch (nanoseconds since FortiOS 6.2, microseconds before), `tz=` the device's offset ("+0800");
`date=`/`time=` are the device's wall time. Unused values are written `N/A`."""

from __future__ import annotations

from ccaudit.rawsources.base import WITHOUT_TUNNEL_ID, RawSource
from ccaudit.rawsources.sentinel import extension_pairs
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


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


# CEF (config log syslogd setting: set format cef; FortiAnalyzer log forwarding in CEF): FortiOS fields without
# a CEF name carry the prefix FTNTFGT (FortiAnalyzer: ad.); these CEF names stand for FortiOS ones.
CEF_NAMES = {"act": "action", "duser": "user", "deviceExternalId": "devid", "dvchost": "devname"}
# the keys the query reads, as a CEF line names them once turned into FortiOS's (_pairs)
_CEF_READ = str(["action", "eventtime", "devid", "vd", "tunneltype", "tunnelid", "remip", "tunnelip", "user",
                 "xauthuser", "assignip", "duration", "reason", "tz"])
_SHIPPER_FIELDS = ("message", "full_message", "log")  # where shippers keep the line they received
# Microsoft Sentinel's CommonSecurityLog (the CEF line as Log Analytics stores it, exported as JSON): the CEF keys
# with a name of their own are columns, the others are in AdditionalExtensions as 'k=v;k=v', FTNTFGT written
# FortinetFortiGate (Sentinel's own sample data: 'FortinetFortiGateeventtime=...;FortinetFortiGatelogid=...').
CSL_COLUMNS = {"DeviceAction": "action", "DestinationUserName": "user", "DestinationIP": "dst",
               "DeviceExternalID": "devid", "DeviceName": "devname", "Computer": "devname", "Reason": "reason",
               "Message": "msg"}
_CSL_PREFIX = "(?:FortinetFortiGate|FTNTFGT)?"


def _csl_pairs(line: str) -> str:
    """A CommonSecurityLog record's AdditionalExtensions as ' k="v"' pairs (sentinel.extension_pairs: a pair starts at
    ';key=', a '\\=' in a value starts none), then its columns under their FortiOS names (of DeviceName and Computer,
    the first there names the device)."""
    pairs = extension_pairs(f"json_extract_string({line}, '$.AdditionalExtensions')", _CSL_PREFIX)
    # (a value ending in a backslash gets it doubled: written as it is, it would escape the quote that closes the
    # value, and the keys after it, the columns among them, would be read as inside it)
    ext = (f"array_to_string(list_transform({pairs}, "
           "lambda p: ' ' || p.k || '=\"' || regexp_replace(replace(p.v, '\"', ''''), '(\\\\+)$', '\\1\\1') || '\"'), "
           "'')")
    columns = " || ".join(
        f"COALESCE(' {key}=\"' || replace(json_extract_string({line}, '$.{col}'), '\"', '''') || '\"', '')"
        for col, key in CSL_COLUMNS.items())
    return f"{ext} || {columns}"


def _pairs(line: str) -> str:
    """A line as ' key="value"' pairs, whichever form FortiOS or FortiAnalyzer wrote it in."""
    cef = f"regexp_replace(cef_kv({line}), ' (?:FTNTFGT|ad\\.)', ' ', 'g')"
    for name, fortios in CEF_NAMES.items():
        cef = f"replace({cef}, ' {name}=\"', ' {fortios}=\"')"
    # FortiOS writes its host name before 'CEF:'; it names the device where no dvchost= does (FortiAnalyzer)
    cef += f" || ' devname=\"' || regexp_extract({line}, '([^\\s>]+)\\s+CEF:', 1) || '\"'"
    # A log shipper's JSON record (Filebeat, Elastic Agent, Logstash, Graylog, Fluentd) holds the FortiOS line as a
    # JSON string, its quotes escaped: the string itself is the line.
    messages = (f"json_extract_string({line}, '$.{k}')" for k in _SHIPPER_FIELDS)
    shipped = " ".join(f"WHEN {m} LIKE '%logid=%' THEN kv_spaced({m})" for m in messages)
    shipped += (f" WHEN json_extract_string({line}, '$.AdditionalExtensions') LIKE '%logid=%' "
                f"THEN {_csl_pairs(line)}")
    return (f"CASE WHEN contains({line}, 'CEF:') THEN {cef} "
            f"WHEN starts_with(ltrim({line}), '{{') AND json_valid({line}) THEN CASE {shipped} END "
            f"WHEN starts_with(ltrim({line}), '\"') AND contains({line}, '=\"\"') THEN faz_csv_kv({line}) "
            f"ELSE kv_spaced({line}) END")


def query(lines: str) -> str:
    # One pass, no join. Only VPN lines, lines that are not FortiGate's and the last line go on (the rest
    # is counted as not relevant by the framework), so traffic lines cost three substring tests, and the
    # key=value extraction runs on the few lines that need it. Each value is extracted once, in its own CTE
    # column: DuckDB repeats a macro's argument wherever the macro uses it, and a CASE x WHEN ... over an
    # extraction ran it once per WHEN (the action's CASE was a third of the parse). Values that never hold
    # a space (numbers, addresses, keywords) take the cheaper kvw; names and reasons take kvs.
    return f"""
WITH f AS (
    SELECT line_no, is_last, {_pairs('line')} AS p0, contains(line, 'logid=') AS fortinet, line
    FROM {lines}
    -- a VPN event's subtype, in any of the forms (quoted, CEF, FortiAnalyzer's CSV), tested only on lines
    -- naming vpn at all: traffic through an IPsec tunnel (vpn="...") stops here, not after the extraction
    WHERE (contains(line, 'vpn') AND regexp_matches(line, 'subtype=(?:\\\\?["'']){{0,2}}vpn'))
          OR NOT contains(line, 'logid=') OR is_last
), g AS (
    -- every key is read outside quoted values (sqlkit.kv_guarded): a user name typed at a log-in cannot set any
    SELECT line_no, is_last, line, kv_guarded(p0) AS p, fortinet,
           -- CEF quotes nothing: a name typed as 'bob reason=x' reads as the keys duser=bob and reason=x, so a CEF
           -- line with a key read here twice is reported, not read (as GlobalProtect's CEF and LEEF lines)
           -- (and a CommonSecurityLog record: a ';' inside a value of its AdditionalExtensions is not escaped; there
           -- the client's address is remip or the DestinationIP column, never both: FortiOS's CEF writes one of them)
           CASE WHEN contains(line, 'CEF:') OR contains(line, '"AdditionalExtensions"') THEN COALESCE(
                list_filter({_CEF_READ}, lambda k: len(string_split(p0, ' ' || k || '="')) > 2)[1],
                CASE WHEN starts_with(ltrim(line), '{{') AND contains(line, '"AdditionalExtensions"')
                          AND contains(p0, ' remip="') AND contains(p0, ' dst="') THEN 'remip' END) END AS dup_key
    FROM f
), a AS (
    SELECT line_no, is_last, line, p, fortinet, dup_key,
           -- one pattern, not contains(p, ' subtype="vpn"'): a substring search starting with a space stops at
           -- every space of the line (measured: two such searches cost more than this and one extraction)
           CASE WHEN regexp_matches(p, ' subtype=(?:"vpn"|vpn(?:\\s|$))') THEN kvw(p, 'action') END AS action
    FROM g
), m AS (
    SELECT line_no, is_last, line, p, fortinet, dup_key, {_case("action", ACTIONS)} AS kind FROM a
), raw AS (
    -- the keys every VPN event has (the lines here are nearly all VPN events: no CASE guard, measured cheaper)
    SELECT line_no, is_last, line, p, fortinet, dup_key, kind,
           TRY_CAST(kvw(p, 'eventtime') AS BIGINT) AS eventtime,
           nullif(kv_unmasked(kvs(p, 'devname')), 'N/A') AS devname,
           kvw(p, 'devid') AS devid,
           kvw(p, 'vd') AS vd,
           lower(COALESCE(kvw(p, 'tunneltype'), '')) AS tunneltype,
           nullif(kvw(p, 'tunnelid'), 'N/A') AS tunnelid,
           -- FortiOS's CEF names remip dst (a published 6.0 ssl-new-con: 'dst=<client> duser=N/A', no
           -- FTNTFGTremip); where a line has both, remip wins
           nullif(COALESCE(kvw(p, 'remip'), CASE WHEN contains(line, 'CEF:')
                                                OR contains(line, '"AdditionalExtensions"')
                                           THEN kvw(p, 'dst') END), 'N/A')
               AS remip,
           -- (FortiOS writes an address it has not got as N/A, or, on a failed SSL-VPN login, '(null)')
           nullif(nullif(kvw(p, 'tunnelip'), 'N/A'), '(null)') AS tunnelip,
           nullif(kv_unmasked(kvs(p, 'user')), 'N/A') AS fgt_user,
           TRY_CAST(kvw(p, 'duration') AS BIGINT) AS duration_any,
           nullif(kv_unmasked(kvs(p, 'reason')), 'N/A') AS reason_any
    FROM m
), e AS (
    -- keys that matter only on some lines: wall time and zone without an epoch, XAuth and the assigned
    -- address on IPsec (the CASE guards skip the extraction; they pay where most lines skip it)
    SELECT *,
           CASE WHEN eventtime IS NULL AND kind IS NOT NULL
                -- date= may follow the syslog priority with no space ('<189>date=', FortiOS's own syslog)
                THEN COALESCE(TRY_CAST(replace(regexp_extract(p, '[\\s>]date="?([^\\s,"]*)', 1), '/', '-') || ' '
                                       || kvw(p, 'time') AS TIMESTAMP),
                              try_strptime(kvs(p, 'start'), '%b %d %Y %H:%M:%S'))
           END AS ts_wall,
           CASE WHEN eventtime IS NULL AND kind IS NOT NULL THEN kvs(p, 'tz') END AS tz,
           COALESCE(devname, devid) AS gateway,
           CASE WHEN kind IS NOT NULL AND NOT starts_with(tunneltype, 'ssl')
                THEN nullif(kv_unmasked(kvs(p, 'xauthuser')), 'N/A') END AS xauthuser,
           CASE WHEN kind IS NOT NULL AND NOT starts_with(tunneltype, 'ssl')
                THEN nullif(nullif(kvw(p, 'assignip'), 'N/A'), '(null)') END AS assignip,
           -- duration on ends and statistics, reason on ends and failures
           CASE WHEN kind IN ('session_end', 'session_stats') THEN duration_any END AS duration_s,
           CASE WHEN kind IN ('session_end', 'login_failed') THEN reason_any END AS reason,
           -- a line without tunnelid= (older FortiOS, some IPsec events): the IPsec tunnel's name (a dial-up
           -- instance, FCT_0, FCT_1, ..., is unique among the tunnels up at once) for the key made without it
           CASE WHEN tunnelid IS NULL AND kind IS NOT NULL THEN nullif(kv_unmasked(kvs(p, 'vpntunnel')), 'N/A')
           END AS vpntunnel
    FROM raw
), t AS (
    SELECT *, COALESCE(assignip, tunnelip) AS vip, tz_minutes(tz) AS tz_min, epoch_ts(eventtime) AS ts_epoch
    FROM e
)
SELECT line_no, is_last,
       kind IS NOT NULL AS relevant,
       CASE WHEN kind IS NULL THEN NULL
            WHEN dup_key IS NOT NULL THEN 'a key appears twice (' || dup_key || '): a value may hold it; not read'
            WHEN eventtime IS NULL AND ts_wall IS NULL THEN 'no readable time (eventtime=, date= and time=)'
            WHEN COALESCE(xauthuser, fgt_user) IS NULL AND kind IN ('session_start', 'login_failed')
                THEN 'no user= or xauthuser='
            WHEN tunnelid IS NULL AND kind <> 'login_failed' AND COALESCE(xauthuser, fgt_user) IS NULL
                THEN 'no tunnelid= and no user= to pair it by'
       END AS problem,
       CASE WHEN fortinet THEN FALSE ELSE trim(line) <> '' END AS not_source,
       kind, ts_epoch AS ts_utc, ts_wall AS ts_local, tz_min AS tz_offset_min, tz AS tz_text,
       COALESCE(xauthuser, fgt_user) AS account, remip AS source_ip, vip AS assigned_ip,
       CASE WHEN tunnelid IS NOT NULL THEN concat_ws('|', COALESCE(devid, gateway), vd, tunnelid)
            -- without a tunnel ID: the gateway, VDOM, tunnel type and name, remote address and user (its case
            -- ignored), as a JSON array so that no value can run into the next; never two users' lines in one
            WHEN kind IS NOT NULL AND COALESCE(xauthuser, fgt_user) IS NOT NULL
                THEN {sql_str(WITHOUT_TUNNEL_ID)} || CAST(json_array(COALESCE(devid, gateway), vd, tunneltype,
                                                                     vpntunnel, remip,
                                                                     lower(COALESCE(xauthuser, fgt_user))) AS VARCHAR)
       END AS session_key,
       CASE WHEN kind IS NULL THEN NULL
            WHEN tunneltype = 'ssl-tunnel' AND xauthuser IS NULL THEN 'ssl_vpn'  -- the usual case, no pattern
            WHEN regexp_matches(tunneltype, 'ipsec|ike|dial') OR xauthuser IS NOT NULL THEN 'ipsec_vpn'
            ELSE COALESCE({_case('tunneltype', CHANNELS)}, CASE WHEN starts_with(tunneltype, 'ssl') THEN 'ssl_vpn' END)
       END AS channel,
       CAST(NULL AS VARCHAR) AS mfa_method,
       gateway AS gateway_id, duration_s, reason
FROM t
"""


SOURCE = RawSource(
    id="fortigate",
    vendor="Fortinet",
    product="FortiGate SSL-VPN and IPsec event log",
    expects=("Log & Report > Log Settings: event logging with 'VPN activity event' on; the syslog server's "
             "file (config log syslogd setting, format default, csv, cef or rfc5424, or a log shipper's JSON "
             "records of it, or Microsoft Sentinel's CommonSecurityLog exported as JSON or CSV) or a raw-format "
             "download of Log & Report > Events > VPN Events. One file per "
             "gateway or several combined; lines that are not VPN events are counted and skipped."),
    sample=('<189>date=2026-11-02 time=08:15:02 devname="FGT-HQ-01" devid="FG100FTK20000001" '
            'eventtime=1793578502123456789 tz="+0800" logid="0101039424" type="event" subtype="vpn" '
            'level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" '
            'tunneltype="ssl-tunnel" tunnelid=1436452612 remip=203.0.113.7 tunnelip=10.212.134.200 '
            'user="alice" group="VPN-Users" dst_host="N/A" reason="N/A" msg="SSL tunnel established"'),
    detect=(r'(?:^|[\s,"])logid=(?:\\?"){0,2}\d{10}(?:\\?"){0,3}(?:[\s,]|$)|CEF:\s?\d+\|Fortinet\|Forti[A-Za-z-]*\|'
            r'|(?:FortinetFortiGate|FTNTFGT)logid=\d{10}(?:[;\s"]|$)'),
    query=query,
)
