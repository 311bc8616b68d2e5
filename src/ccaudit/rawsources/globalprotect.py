"""Palo Alto Networks GlobalProtect (PAN-OS 9.1 and later): the GLOBALPROTECT log in PAN-OS's CSV syslog
format, in CEF, and as JSON (HTTPS log forwarding, Strata Logging Service / Cortex); and the older SYSTEM
log lines of subtype `globalprotect`.

Facts from the PAN-OS syslog field descriptions (GlobalProtect Log Fields): FUTURE_USE, Receive Time,
Serial Number, Type (GLOBALPROTECT), Threat/Content Type, FUTURE_USE, Generated Time, Virtual System,
Event ID, Stage, Authentication Method, Tunnel Type, Source User, Source Region, Machine Name, Public IP,
Public IPv6, Private IP, Private IPv6, Host ID, Serial Number, Client Version, Client OS, Client OS
Version, Repeat Count, Reason, Error, Description, Status, Location, Login Duration, Connect Method,
Error Code, Portal, Sequence Number, Action Flags, High Res Timestamp, Selection Type, Response Time,
Priority, Attempted Gateways, Gateway, DG levels 1-4, Virtual System Name, Device Name, ...
Generated Time is the firewall's wall time (no zone); High Res Timestamp is ISO 8601 with its offset.
CEF and JSON carry the same fields under the Strata names (PanOSEventIDValue / EventIDValue,
PanOSSourceUserName / SourceUserName, PanOSPublicIPv4, PanOSPrivateIPv4, PanOSEventStatus,
PanOSLoginDuration, ...). Event IDs: gateway-connected (the tunnel is up), gateway-logout /
gateway-disconnected (it is down), gateway-auth and portal-auth (status failure: a failed login); the
others (prelogin, getconfig, hip-report, ...) are steps, not session events. The SYSTEM log says
'GlobalProtect gateway user login succeeded. Login from: IP, Source region: XX, User name: NAME, ...',
'... logout succeeded ...' and '... authentication failed ...'."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.csvsql import csv_at, csv_fields

# Event ID -> kind when the status is success (failure of a connect or an authentication: login_failed).
CONNECT = ("gateway-connected",)
DISCONNECT = ("gateway-logout", "gateway-disconnected", "gateway-disconnect")
AUTH = ("gateway-auth", "portal-auth", "gateway-prelogin", "portal-prelogin")

# PAN-OS log types (the Type field of a CSV log line).
_TYPES = ("TRAFFIC|THREAT|SYSTEM|CONFIG|HIPMATCH|GLOBALPROTECT|USERID|AUTHENTICATION|DECRYPTION|TUNNEL|IPTAG|GTP|SCTP|"
          "CORRELATION")
# A PAN-OS CSV log line: '<FUTURE_USE>,<receive time>,<serial>,<TYPE>,' (after any syslog header).
_PAN_CSV = r"([^,\s]*,\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2},[^,]*,(?:" + _TYPES + r"),.*)$"


def _f(i: int) -> str:
    return csv_at("f", str(i))


def _cef(k: str) -> str:
    """A CEF extension value: it runs to the next ' key=' (values hold spaces); \\= and \\\\ unescaped."""
    return (f"nullif(replace(replace(trim(regexp_extract(line, '(?:^|[\\s|]){k}=((?:[^\\\\]|\\\\.)*?)"
            f"(?:\\s+[A-Za-z0-9_.]+=|$)', 1)), '\\=', '='), '\\\\', '\\'), '')")


def _js(k: str) -> str:
    return f"nullif(trim(json_extract_string(js, '$.{k}')), '')"


def _ip(a: str) -> str:
    """0.0.0.0 and :: mean 'none' in these logs."""
    return f"nullif(nullif(nullif({a}, '0.0.0.0'), '::'), 'N/A')"


_FIELDS = csv_fields(f"regexp_extract(line, '{_PAN_CSV}', 1)")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def query(lines: str) -> str:
    return f"""
WITH l AS (
    -- substring tests first: a TRAFFIC or THREAT line (most of a PAN-OS log) costs them and one short pattern
    SELECT line_no, is_last, line,
           CASE WHEN contains(line, 'CEF:') AND contains(line, '|Palo Alto Networks|') THEN 'cef'
                WHEN contains(line, ',GLOBALPROTECT,') AND regexp_matches(line, '{_PAN_CSV}') THEN 'csv'
                WHEN contains(line, 'GlobalProtect ') AND regexp_matches(line, 'GlobalProtect (?:gateway|portal) user')
                    THEN 'system'
                WHEN regexp_matches(line, '^\\s*\\[?\\s*\\{{') THEN 'json'
                WHEN regexp_matches(line, ',(?:{_TYPES}),') THEN 'other'
           END AS form
    FROM {lines}
), j AS (
    -- JSON: one object per line (NDJSON, or an array written one object per line)
    SELECT *, CASE WHEN form = 'json' AND json_valid(o) THEN o END AS js,
              form = 'json' AND NOT json_valid(o) AS bad_json
    FROM (SELECT *, CASE WHEN form = 'json' THEN regexp_replace(trim(line), '^\\[\\s*|\\s*[,\\]]+$', '', 'g')
                    END AS o FROM l WHERE form IS NULL OR form <> 'other' OR is_last)
), v AS (
    SELECT *, js IS NOT NULL
              AND upper(COALESCE(json_extract_string(js, '$.LogType'), json_extract_string(js, '$.log_type'),
                                 json_extract_string(js, '$.type'), json_extract_string(js, '$.Type'),
                                 'GLOBALPROTECT')) = 'GLOBALPROTECT'
              AS gp_json_ok,
           CASE WHEN form IN ('csv', 'system') THEN {_FIELDS} END AS f
    FROM j
), x AS (
    SELECT line_no, is_last, line, form, gp_json_ok, bad_json,
        CASE form
            WHEN 'csv' THEN lower({_f(9)})
            WHEN 'cef' THEN lower(COALESCE({_cef('PanOSEventIDValue')}, {_cef('EventIDValue')},
                                           {_cef('eventid')},
                                           nullif(regexp_extract(
                                               line, '[|=]((?:gateway|portal)-[a-z0-9-]+)(?:[|\\s]|$)', 1), '')))
            WHEN 'json' THEN CASE WHEN gp_json_ok THEN lower(COALESCE({_js('EventIDValue')},
                                 {_js('eventid')}, {_js('event_id')})) END
        END AS event_id,
        CASE form
            WHEN 'csv' THEN lower({_f(29)})
            WHEN 'cef' THEN lower(COALESCE({_cef('PanOSEventStatus')}, {_cef('outcome')}))
            WHEN 'json' THEN lower(COALESCE({_js('EventStatus')}, {_js('status')}))
        END AS status,
        CASE form
            WHEN 'csv' THEN {_f(13)}
            WHEN 'system' THEN rtrim(nullif(trim(regexp_extract(line, 'User name: ([^,"]+)', 1)), ''), '.')
            WHEN 'cef' THEN COALESCE({_cef('PanOSSourceUserName')}, {_cef('suser')})
            WHEN 'json' THEN COALESCE({_js('SourceUserName')}, {_js('srcuser')},
                                      {_js('source_user')})
        END AS account,
        CASE form
            WHEN 'csv' THEN COALESCE({_ip(_f(16))}, {_ip(_f(17))})
            WHEN 'system' THEN nullif(regexp_extract(line, 'Login from: ([0-9A-Fa-f:.]+[0-9A-Fa-f])', 1), '')
            WHEN 'cef' THEN COALESCE({_ip(_cef('PanOSPublicIPv4'))}, {_ip(_cef('PanOSPublicIPv6'))},
                                     {_ip(_cef('src'))}, {_ip(_cef('c6a2'))})
            WHEN 'json' THEN COALESCE({_ip(_js('PublicIPv4'))}, {_ip(_js('PublicIPv6'))},
                                      {_ip(_js('public_ip'))}, {_ip(_js('public_ipv6'))})
        END AS public_ip,
        CASE form
            WHEN 'csv' THEN COALESCE({_ip(_f(18))}, {_ip(_f(19))})
            WHEN 'system' THEN nullif(regexp_extract(line, 'Private IP: ([0-9A-Fa-f:.]+[0-9A-Fa-f])', 1), '')
            WHEN 'cef' THEN COALESCE({_ip(_cef('PanOSPrivateIPv4'))}, {_ip(_cef('PanOSPrivateIPv6'))})
            WHEN 'json' THEN COALESCE({_ip(_js('PrivateIPv4'))}, {_ip(_js('PrivateIPv6'))},
                                      {_ip(_js('private_ip'))}, {_ip(_js('private_ipv6'))})
        END AS private_ip,
        CASE form
            WHEN 'csv' THEN {_f(3)}
            WHEN 'system' THEN {_f(3)}
            WHEN 'cef' THEN COALESCE({_cef('PanOSDeviceSN')}, {_cef('deviceExternalId')})
            WHEN 'json' THEN COALESCE({_js('DeviceSN')}, {_js('serial')})
        END AS serial,
        CASE form
            WHEN 'csv' THEN COALESCE({_f(48)}, {_f(3)})
            WHEN 'system' THEN {_f(3)}
            WHEN 'cef' THEN COALESCE({_cef('PanOSDeviceName')}, {_cef('DeviceName')},
                                     {_cef('dvchost')}, {_cef('PanOSDeviceSN')})
            WHEN 'json' THEN COALESCE({_js('DeviceName')}, {_js('device_name')}, {_js('DeviceSN')})
        END AS gateway,
        CASE form
            WHEN 'csv' THEN {_f(8)} WHEN 'system' THEN {_f(8)}
            WHEN 'cef' THEN COALESCE({_cef('PanOSVirtualSystem')}, {_cef('cs3')})
            WHEN 'json' THEN COALESCE({_js('VirtualSystem')}, {_js('vsys')})
        END AS vsys,
        CASE form
            WHEN 'csv' THEN TRY_CAST({_f(31)} AS BIGINT)
            WHEN 'cef' THEN TRY_CAST({_cef('PanOSLoginDuration')} AS BIGINT)
            WHEN 'json' THEN TRY_CAST(COALESCE({_js('LoginDuration')}, {_js('login_duration')}) AS BIGINT)
        END AS duration_s,
        CASE form
            WHEN 'csv' THEN COALESCE({_f(27)}, {_f(26)})
            WHEN 'system' THEN nullif(rtrim(trim(regexp_extract(line, 'Reason: ([^,"]+)', 1)), '.'), '')
            WHEN 'cef' THEN COALESCE({_cef('PanOSConnectionError')}, {_cef('reason')})
            WHEN 'json' THEN COALESCE({_js('ConnectionError')}, {_js('error')})
        END AS reason,
        CASE form
            WHEN 'system' THEN CASE
                WHEN regexp_matches(line, 'GlobalProtect gateway user login succeeded') THEN 'session_start'
                WHEN regexp_matches(line, 'GlobalProtect gateway user logout succeeded') THEN 'session_end'
                WHEN regexp_matches(line, 'GlobalProtect (?:gateway|portal) user (?:authentication|login) failed')
                    THEN 'login_failed' END
        END AS system_kind,
        -- an instant with its offset (High Res Timestamp, ISO JSON times), else the firewall's wall time
        CASE form
            WHEN 'csv' THEN CAST(TRY_CAST({_f(37)} AS TIMESTAMPTZ) AS TIMESTAMP)
            WHEN 'cef' THEN COALESCE(
                CASE WHEN regexp_matches(COALESCE({_cef('PanOSTimeGeneratedHighResolution')}, ''),
                                         '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
                     THEN CAST(TRY_CAST({_cef('PanOSTimeGeneratedHighResolution')} AS TIMESTAMPTZ) AS TIMESTAMP) END,
                epoch_ts(TRY_CAST({_cef('rt')} AS BIGINT)))
            WHEN 'json' THEN COALESCE(
                CASE WHEN regexp_matches(COALESCE({_js('TimeGenerated')}, {_js('time_generated')}, ''),
                                         '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
                     THEN CAST(TRY_CAST(COALESCE({_js('TimeGenerated')}, {_js('time_generated')})
                                        AS TIMESTAMPTZ) AS TIMESTAMP) END,
                epoch_ts(TRY_CAST(COALESCE({_js('TimeGenerated')}, {_js('time_generated')}) AS BIGINT)))
        END AS ts_utc,
        CASE form
            WHEN 'csv' THEN TRY_CAST(replace({_f(7)}, '/', '-') AS TIMESTAMP)
            WHEN 'system' THEN TRY_CAST(replace({_f(7)}, '/', '-') AS TIMESTAMP)
            WHEN 'cef' THEN COALESCE(try_strptime({_cef('rt')}, '%b %d %Y %H:%M:%S'),
                                     try_strptime({_cef('rt')}, '%b %d %Y %H:%M:%S.%g'))
            WHEN 'json' THEN TRY_CAST(COALESCE({_js('TimeGenerated')}, {_js('time_generated')})
                                      AS TIMESTAMP)
        END AS ts_wall,
        CASE WHEN form = 'cef' THEN {_cef('dtz')} END AS tz
    FROM v
), k AS (
    SELECT *,
        CASE WHEN form = 'system' THEN system_kind
             WHEN event_id IN {_in(CONNECT)} THEN
                 CASE WHEN status IN ('failure', 'failed', 'fail') THEN 'login_failed' ELSE 'session_start' END
             WHEN event_id IN {_in(DISCONNECT)} THEN 'session_end'
             WHEN event_id IN {_in(AUTH)} AND status IN ('failure', 'failed', 'fail') THEN 'login_failed'
        END AS kind
    FROM x
)
SELECT line_no, is_last,
       kind IS NOT NULL OR bad_json AS relevant,
       CASE WHEN bad_json THEN 'not valid JSON (one object per line expected)'
            WHEN kind IS NULL THEN NULL
            WHEN ts_utc IS NULL AND ts_wall IS NULL THEN 'no readable time'
            WHEN account IS NULL AND kind <> 'login_failed' THEN 'no source user'
            WHEN public_ip IS NULL AND kind <> 'login_failed' THEN 'no public IP'
       END AS problem,
       form IS NULL AND trim(line) <> '' AS not_source,
       kind, ts_utc, ts_wall AS ts_local, tz_minutes(tz) AS tz_offset_min, tz AS tz_text,
       account, public_ip AS source_ip,
       CASE WHEN kind = 'session_start' THEN private_ip END AS assigned_ip,
       CASE WHEN kind IN ('session_start', 'session_end') THEN
           concat_ws('|', 'gp', COALESCE(serial, gateway), lower(account), public_ip) END AS session_key,
       'ssl_vpn' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, gateway AS gateway_id,
       duration_s, reason
FROM k
WHERE kind IS NOT NULL OR form IS NULL OR form = 'json' OR is_last
"""


SOURCE = RawSource(
    id="globalprotect",
    vendor="Palo Alto Networks",
    product="GlobalProtect log (PAN-OS 9.1+: CSV syslog, CEF, JSON; SYSTEM globalprotect lines)",
    expects=("Objects > Log Forwarding (or Device > Log Settings) forwarding the GlobalProtect log to a syslog "
             "server (Device > Server Profiles > Syslog, format BSD or IETF; default CSV payload or CEF custom "
             "format) or to an HTTP server / Strata Logging Service as JSON (one object per line); before "
             "PAN-OS 9.1, the System log of subtype globalprotect. Other log types in the file are counted "
             "and skipped."),
    sample=("<14>Nov  2 08:15:02 PA-3220 1,2026/11/02 08:15:02,012801096514,GLOBALPROTECT,0,2561,2026/11/02 "
            "08:15:02,vsys1,gateway-connected,connected,,SSL,CORP\\alice,TW,ALICE-NB,203.0.113.7,0.0.0.0,"
            "10.31.0.12,0.0.0.0,1f2e3d4c,PF1XYZ,6.2.1,Microsoft Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,"
            ",success,Taipei,0,user-logon,0,GP-Portal,7290471224,0x8000000000000000,2026-11-02T08:15:02.374+08:00"
            ",,,,,,0,0,0,0,,PA-3220,1,"),
    detect=(r"(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2},[^,]*,(?:TRAFFIC|THREAT|SYSTEM|CONFIG|HIPMATCH|GLOBALPROTECT|"
            r"USERID|AUTHENTICATION|DECRYPTION|TUNNEL),|CEF:\d+\|Palo Alto Networks\||\"EventIDValue\"\s*:|"
            r"GlobalProtect (?:gateway|portal) user)"),
    query=query,
)
