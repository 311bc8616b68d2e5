"""Microsoft Defender for Endpoint `DeviceLogonEvents` (advanced hunting): Remote Desktop logons of onboarded hosts.

Facts from Microsoft's advanced hunting schema reference (DeviceLogonEvents table): Timestamp (UTC), DeviceId,
DeviceName, ActionType (LogonSuccess, LogonFailed, LogonAttempted), LogonType (Interactive, RemoteInteractive,
Network, Batch, Service, Unlock, CachedInteractive, ...), AccountDomain, AccountName, AccountSid, Protocol,
FailureReason, IsLocalAdmin, LogonId, RemoteDeviceName, RemoteIP, RemoteIPType, RemotePort. The table has no log-off
events: a session starts here and its end is not in the file (remote_sessions.csv leaves end_time empty, and
remote_session_record_complete lists it: hand in the hosts' Security logs, 4634/4647, for the ends).

Read from: the Defender portal's advanced hunting results exported as CSV (Export), the same query in Microsoft
Sentinel / Log Analytics (`DeviceLogonEvents`, JSON or the portal's CSV with `TimeGenerated [UTC]` and `Timestamp
[UTC]` in the browser's format), the advanced hunting API's or Graph `runHuntingQuery` answer as saved (`{"Schema":
[...], "Results": [...]}`), and the streaming API's records (Event Hubs or storage: `{"time", "category":
"AdvancedHunting-DeviceLogonEvents", "properties": {...}}`). Columns and fields are found by name.

- ActionType LogonSuccess with LogonType RemoteInteractive (or CachedRemoteInteractive; 10 or 12 where a form gives
  the number) -> session_start, key device and LogonId, channel rdp_direct, gateway the device name;
- LogonFailed (any logon type: Remote Desktop with NLA fails as Network) -> login_failed, the type, protocol and
  failure reason in `reason`;
- every other record (LogonAttempted, logons of other types, the answer's schema entries) is of the source and not
  relevant."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.csvsql import (
    csv_at,
    csv_fields,
    culture_time,
    date_shape,
    header_names,
    json_record_text,
)
from ccaudit.rawsources.sqlkit import sql_str

# (name in JSON, name in a CSV header in lower case): Defender's and Log Analytics' column names
FIELDS = {
    "time": (("Timestamp", "timestamp"), ("timestamp", "timestamp [utc]", "timegenerated [utc]", "timegenerated")),
    "action": (("ActionType", "actionType"), ("actiontype",)),
    "type": (("LogonType", "logonType"), ("logontype",)),
    "device": (("DeviceName", "deviceName"), ("devicename",)),
    "domain": (("AccountDomain", "accountDomain"), ("accountdomain",)),
    "name": (("AccountName", "accountName"), ("accountname",)),
    "logon_id": (("LogonId", "logonId"), ("logonid",)),
    "ip": (("RemoteIP", "remoteIP", "RemoteIp"), ("remoteip",)),
    "failure": (("FailureReason", "failureReason"), ("failurereason",)),
    "protocol": (("Protocol", "protocol"), ("protocol",)),
}
REMOTE_TYPES = ("remoteinteractive", "cachedremoteinteractive", "10", "12")
_HEADER = "(?:^|[,\\t\"])actiontype(?:[,\\t\"]|$)"


def _json(field: str) -> str:
    names = FIELDS[field][0]
    paths = [f"$.properties.{n}" for n in names] + [f"$.{n}" for n in names]
    return "COALESCE(" + ", ".join(f"nullif(json_extract_string(js, {sql_str(p)}), '')" for p in paths) + ")"


def _csv(field: str) -> str:
    names = FIELDS[field][1]
    pos = "COALESCE(" + ", ".join(f"list_position(names, {sql_str(n)})" for n in names) + ")"
    return csv_at("f", pos)


def _both(field: str) -> str:
    return f"CASE WHEN js IS NOT NULL THEN {_json(field)} WHEN f IS NOT NULL THEN {_csv(field)} END"


def query(lines: str) -> str:
    remote = ", ".join(sql_str(t) for t in REMOTE_TYPES)
    return f"""
WITH l AS (
    SELECT line_no, is_last, line,
           {json_record_text('line')} AS o
    FROM {lines}
), hdr AS (
    SELECT {header_names('line')} AS names FROM l
    WHERE o IS NULL AND line_no <= 50 AND regexp_matches(lower(line), '{_HEADER}')
      AND regexp_matches(lower(line), 'logontype') ORDER BY line_no LIMIT 1
), r AS (
    SELECT l.line_no, l.is_last, l.line,
           CASE WHEN l.o IS NOT NULL AND json_valid(l.o) THEN l.o END AS js,
           CASE WHEN l.o IS NULL AND h.names IS NOT NULL THEN {csv_fields('l.line')} END AS f,
           l.o IS NULL AND l.line_no <= 50 AND regexp_matches(lower(l.line), '{_HEADER}')
               AND regexp_matches(lower(l.line), 'logontype') AS is_header,
           h.names
    FROM l LEFT JOIN hdr h ON TRUE
), x AS (
    SELECT line_no, is_last, line, is_header, js IS NOT NULL AS is_json,
           f IS NOT NULL AND NOT is_header AND trim(line) <> '' AS is_csv,
           COALESCE({_both('time')}, CASE WHEN js IS NOT NULL THEN {_json_time()} END) AS t,
           {_both('action')} AS action, lower(replace({_both('type')}, ' ', '')) AS logon_type,
           {_both('device')} AS device, {_both('domain')} AS domain, {_both('name')} AS name,
           {_both('logon_id')} AS logon_id, {_both('ip')} AS ip, {_both('failure')} AS failure,
           {_both('protocol')} AS protocol,
           -- a streaming record's table, or Log Analytics' Type: another table's records are not logons of this one
           -- (IdentityLogonEvents, Defender for Identity's, has LogonFailed too)
           CASE WHEN js IS NOT NULL THEN COALESCE(nullif(json_extract_string(js, '$.category'), ''),
                                                  nullif(json_extract_string(js, '$.Type'), ''))
                WHEN f IS NOT NULL THEN {csv_at('f', "list_position(names, 'type')")} END AS table_name
    FROM r
), k AS (
    SELECT *,
        CASE WHEN table_name IS NOT NULL AND NOT regexp_matches(table_name, '(?i)DeviceLogonEvents$') THEN NULL
             WHEN action = 'LogonSuccess' AND regexp_extract(COALESCE(logon_type, ''), '^(\\w+)', 1) IN ({remote})
                 THEN 'session_start'
             WHEN action = 'LogonFailed' THEN 'login_failed' END AS kind,
        regexp_matches(COALESCE(t, ''), '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$') AS t_zoned,
        CASE WHEN name IS NULL OR name = '-' THEN NULL WHEN domain IS NULL OR domain = '-' THEN name
             ELSE domain || '\\' || name END AS account,
        CASE WHEN ip IN ('-', '::1', '127.0.0.1', '::ffff:127.0.0.1', '0.0.0.0', '::') THEN NULL
             ELSE regexp_replace(ip, '^::ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$', '\\1') END AS peer
    FROM x
)
SELECT line_no, is_last,
       kind IS NOT NULL AS relevant,
       CASE WHEN kind IS NULL THEN NULL
            WHEN (t_zoned AND TRY_CAST(t AS TIMESTAMPTZ) IS NULL)
                 OR (NOT t_zoned AND {culture_time('t', 'auto')} IS NULL) THEN 'no readable time'
            WHEN account IS NULL AND kind <> 'login_failed' THEN 'no account name'
            WHEN device IS NULL AND kind <> 'login_failed' THEN 'no device name'
       END AS problem,
       NOT is_json AND NOT is_csv AND NOT is_header AND trim(line) <> '' AS not_source,
       kind,
       CASE WHEN t_zoned THEN CAST(TRY_CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
       CASE WHEN NOT t_zoned THEN {culture_time('t', 'auto')} END AS ts_local,
       -- advanced hunting and Log Analytics write UTC; a CSV cell in the browser's format carries no zone
       CASE WHEN NOT t_zoned AND t IS NOT NULL THEN 0 END AS tz_offset_min,
       CASE WHEN NOT t_zoned AND t IS NOT NULL THEN 'UTC (Defender and Log Analytics times)' END AS tz_text,
       account, peer AS source_ip, CAST(NULL AS VARCHAR) AS assigned_ip,
       CASE WHEN kind = 'session_start' THEN 'mde|' || lower(device) || '|' ||
            COALESCE(logon_id, lower(account) || '@' || t) END AS session_key,
       'rdp_direct' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, device AS gateway_id,
       CAST(NULL AS BIGINT) AS duration_s,
       CASE WHEN kind = 'login_failed'
            THEN concat_ws('; ', failure, 'logon type ' || logon_type, 'protocol ' || protocol) END AS reason,
       CASE WHEN NOT t_zoned AND {date_shape('t')} IS NOT NULL THEN t END AS date_text
FROM k
WHERE kind IS NOT NULL OR is_last OR NOT (is_json OR is_csv OR is_header)
"""


def _json_time() -> str:
    """The streaming API record's own time, when its properties carry no Timestamp."""
    return "nullif(json_extract_string(js, '$.time'), '')"


SOURCE = RawSource(
    id="defender-logons",
    vendor="Microsoft",
    product="Defender for Endpoint DeviceLogonEvents (Remote Desktop logons: advanced hunting, Sentinel, streaming)",
    expects=("Defender portal > Hunting > Advanced hunting: `DeviceLogonEvents | where LogonType in "
             "(\"RemoteInteractive\", \"CachedRemoteInteractive\") or ActionType == \"LogonFailed\"`, results "
             "exported as CSV; or the same table in Microsoft Sentinel / Log Analytics exported as JSON or CSV; or the "
             "streaming API's records (AdvancedHunting-DeviceLogonEvents). The table logs no log-off: sessions have "
             "no end (hand in the hosts' Security logs for the ends)."),
    sample=("Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,Protocol,"
            "FailureReason,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP,RemoteIPType,RemotePort\n"
            "2026-11-02T00:15:02.1234567Z,5e2a...,ts01.corp.example.com,LogonSuccess,RemoteInteractive,corp,alice,"
            "S-1-5-21-...,Negotiate,,false,1715004,NB-0042,203.0.113.7,Public,51642"),
    # (a streaming export of several tables: every record of it is of the source, its logons read)
    detect=(r"(?:AdvancedHunting-Device\w+|\"ActionType\"\s*:\s*\"Logon(?:Success|Failed|Attempted)\"|"
            r"^\x{FEFF}?\"?(?:Timestamp|TimeGenerated)(?: \[UTC\])?\"?[,\t].*\bActionType\b.*\bLogonType\b|"
            r"[,\t]\"?Logon(?:Success|Failed|Attempted)\"?[,\t]|"
            # the advanced hunting API's answer: its Schema entries name the table's columns
            r"\{\s*\"Name\"\s*:\s*\"(?:Timestamp|DeviceId|DeviceName|ActionType|LogonType|AccountDomain|AccountName|"
            r"AccountSid|Protocol|FailureReason|IsLocalAdmin|LogonId|RemoteDeviceName|RemoteIP|RemoteIPType|"
            r"RemotePort|ReportId|InitiatingProcess\w*|AdditionalFields|AppGuardContainerId)\")"),
    query=query,
    local_dates=True,
)
