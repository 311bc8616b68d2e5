"""Palo Alto Networks GlobalProtect (PAN-OS 8.1 to 11.x): the GLOBALPROTECT log (PAN-OS 9.1 and later) in PAN-OS's
CSV syslog format, in CEF and LEEF (a syslog server profile's custom format, or Strata Logging Service / Cortex
forwarding) and as JSON (HTTPS log forwarding); and, before 9.1, the SYSTEM log lines of subtype `globalprotect`
(in CSV, LEEF or CEF).

Facts from the PAN-OS syslog field descriptions (GlobalProtect Log Fields, 9.1-11.x): FUTURE_USE, Receive Time,
Serial Number, Type (GLOBALPROTECT), Threat/Content Type, FUTURE_USE, Generated Time, Virtual System, Event ID,
Stage, Authentication Method, Tunnel Type, Source User, Source Region, Machine Name, Public IP, Public IPv6,
Private IP, Private IPv6, Host ID, Serial Number, Client Version, Client OS, Client OS Version, Repeat Count,
Reason, Error, Description, Status, Location, Login Duration, Connect Method, Error Code, Portal, Sequence
Number, Action Flags (the end of the line on 9.1.0-9.1.2), High Res Timestamp, Selection Type, Response Time,
Priority, Attempted Gateways (quoted, with commas), Gateway, DG levels 1-4, Virtual System Name, Device Name,
Virtual System ID, Cluster Name (11.x). Generated Time is the firewall's wall time (no zone); High Res Timestamp
is ISO 8601 with its offset. Strata's CEF uses the same fields as PanOS* keys (PanOSEventIDValue,
PanOSSourceUserName, PanOSPublicIPv4, ...), its LEEF and JSON the bare names (EventIDValue / EventID,
usrName / SourceUserName, PublicIPv4, ...); a PAN-OS CEF profile for GlobalProtect puts the event ID in the
header and GP* keys (GPSourceUser, GPClientPublicIPv4, GPClientPrivateIPv4, GPStatus) in the extension.
Event IDs: gateway-connected (the tunnel is up), gateway-logout / gateway-disconnected (down), gateway-config-release
(the tunnel and IP-user mapping removed: the end when no logout came first), gateway-auth and portal-auth with
status failure (a failed login); prelogin, getconfig, hip-report, tunnel-latency and the rest are steps.
The SYSTEM log says 'GlobalProtect gateway user login succeeded. Login from: IP, Source region: XX, User name: NAME,
...' (globalprotectgateway-regist-succ), '... client configuration generated. User name: NAME, Private IP: IP, ...',
'... user logout succeeded. User name: NAME, Client OS version: ..., Reason: R.' (no address: the session is the
user's latest login on that firewall), '... client configuration released ...' and '... authentication failed ...'."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.csvsql import csv_at, csv_fields, header_names
from ccaudit.rawsources.sentinel import extension_pairs

# Event ID -> kind when the status is success (failure of a connect or an authentication: login_failed).
CONNECT = ("gateway-connected",)
DISCONNECT = ("gateway-logout", "gateway-disconnected", "gateway-disconnect")
RELEASE = ("gateway-config-release",)
AUTH = ("gateway-auth", "portal-auth", "gateway-prelogin", "portal-prelogin", "gateway-register")

# PAN-OS log types (the Type field of a CSV log line).
_TYPES = ("TRAFFIC|THREAT|SYSTEM|CONFIG|HIPMATCH|GLOBALPROTECT|USERID|AUTHENTICATION|DECRYPTION|TUNNEL|IPTAG|GTP|SCTP|"
          "CORRELATION")
# A PAN-OS CSV log line: '<FUTURE_USE>,<receive time>,<serial>,<TYPE>,' (after any syslog header; some relays
# and exports drop the leading FUTURE_USE field, so the record is taken from the receive time on).
# The receive time is PAN-OS's '2026/11/02 08:15:02', or ISO 8601 in UTC ('2026-11-02T00:15:02.000000Z') in the CSV that
# Strata Logging Service / Cortex forwards over syslog (serial 'no-serial' there).
# (with milliseconds too, '2023/11/09 16:39:17.223', as some relays and log generators write it)
_RECEIVED = (r"(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|"
             r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)")
# PAN-OS 9.1.0's first GlobalProtect format put Sequence Number and Action Flags after the serial ('...,015351000040055,
# 11,0x0,GLOBALPROTECT,...'): those two are dropped, the rest is the later layout
_SEQ_FLAGS = r"\d+,0x[0-9A-Fa-f]+,"
_PAN_CSV = r"(?:^|[\s,])(" + _RECEIVED + r",[^,]*,(?:" + _SEQ_FLAGS + r")?(?:" + _TYPES + r"),.*)$"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
# a zone written after a wall time: 'Nov 02 2026 00:15:02 GMT', '... 08:15:02 +0800'
_ZONE_AFTER_TIME = r"\d{2}:\d{2}(?:\.\d+)? ([A-Z]{3,4}|[+-]\d{2}:?\d{2})$"
_SYSTEM_TEXT = r"GlobalProtect (?:gateway|portal) (?:user|client configuration)"


def _f(i: int) -> str:
    return csv_at("f", str(i))


def _kv(*keys: str) -> str:
    """The first of `keys` a CEF or LEEF line has, from its extension rewritten as ' k="v"' pairs (`p`): a CEF
    value runs to the next ' key=' (values hold spaces; \\= and \\\\ are its escapes, see sqlkit's cef_kv). An escaped
    '=' is kept as chr(29) until the value is read: unescaped before, a value holding ' PanOSPublicIPv4\\=...' (a name
    typed at a login) would have been found as that key."""
    one = [f"replace(kvs(p, '{k}'), chr(29), '=')" for k in keys]
    return "COALESCE(" + ", ".join(one) + ")" if len(one) > 1 else one[0]


# A LEEF extension as ' k="v"' pairs: a value ends at the delimiter ('|' in PAN-OS's LEEF 1.0 format, a tab in
# Strata's 2.0) or at the next ' key=' (values hold spaces); each key's start is marked with chr(30) first.
_LEEF_EXT = r"LEEF:[\d.]+\|(?:[^|]*\|){4}(.*)$"
_LEEF_KEY = r"(?:^|[|\t]|\s+)([A-Za-z0-9_]+)="
_LEEF_KV = (f"' ' || regexp_replace(replace(regexp_replace(regexp_extract(line, '{_LEEF_EXT}', 1), '{_LEEF_KEY}', "
            "chr(30) || '\\1=', 'g'), '\"', ''''), chr(30) || '([A-Za-z0-9_]+)=([^|\t' || chr(30) || ']*)[^' "
            "|| chr(30) || ']*', ' \\1=\"\\2\" ', 'g')")


# the CEF and LEEF keys whose value decides an event: each must appear once on a line
_READ_KEYS = "[" + ", ".join(f"'{k}'" for k in (
    "PanOSEventIDValue", "PanOSEventID", "EventIDValue", "eventid", "EventID", "PanOSEventStatus", "GPStatus",
    "outcome", "EventStatus", "Status", "PanOSSourceUserName", "GPSourceUser", "suser", "usrName", "SourceUserName",
    "PanOSPublicIPv4",
    "GPClientPublicIPv4", "ClientPublicIPv4", "PublicIPv4", "PublicIP", "src", "PanOSPublicIPv6", "PublicIPv6",
    "PanOSPrivateIPv4", "GPClientPrivateIPv4", "PrivateIPv4", "PrivateIP", "PanOSLoginDuration", "LoginDuration",
    "rt", "devTime", "dtz", "PanOSDeviceSN", "DeviceSN", "SerialNumber", "deviceExternalId")) + "]"


def _js(k: str) -> str:
    return f"nullif(trim(json_extract_string(js, '$.{k}')), '')"


def _ip(a: str) -> str:
    """0.0.0.0 and :: mean 'none' in these logs."""
    return f"nullif(nullif(nullif({a}, '0.0.0.0'), '::'), 'N/A')"


def _text(label: str) -> str:
    """A 'Label: value' of a SYSTEM description (the value ends at a comma or the closing period)."""
    return f"nullif(rtrim(trim(regexp_extract(line, '{label}: ([^,\"|\\t]+)', 1)), '.'), '')"


# The name typed at a failed login (a SYSTEM description 'User name: NAME[, Client OS version: OS], Reason: R, Auth
# type: ...'): up to the LAST occurrence of the label that follows it, so a name holding a comma (or the label itself)
# comes out whole or longer, never cut into another user's name.
_FAILED_NAME = ("COALESCE(" + ", ".join(f"nullif(trim(regexp_extract(line, 'User name: (.*), {label}: ', 1)), '')"
                                        for label in ("Client OS version", "Reason", "Auth type")) + ")")


# The name of a successful login, logout or client configuration (a SYSTEM description 'User name: NAME, <label>: ...'):
# up to the first ', <label>: ' of a label PAN-OS writes after it, so a directory name holding a comma ('Chen, Wei',
# 'CORP\\Chen, Wei') is read whole; a description with none of them (cut short) falls back to the first comma.
_NEXT_LABELS = ("Client OS version", "Private IP", "Login from", "Source region", "Client version", "Device name",
                "Reason", "Auth type", "VPN type", "Config name", "Time", "Message")
_SYSTEM_NAME = ("nullif(trim(regexp_extract(line, 'User name: ([^\"|\\t]*?), (?:" + "|".join(_NEXT_LABELS)
                + "): ', 1)), '')")


# a JSON record's time: the high-resolution one (with its offset) first, as HTTPS payloads may carry both
_JS_HIRES = "COALESCE(" + ", ".join(_js(k) for k in ("TimeGeneratedHighResolution", "high_res_timestamp")) + ")"
_JS_GENERATED = "COALESCE(" + ", ".join(_js(k) for k in ("TimeGenerated", "time_generated")) + ")"
_JS_TIME = f"COALESCE({_JS_HIRES}, {_JS_GENERATED})"
_FIELDS = csv_fields(f"'1,' || regexp_replace(regexp_extract(line, '{_PAN_CSV}', 1), "
                     f"'^([^,]*,[^,]*,){_SEQ_FLAGS}((?:{_TYPES}),)', '\\1\\2')")


def _u(*names: str) -> str:
    """A column of the web UI's CSV export (Monitor > Logs > GlobalProtect > Export to CSV), found by the first of
    its display `names` (lower case) in the header row, whatever the order of the columns."""
    return csv_at("f", "COALESCE(" + ", ".join(f"list_position(hnames, '{n}')" for n in names) + ")")


# The header row of that export is its first line; it is looked for in the first UI_HEADER_LINES lines (a blank line
# or a note above it), never further: a header-like line deeper in a file is a line like any other.
UI_HEADER_LINES = 50
# the header row of that export: the display names of the log's columns (Receive Time, Event ID, Source User, ...)
_UI_HEADER = "contains(lower(line), 'event id') AND contains(lower(line), 'source user') AND " \
             "regexp_matches(lower(line), 'receive time|generate time|generated time')"
_UI_TIME = ("'generate time'", "'generated time'", "'time generated'", "'receive time'")
# the time a row of the web UI's export was generated: Generate Time (the firewall's wall time, '2026/11/02 08:15:02')
_UI_GENERATED = csv_at("f", "COALESCE(" + ", ".join(f"list_position(hnames, {n})" for n in _UI_TIME) + ")")


def _instant(x: str) -> str:
    """An ISO time with Z or an offset `x`, as UTC; NULL otherwise, and for the 1970-01-01 that PAN-OS 9.1-10.0
    releases write in High Res Timestamp when they have none ('1970-01-01T01:00:00.000+01:00'): the time is then
    another field's."""
    return (f"CASE WHEN regexp_matches(COALESCE({x}, ''), '{_OFFSET}') AND TRY_CAST({x} AS TIMESTAMPTZ) >= "
            f"TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN CAST(TRY_CAST({x} AS TIMESTAMPTZ) AS TIMESTAMP) END")


# A CSV line that may be a session event, by its text (any case: event_id is read lowered; 'gateway-disconnect' also
# finds 'gateway-disconnected'): a connect, disconnect or release, or an authentication step with a status of failure
_CSV_MAY_BE_EVENT = (f"(regexp_matches(line, '(?i){'|'.join(CONNECT + DISCONNECT + RELEASE)}') OR "
                     f"(regexp_matches(line, '(?i)fail') AND regexp_matches(line, '(?i){'|'.join(AUTH)}')))")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _wall(x: str) -> str:
    """'Nov 02 2026 08:15:02[.123]' (CEF rt, LEEF devTime), '2026/11/02 08:15:02' or ISO without an offset."""
    return (f"COALESCE(try_strptime(regexp_extract({x}, '^([A-Z][a-z]{{2}} +\\d+ \\d{{4}} [\\d:]+)', 1), "
            f"'%b %d %Y %H:%M:%S'), TRY_CAST(replace(regexp_extract({x}, '^([\\d/-]+[ T][\\d:.]+)', 1), '/', '-') "
            "AS TIMESTAMP))")


# Microsoft Sentinel's CommonSecurityLog: the CEF line as Log Analytics stores it (exported as JSON). The header's
# fields and the CEF keys with a name of their own are columns, the others (PanOS*, GP*) in AdditionalExtensions as
# 'k=v;k=v'; the record is written back as the CEF line it was, and read as one.
_CSL_HEADER = ("DeviceVendor", "DeviceProduct", "DeviceVersion", "DeviceEventClassID", "Activity", "LogSeverity")
_CSL_KEYS = {"ReceiptTime": "rt", "DeviceTimeZone": "dtz", "StartTime": "start", "DeviceExternalID": "deviceExternalId",
             "DeviceName": "dvchost", "SourceUserName": "suser", "DestinationUserName": "duser", "SourceIP": "src",
             "DestinationIP": "dst", "Message": "msg", "DeviceAction": "act", "EventOutcome": "outcome",
             "Reason": "reason"}


def _csl_as_cef(line: str) -> str:
    def col(name: str) -> str:
        return f"nullif(json_extract_string({line}, '$.{name}'), '')"

    def escaped(value: str) -> str:  # a column's text as a CEF value: its '\' and '=' escaped
        return f"replace(replace({value}, '\\', '\\\\'), '=', '\\=')"

    header = " || '|' || ".join(f"COALESCE(replace({col(c)}, '|', '\\|'), '')" for c in _CSL_HEADER)
    pairs = " || ".join(f"COALESCE(' {k}=' || {escaped(col(c))}, '')" for c, k in _CSL_KEYS.items())
    # the extension's pairs (sentinel.extension_pairs: a pair starts at ';key=', '\=' in a value starts none), each
    # value escaped again as CEF writes it, so that a value holding ' PanOSPublicIPv4=...' is no key of the CEF line
    listed = extension_pairs(f"COALESCE({col('AdditionalExtensions')}, '')")
    ext = f"array_to_string(list_transform({listed}, lambda p: ' ' || p.k || '=' || {escaped('p.v')}), '')"
    return f"'CEF:0|' || {header} || '|' || {ext} || {pairs}"


def query(lines: str) -> str:
    return f"""
WITH h AS (
    -- the web UI's CSV export starts with a header row of display names: its columns are found by name, in the
    -- file's first UI_HEADER_LINES lines only (a LIMIT the scan stops at: a filter on line_no read the whole file)
    SELECT {header_names('line')} AS hnames, line_no AS hdr_line
    FROM (SELECT line_no, line FROM {lines} LIMIT {UI_HEADER_LINES})
    WHERE {_UI_HEADER} ORDER BY line_no LIMIT 1
), l AS (
    -- substring tests first: a TRAFFIC or THREAT line (most of a PAN-OS log) costs them and one short pattern
    SELECT line_no, is_last, line, h.hnames,
           CASE WHEN line_no = h.hdr_line THEN 'header'
                WHEN h.hnames IS NOT NULL AND line_no > h.hdr_line AND trim(line) <> '' THEN 'ui'
                WHEN contains(line, 'CEF:') AND contains(line, '|Palo Alto Networks|') THEN 'cef'
                WHEN contains(line, 'LEEF:') AND contains(line, '|Palo Alto Networks|') THEN 'leef'
                WHEN contains(line, ',GLOBALPROTECT,') AND regexp_matches(line, '{_PAN_CSV}') THEN 'csv'
                WHEN contains(line, 'GlobalProtect ') AND regexp_matches(line, '{_SYSTEM_TEXT}')
                     AND regexp_matches(line, '{_PAN_CSV}') THEN 'system'
                WHEN regexp_matches(line, '^\\s*\\[?\\s*\\{{') THEN 'json'
                WHEN regexp_matches(line, ',(?:{_TYPES}),') THEN 'other'
           END AS form
    FROM (
        -- a Sentinel CommonSecurityLog record of a Palo Alto firewall, as the CEF line it was (_csl_as_cef); a
        -- subquery, not a CTE: a CTE read twice is materialised (the whole file held)
        SELECT line_no, is_last,
               CASE WHEN contains(line, '"AdditionalExtensions"') AND contains(line, '"Palo Alto Networks"')
                         AND json_valid(line) AND json_extract_string(line, '$.DeviceVendor') = 'Palo Alto Networks'
                    THEN {_csl_as_cef('line')} ELSE line END AS line
        FROM {lines}) src LEFT JOIN h ON TRUE
), j AS (
    -- JSON: one object per line (NDJSON, or an array written one object per line)
    SELECT *, CASE WHEN form = 'json' AND json_valid(o) THEN o END AS js,
              form = 'json' AND NOT json_valid(o) AS bad_json
    FROM (SELECT *, CASE WHEN form = 'json' THEN regexp_replace(trim(line), '^\\[\\s*|\\s*[,\\]]+$', '', 'g')
                    END AS o FROM l
          -- a CSV GLOBALPROTECT line whose text names none of the event IDs read (a HIP report, a getconfig, a
          -- tunnel latency: most of the log) makes no row: passed over before its fields are split and read
          WHERE (form IS NULL OR form <> 'other' OR is_last)
                AND (form IS DISTINCT FROM 'csv' OR is_last OR {_CSV_MAY_BE_EVENT}))
), v AS (
    SELECT *, js IS NOT NULL
              AND upper(COALESCE(json_extract_string(js, '$.LogType'), json_extract_string(js, '$.log_type'),
                                 json_extract_string(js, '$.type'), json_extract_string(js, '$.Type'),
                                 'GLOBALPROTECT')) = 'GLOBALPROTECT'
              AS gp_json_ok,
           CASE WHEN form IN ('csv', 'system') THEN {_FIELDS} WHEN form = 'ui' THEN {csv_fields('line')} END AS f,
           CASE form WHEN 'cef' THEN cef_kv(replace(line, '\\=', chr(29))) WHEN 'leef' THEN {_LEEF_KV} END AS p,
           -- a SYSTEM globalprotect description, in whichever form it came
           form IN ('system', 'cef', 'leef') AND contains(line, 'GlobalProtect ')
               AND regexp_matches(line, '{_SYSTEM_TEXT}') AS sys_text
    FROM j
), x1 AS (
    -- what decides whether a line is an event (cheap next to reading its user, addresses and times)
    SELECT line_no, is_last, line, form, gp_json_ok, bad_json, sys_text, p, f, js, hnames,
        -- a key read below that a CEF or LEEF line has twice: a value (a name typed at a login) may hold it (LEEF
        -- does not escape its delimiter), so the line is not read but reported
        -- (Palo Alto's CEF configuration guide names two fields PanOSDeviceSN in its GlobalProtect format: the
        -- firewall's serial, then, after PanOSHostID, the endpoint's; the first is the firewall's)
        CASE WHEN form IN ('cef', 'leef') THEN list_filter({_READ_KEYS}, lambda k: contains(p, ' ' || k || '=')
            AND len(string_split(p, ' ' || k || '=')) > CASE WHEN k = 'PanOSDeviceSN'
                AND regexp_matches(p, ' PanOSHostID="[^"]*" PanOSDeviceSN="') THEN 3 ELSE 2 END)[1]
        END AS dup_key,
        CASE form
            WHEN 'csv' THEN CASE WHEN {_f(4)} = 'GLOBALPROTECT' THEN lower({_f(9)}) END
            WHEN 'ui' THEN CASE WHEN upper(COALESCE({_u('type')}, 'GLOBALPROTECT')) = 'GLOBALPROTECT'
                                THEN lower({_u('event id', 'eventid')}) END
            WHEN 'cef' THEN lower(COALESCE({_kv('PanOSEventIDValue', 'PanOSEventID', 'EventIDValue', 'eventid')},
                                           nullif(regexp_extract(
                                               line, '[|=]((?:gateway|portal)-[a-z0-9-]+)(?:[|\\s]|$)', 1), '')))
            WHEN 'leef' THEN lower(COALESCE({_kv('EventID', 'EventIDValue')},
                                            nullif(regexp_extract(line, 'LEEF:[\\d.]+\\|(?:[^|]*\\|){{3}}'
                                                                        || '((?:gateway|portal)-[a-z0-9-]+?)'
                                                                        || '(?:-success|-failure)?\\|', 1), '')))
            WHEN 'json' THEN CASE WHEN gp_json_ok THEN lower(COALESCE({_js('EventIDValue')},
                                 {_js('eventid')}, {_js('event_id')})) END
        END AS event_id,
        CASE form
            WHEN 'csv' THEN lower({_f(29)})
            WHEN 'ui' THEN lower({_u('status')})
            WHEN 'cef' THEN lower({_kv('PanOSEventStatus', 'GPStatus', 'outcome')})
            WHEN 'leef' THEN lower({_kv('EventStatus', 'Status')})
            WHEN 'json' THEN lower(COALESCE({_js('EventStatus')}, {_js('status')}))
        END AS status,
        CASE WHEN sys_text THEN CASE
                WHEN regexp_matches(line, 'GlobalProtect gateway user login succeeded') THEN 'session_start'
                WHEN regexp_matches(line, 'GlobalProtect gateway user logout succeeded') THEN 'session_end'
                WHEN regexp_matches(line, 'GlobalProtect gateway client configuration released') THEN 'release'
                WHEN regexp_matches(line, 'GlobalProtect (?:gateway|portal) user (?:authentication|login) failed')
                    THEN 'login_failed' END
        END AS system_kind
    FROM v
), k0 AS (
    SELECT *,
        CASE WHEN system_kind IS NOT NULL THEN system_kind
             WHEN event_id IN {_in(CONNECT)} THEN
                 CASE WHEN status IN ('failure', 'failed', 'fail') THEN 'login_failed' ELSE 'session_start' END
             WHEN event_id IN {_in(DISCONNECT)} THEN 'session_end'
             WHEN event_id IN {_in(RELEASE)} THEN 'release'
             WHEN event_id IN {_in(AUTH)} AND status IN ('failure', 'failed', 'fail') THEN 'login_failed'
        END AS kind0,
        sys_text AND regexp_matches(line, 'gateway client configuration generated') AS is_config,
        -- a fence (a streaming window, dropped once the plan is made, as nothing reads it): the filter in k1 stays
        -- above the extractions instead of being pushed into them, where it ran each one kind0 depends on a second
        -- time (2x the CPU)
        row_number() OVER () AS fence
    FROM x1
), k1 AS (
    -- the lines that make a row of the output, or that the windows below read (a SYSTEM config line)
    SELECT * EXCLUDE (fence) FROM k0
    WHERE kind0 IS NOT NULL OR is_config OR form IS NULL OR form = 'json' OR is_last OR dup_key IS NOT NULL
), k AS (
    -- those lines read, without their text: k is read twice (the windows, the join back), so DuckDB materialises
    -- it; over every line of the file that held the whole file in memory (a 2 GB log spilled 4 GB to disk), over
    -- these only the events and the few lines reported (test_sources_globalprotect_names.py reads the profile)
    SELECT line_no, is_last, form, bad_json, dup_key, kind0, form IS NULL AND trim(line) <> '' AS not_src,
        -- one backslash between domain and user: Strata's CEF escapes it twice ('corp\\\\bob')
        regexp_replace(CASE WHEN sys_text AND regexp_matches(line, 'GlobalProtect (?:gateway|portal) user '
                                                                   || '(?:authentication|login) failed')
                                THEN COALESCE({_FAILED_NAME}, {_text('User name')})
             WHEN sys_text THEN COALESCE({_SYSTEM_NAME}, {_text('User name')})
             WHEN form = 'csv' THEN {_f(13)}
             WHEN form = 'ui' THEN {_u('source user', 'user')}
             WHEN form = 'cef' THEN {_kv('PanOSSourceUserName', 'GPSourceUser', 'suser')}
             WHEN form = 'leef' THEN {_kv('usrName', 'SourceUserName')}
             WHEN form = 'json' THEN COALESCE({_js('SourceUserName')}, {_js('srcuser')}, {_js('source_user')},
                                              {_js('user')})
        END, '\\\\+', '\\\\') AS account,
        CASE WHEN sys_text THEN nullif(regexp_extract(line, 'Login from: ([0-9A-Fa-f:.]+[0-9A-Fa-f])', 1), '')
             WHEN form = 'csv' THEN COALESCE({_ip(_f(16))}, {_ip(_f(17))})
             WHEN form = 'ui' THEN COALESCE({_ip(_u('public ip'))}, {_ip(_u('public ipv6'))})
             WHEN form = 'cef' THEN COALESCE({_ip(_kv('PanOSPublicIPv4', 'GPClientPublicIPv4', 'ClientPublicIPv4'))},
                                             {_ip(_kv('PanOSPublicIPv6', 'GPClientPublicIPv6'))},
                                             {_ip(_kv('src'))}, {_ip(_kv('c6a2'))})
             WHEN form = 'leef' THEN COALESCE({_ip(_kv('PublicIPv4', 'PublicIP'))}, {_ip(_kv('PublicIPv6'))})
             WHEN form = 'json' THEN COALESCE({_ip(_js('PublicIPv4'))}, {_ip(_js('PublicIPv6'))},
                                              {_ip(_js('public_ip'))}, {_ip(_js('public_ipv6'))})
        END AS public_ip,
        CASE WHEN sys_text THEN nullif(regexp_extract(line, 'Private IP: ([0-9A-Fa-f:.]+[0-9A-Fa-f])', 1), '')
             WHEN form = 'csv' THEN COALESCE({_ip(_f(18))}, {_ip(_f(19))})
             WHEN form = 'ui' THEN COALESCE({_ip(_u('private ip'))}, {_ip(_u('private ipv6'))})
             WHEN form = 'cef' THEN COALESCE({_ip(_kv('PanOSPrivateIPv4', 'GPClientPrivateIPv4'))},
                                             {_ip(_kv('PanOSPrivateIPv6', 'GPClientPrivateIPv6'))})
             WHEN form = 'leef' THEN COALESCE({_ip(_kv('PrivateIPv4', 'PrivateIP'))}, {_ip(_kv('PrivateIPv6'))})
             WHEN form = 'json' THEN COALESCE({_ip(_js('PrivateIPv4'))}, {_ip(_js('PrivateIPv6'))},
                                              {_ip(_js('private_ip'))}, {_ip(_js('private_ipv6'))})
        END AS private_ip,
        CASE form
            WHEN 'csv' THEN {_f(3)}
            WHEN 'system' THEN {_f(3)}
            WHEN 'ui' THEN {_u('serial #', 'serial number', 'serial')}
            WHEN 'cef' THEN {_kv('PanOSDeviceSN', 'deviceExternalId')}
            WHEN 'leef' THEN {_kv('DeviceSN', 'SerialNumber')}
            WHEN 'json' THEN COALESCE({_js('DeviceSN')}, {_js('serial')})
        END AS serial,
        CASE form
            WHEN 'csv' THEN COALESCE({_f(48)}, {_f(3)})
            WHEN 'system' THEN COALESCE({_f(23)}, {_f(3)})
            WHEN 'ui' THEN COALESCE({_u('device name')}, {_u('serial #', 'serial number', 'serial')})
            -- (else the host name the firewall wrote before 'CEF:': a CEF profile of the configuration guide's
            -- GlobalProtect format names no device)
            WHEN 'cef' THEN COALESCE({_kv('PanOSDeviceName', 'DeviceName', 'dvchost', 'PanOSDeviceSN',
                                          'deviceExternalId')},
                                     nullif(nullif(regexp_extract(line, '([^\\s>]+)\\s+CEF:', 1), ''), '-'))
            WHEN 'leef' THEN {_kv('DeviceName', 'DeviceSN', 'SerialNumber')}
            WHEN 'json' THEN COALESCE({_js('DeviceName')}, {_js('device_name')}, {_js('DeviceSN')}, {_js('serial')})
        END AS gateway,
        CASE form
            WHEN 'csv' THEN {_f(12)}
            WHEN 'ui' THEN {_u('tunnel type')}
            WHEN 'cef' THEN {_kv('PanOSTunnelType', 'GPTunnelType')}
            WHEN 'leef' THEN {_kv('TunnelType')}
            WHEN 'json' THEN COALESCE({_js('TunnelType')}, {_js('tunnel_type')})
        END AS tunnel,
        CASE form
            WHEN 'csv' THEN TRY_CAST({_f(31)} AS BIGINT)
            WHEN 'ui' THEN TRY_CAST({_u('login duration')} AS BIGINT)
            WHEN 'cef' THEN TRY_CAST({_kv('PanOSLoginDuration', 'GPLoginDuration')} AS BIGINT)
            WHEN 'leef' THEN TRY_CAST({_kv('LoginDuration')} AS BIGINT)
            WHEN 'json' THEN TRY_CAST(COALESCE({_js('LoginDuration')}, {_js('login_duration')}) AS BIGINT)
        END AS duration_s,
        -- the last 'Reason:' of the description: the client's own OS string and a name typed come before it
        CASE WHEN sys_text AND regexp_matches(line, 'GlobalProtect [a-z ]+ (?:logout succeeded|failed)')
                 THEN nullif(rtrim(trim(regexp_extract(line, '.*Reason: ([^,"|\\t]+)', 1)), '.'), '')
             WHEN sys_text THEN NULL
             WHEN form = 'csv' THEN COALESCE({_f(27)}, {_f(26)})
             WHEN form = 'ui' THEN COALESCE({_u('error')}, {_u('reason')})
             WHEN form = 'cef' THEN {_kv('PanOSConnectionError', 'GPError', 'GPReason', 'reason')}
             WHEN form = 'leef' THEN {_kv('ConnectionError', 'Error', 'Reason')}
             WHEN form = 'json' THEN COALESCE({_js('ConnectionError')}, {_js('error')}, {_js('Reason')},
                                              {_js('reason')})
        END AS reason,
        -- an instant with its offset (High Res Timestamp, ISO JSON times, a GMT rt), else the firewall's wall time
        CASE form
            WHEN 'csv' THEN COALESCE({_instant(_f(37))}, {_instant(_f(7))})
            WHEN 'ui' THEN COALESCE({_instant(_u('high res timestamp', 'high resolution timestamp'))},
                                    {_instant(_UI_GENERATED)})
            WHEN 'system' THEN CASE WHEN regexp_matches(COALESCE({_f(26)}, ''), '^\\d{{4}}-.*{_OFFSET}')
                                    THEN CAST(TRY_CAST({_f(26)} AS TIMESTAMPTZ) AS TIMESTAMP) END
            WHEN 'json' THEN COALESCE({_instant(_JS_HIRES)}, {_instant(_JS_GENERATED)},
                                      epoch_ts(TRY_CAST({_JS_TIME} AS BIGINT)))
            ELSE COALESCE({_instant(_kv('PanOSTimeGeneratedHighResolution', 'TimeGeneratedHighResolution'))},
                          -- an epoch (s, ms, us, ns) in CEF's rt or LEEF's devTime (LEEF's form without devTimeFormat)
                          epoch_ts(TRY_CAST({_kv('rt')} AS BIGINT)), epoch_ts(TRY_CAST({_kv('devTime')} AS BIGINT)))
        END AS ts_utc,
        CASE form
            WHEN 'csv' THEN TRY_CAST(replace({_f(7)}, '/', '-') AS TIMESTAMP)
            WHEN 'system' THEN TRY_CAST(replace({_f(7)}, '/', '-') AS TIMESTAMP)
            WHEN 'ui' THEN TRY_CAST(replace({_UI_GENERATED}, '/', '-') AS TIMESTAMP)
            WHEN 'json' THEN TRY_CAST(replace(COALESCE({_js('TimeGenerated')}, {_js('time_generated')}), '/', '-')
                                      AS TIMESTAMP)
            ELSE COALESCE({_wall(_kv('rt', 'devTime'))}, {_wall(_kv('TimeGeneratedHighResolution'))},
                          {_wall(_kv('ReceiveTime', 'TimeReceived'))})
        END AS ts_wall,
        -- the zone of a wall time: CEF dtz, a zone after rt/devTime ('Nov 02 2026 00:15:02 GMT'), or UTC for what
        -- Strata Logging Service forwards (its times are UTC)
        CASE WHEN form IN ('cef', 'leef') THEN COALESCE(
                {_kv('dtz')},
                nullif(regexp_extract(COALESCE({_kv('rt', 'devTime')}, ''), '{_ZONE_AFTER_TIME}', 1), ''),
                CASE WHEN contains(line, 'logforwarder') OR contains(line, 'panwlogs') THEN 'UTC' END)
        END AS tz,
        -- the client config a SYSTEM line generated: its private IP, for the login just before it
        CASE WHEN is_config THEN private_ip END AS config_ip
    FROM k1
), kd AS (
    SELECT *, COALESCE(serial, gateway) AS device FROM k
), c AS (
    -- a logout (SYSTEM) or a release may not carry the address: the user's latest one on that firewall
    SELECT *,
        COALESCE(public_ip, CASE WHEN kind0 IN ('session_end', 'release') THEN
            last_value(CASE WHEN kind0 = 'session_start' THEN public_ip END IGNORE NULLS) OVER (
                PARTITION BY device, lower(account) ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            END) AS peer,
        first_value(config_ip IGNORE NULLS) OVER (PARTITION BY device, lower(account) ORDER BY line_no
            ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING) AS next_config_ip
    FROM kd WHERE kind0 IS NOT NULL OR config_ip IS NOT NULL
), r AS (
    -- a release right after the logout it follows is not a second end
    SELECT *,
        CASE WHEN kind0 <> 'release' THEN kind0
             WHEN last_value(CASE WHEN kind0 IN ('session_start', 'session_end', 'release') THEN kind0 END
                             IGNORE NULLS) OVER (PARTITION BY device, lower(account), peer ORDER BY line_no
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) IN ('session_end', 'release')
                 THEN 'session_stats'
             ELSE 'session_end' END AS kind
    FROM c WHERE kind0 IS NOT NULL
), e AS (
    SELECT l.line_no, l.is_last, l.not_src, l.form, l.bad_json, l.dup_key, r.kind, r.ts_utc, r.ts_wall, r.tz, r.account,
           r.peer,
           COALESCE(r.private_ip, r.next_config_ip) AS private_ip, r.device, r.gateway, r.tunnel, r.duration_s,
           CASE WHEN r.kind0 = 'release' AND r.kind = 'session_stats' THEN 'configuration released after the logout'
                WHEN r.kind0 = 'release' THEN COALESCE(r.reason, 'client configuration released')
                ELSE r.reason END AS reason
    FROM k l LEFT JOIN r ON r.line_no = l.line_no
    WHERE r.kind IS NOT NULL OR l.form IS NULL OR l.form = 'json' OR l.is_last OR l.dup_key IS NOT NULL
)
SELECT line_no, is_last,
       kind IS NOT NULL OR bad_json OR dup_key IS NOT NULL AS relevant,
       CASE WHEN bad_json THEN 'not valid JSON (one object per line expected)'
            WHEN dup_key IS NOT NULL THEN 'a key appears twice (' || dup_key || '): a value may hold it; not read'
            WHEN kind IS NULL THEN NULL
            WHEN ts_utc IS NULL AND ts_wall IS NULL THEN 'no readable time'
            WHEN account IS NULL AND kind <> 'login_failed' THEN 'no source user'
            WHEN peer IS NULL AND kind = 'session_start' THEN 'no public IP'
       END AS problem,
       not_src AS not_source,
       kind, ts_utc, ts_wall AS ts_local, tz_minutes(tz) AS tz_offset_min, tz AS tz_text,
       account, peer AS source_ip,
       CASE WHEN kind IN ('session_start', 'session_stats') THEN private_ip END AS assigned_ip,
       CASE WHEN kind IN ('session_start', 'session_end', 'session_stats') THEN
           concat_ws('|', 'gp', device, lower(account), peer) END AS session_key,
       CASE WHEN regexp_matches(COALESCE(tunnel, ''), '(?i)ipsec') THEN 'ipsec_vpn' ELSE 'ssl_vpn' END AS channel,
       CAST(NULL AS VARCHAR) AS mfa_method, gateway AS gateway_id,
       duration_s, reason
FROM e
"""


SOURCE = RawSource(
    id="globalprotect",
    vendor="Palo Alto Networks",
    product="GlobalProtect log (PAN-OS 9.1-11.x: CSV syslog, CEF, LEEF, JSON, web UI CSV export; SYSTEM lines)",
    expects=("Objects > Log Forwarding (or Device > Log Settings) forwarding the GlobalProtect log to a syslog "
             "server (Device > Server Profiles > Syslog, format BSD or IETF; default CSV payload, or a CEF/LEEF "
             "custom format) or to an HTTP server / Strata Logging Service (CEF, LEEF, or JSON one object per line); "
             "before PAN-OS 9.1, the System log of subtype globalprotect; or Monitor > Logs > GlobalProtect > Export "
             "to CSV from the web interface; or Microsoft Sentinel's CommonSecurityLog of the firewall exported as "
             "JSON or CSV. Other log types in the file are counted and skipped."),
    sample=("<14>Nov  2 08:15:02 PA-3220 1,2026/11/02 08:15:02,012801096514,GLOBALPROTECT,0,2561,2026/11/02 "
            "08:15:02,vsys1,gateway-connected,connected,,SSL,CORP\\alice,TW,ALICE-NB,203.0.113.7,0.0.0.0,"
            "10.31.0.12,0.0.0.0,1f2e3d4c,PF1XYZ,6.2.1,Microsoft Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,"
            ",success,Taipei,0,user-logon,0,GP-Portal,7290471224,0x8000000000000000,2026-11-02T08:15:02.374+08:00"
            ",,,,,,0,0,0,0,,PA-3220,1,"),
    detect=(r"(?:(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})),"
            r"[^,]*,(?:\d+,0x[0-9A-Fa-f]+,)?"
            r"(?:TRAFFIC|THREAT|SYSTEM|CONFIG|HIPMATCH|GLOBALPROTECT|USERID|AUTHENTICATION|DECRYPTION|TUNNEL),|"
            r"\"?\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\"?,\"?[^,\"]*\"?,\"?GLOBALPROTECT\"?,|"
            r"(?i:receive time\"?,.*event id\"?,.*source user)|(?:CEF:\s?\d+|LEEF:[\d.]+)\|Palo Alto Networks\||"
            r"\"EventIDValue\"\s*:|\"(?:eventid|event_id)\"\s*:\s*\"(?:gateway|portal)-|"
            r"GlobalProtect (?:gateway|portal) user|\"DeviceVendor\"\s*:\s*\"Palo Alto Networks\")"),
    query=query,
)
