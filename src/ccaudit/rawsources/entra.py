"""Microsoft Entra ID sign-in logs: the portal's CSV download (Sign-in logs > Download > CSV) and JSON, one
sign-in per line, from Microsoft Graph `auditLogs/signIns` (signIn resource) or a diagnostic setting's
SignInLogs / NonInteractiveUserSignInLogs records (the same fields under `properties`).

Facts from the Graph signIn resource: createdDateTime (UTC), userPrincipalName, userDisplayName,
appDisplayName, clientAppUsed, ipAddress, location {city, state, countryOrRegion}, status {errorCode (0 is
success), failureReason}, conditionalAccessStatus (success, failure, notApplied), authenticationRequirement
(singleFactorAuthentication, multiFactorAuthentication), authenticationDetails [{authenticationMethod,
succeeded, authenticationStepResultDetail}], mfaDetail {authMethod} (older records). The CSV names the same
facts in its header: Date (UTC), Username, User, Application, Client app, IP address, Location, Status,
Sign-in error code, Failure reason, Authentication requirement, Multifactor authentication result,
Multifactor authentication auth method, Conditional Access. Columns are found by these names, not positions.

A successful sign-in is a `sign_in` event carrying its MFA method (mapped to the remote_sessions values; `none`
for single-factor); a failed one is a login_failed; an interrupted one (Entra asks for more, e.g. 50074 strong
authentication required, 50140 keep-me-signed-in prompt) is a step and not relevant. Sign-ins are not
sessions: the framework uses their MFA for VPN sessions whose gateway does not log it (parse.py)."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.csvsql import csv_at, csv_fields, header_names

# Error codes of an interrupted sign-in (Entra's own "Interrupted" status): the flow continues elsewhere.
INTERRUPTS = (50074, 50076, 50079, 50125, 50140, 50158, 16000, 16001)

# Entra authentication method text -> remote_sessions.mfa_method; first match wins, unknown methods stay empty.
METHODS = (
    (r"(?i)notification|passwordless phone|authenticator app", "push"),
    (r"(?i)text message|sms", "sms"),
    (r"(?i)verification code|oath|totp|software token", "totp"),
    (r"(?i)fido|security key|hardware token", "hardware_token"),
    (r"(?i)certificate|x\.509|smart ?card", "certificate"),
)


def _col(*names: str) -> str:
    """The position of the first of `names` in the CSV header (NULL when none is there)."""
    return "COALESCE(" + ", ".join(f"list_position(names, '{n}')" for n in names) + ")"


def _c(*names: str) -> str:
    return csv_at("f", _col(*names))


def _j(path: str) -> str:
    """A field of a Graph signIn, or of a diagnostic record's properties."""
    return (f"COALESCE(nullif(json_extract_string(js, '$.properties.{path}'), ''), "
            f"nullif(json_extract_string(js, '$.{path}'), ''))")


def _method(text: str) -> str:
    whens = " ".join(f"WHEN regexp_matches({text}, '{rx}') THEN '{v}'" for rx, v in METHODS)
    return f"CASE {whens} END"


_DETAILS = ("from_json(COALESCE(json_extract(js, '$.properties.authenticationDetails'), "
            "json_extract(js, '$.authenticationDetails')), "
            "'[{\"authenticationMethod\": \"VARCHAR\", \"succeeded\": \"BOOLEAN\"}]')")


def query(lines: str) -> str:
    interrupts = ", ".join(str(c) for c in INTERRUPTS)
    return f"""
WITH l AS (
    SELECT line_no, is_last, line,
           CASE WHEN regexp_matches(line, '^\\s*\\[?\\s*\\{{') THEN regexp_replace(trim(line),
                '^\\[\\s*|\\s*[,\\]]+$', '', 'g') END AS o
    FROM {lines}
), hdr AS (
    SELECT {header_names('line')} AS names FROM l
    WHERE o IS NULL AND regexp_matches(lower(line), 'request id') AND regexp_matches(lower(line), 'date')
    ORDER BY line_no LIMIT 1
), r AS (
    SELECT l.line_no, l.is_last, l.line,
           CASE WHEN l.o IS NOT NULL AND json_valid(l.o) THEN l.o END AS js,
           l.o IS NOT NULL AND NOT json_valid(l.o) AS bad_json,
           CASE WHEN l.o IS NULL AND h.names IS NOT NULL THEN {csv_fields('l.line')} END AS f,
           h.names IS NOT NULL AND l.o IS NULL AND regexp_matches(lower(l.line), 'request id')
               AND regexp_matches(lower(l.line), 'date') AS is_header,
           COALESCE(list_contains(h.names, 'date (utc)'), FALSE) AS csv_utc, h.names
    FROM l LEFT JOIN hdr h ON TRUE
), x AS (
    SELECT line_no, is_last, line, bad_json, is_header, names,
        js IS NOT NULL AS is_json,
        f IS NOT NULL AND NOT is_header AND trim(line) <> '' AS is_csv,
        CASE WHEN js IS NOT NULL THEN COALESCE({_j('createdDateTime')}, nullif(json_extract_string(js, '$.time'), ''))
             WHEN f IS NOT NULL THEN {_c('date (utc)', 'date', 'created date time', 'createddatetime')} END AS t,
        CASE WHEN js IS NOT NULL THEN COALESCE({_j('userPrincipalName')}, {_j('userDisplayName')})
             WHEN f IS NOT NULL THEN {_c('username', 'user principal name', 'userprincipalname', 'user')} END
             AS account,
        CASE WHEN js IS NOT NULL THEN {_j('ipAddress')}
             WHEN f IS NOT NULL THEN {_c('ip address', 'ipaddress')} END AS ip,
        CASE WHEN js IS NOT NULL THEN TRY_CAST({_j('status.errorCode')} AS BIGINT)
             WHEN f IS NOT NULL THEN TRY_CAST({_c('sign-in error code', 'error code', 'errorcode')} AS BIGINT)
             END AS error_code,
        CASE WHEN f IS NOT NULL THEN lower({_c('status')}) END AS csv_status,
        CASE WHEN js IS NOT NULL THEN {_j('status.failureReason')}
             WHEN f IS NOT NULL THEN {_c('failure reason', 'failurereason')} END AS failure,
        CASE WHEN js IS NOT NULL THEN {_j('appDisplayName')}
             WHEN f IS NOT NULL THEN {_c('application', 'appdisplayname')} END AS app,
        CASE WHEN js IS NOT NULL THEN {_j('clientAppUsed')}
             WHEN f IS NOT NULL THEN {_c('client app', 'clientappused')} END AS client,
        lower(replace(CASE WHEN js IS NOT NULL THEN {_j('authenticationRequirement')}
             WHEN f IS NOT NULL THEN {_c('authentication requirement', 'authenticationrequirement')} END, ' ', ''))
             AS requirement,
        CASE WHEN js IS NOT NULL THEN COALESCE(
                 list_filter({_DETAILS}, lambda d: d.succeeded AND d.authenticationMethod NOT IN
                             ('Password', 'Previously satisfied', 'Claim in the token'))[1].authenticationMethod,
                 {_j('mfaDetail.authMethod')})
             WHEN f IS NOT NULL THEN {_c('multifactor authentication auth method', 'mfa auth method')} END
             AS method_text,
        CASE WHEN f IS NOT NULL THEN lower({_c('multifactor authentication result', 'mfa result')}) END AS mfa_result,
        CASE WHEN js IS NOT NULL THEN {_j('conditionalAccessStatus')}
             WHEN f IS NOT NULL THEN {_c('conditional access', 'conditionalaccessstatus')} END AS ca,
        CASE WHEN js IS NOT NULL THEN concat_ws(', ', {_j('location.city')}, {_j('location.countryOrRegion')})
             WHEN f IS NOT NULL THEN {_c('location')} END AS place,
        csv_utc AND f IS NOT NULL AS utc_by_header,
        js IS NOT NULL AND {_j('userPrincipalName')} IS NULL AND {_j('createdDateTime')} IS NULL
            AND json_extract_string(js, '$.time') IS NULL AS json_other
    FROM r
), k AS (
    SELECT *,
        CASE WHEN (NOT is_json AND NOT is_csv) OR json_other THEN NULL
             WHEN error_code IN ({interrupts}) OR csv_status = 'interrupted' THEN NULL
             WHEN COALESCE(error_code, 0) <> 0 OR csv_status IN ('failure', 'failed') THEN 'login_failed'
             ELSE 'sign_in' END AS kind,
        regexp_matches(COALESCE(t, ''), '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$') AS t_zoned
    FROM x
)
SELECT line_no, is_last,
       kind IS NOT NULL OR bad_json AS relevant,
       CASE WHEN bad_json THEN 'not valid JSON (one sign-in per line expected)'
            WHEN kind IS NULL THEN NULL
            WHEN TRY_CAST(t AS TIMESTAMP) IS NULL AND TRY_CAST(t AS TIMESTAMPTZ) IS NULL THEN 'no readable date'
            WHEN account IS NULL THEN 'no user principal name'
       END AS problem,
       NOT is_json AND NOT is_csv AND NOT is_header AND NOT bad_json AND trim(line) <> '' AS not_source,
       kind,
       CASE WHEN t_zoned THEN CAST(TRY_CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
       CASE WHEN NOT t_zoned THEN TRY_CAST(t AS TIMESTAMP) END AS ts_local,
       CASE WHEN NOT t_zoned AND utc_by_header THEN 0 END AS tz_offset_min,
       CASE WHEN NOT t_zoned AND utc_by_header THEN 'Date (UTC)' END AS tz_text,
       account, ip AS source_ip, CAST(NULL AS VARCHAR) AS assigned_ip, CAST(NULL AS VARCHAR) AS session_key,
       CAST(NULL AS VARCHAR) AS channel,
       CASE WHEN kind <> 'sign_in' THEN NULL
            WHEN requirement = 'singlefactorauthentication' THEN 'none'
            WHEN requirement = 'multifactorauthentication' OR mfa_result LIKE '%succe%'
                 OR mfa_result LIKE '%satisfied%' THEN {_method("COALESCE(method_text, '')")}
       END AS mfa_method,
       CAST(NULL AS VARCHAR) AS gateway_id, CAST(NULL AS BIGINT) AS duration_s,
       concat_ws('; ', CASE WHEN failure IS NOT NULL AND kind = 'login_failed' THEN failure END,
                 CASE WHEN error_code IS NOT NULL AND error_code <> 0 THEN 'error ' || error_code END,
                 'app ' || app, 'client ' || client, 'requirement ' || requirement, 'mfa ' || method_text,
                 'conditional access ' || ca, 'location ' || nullif(place, '')) AS reason
FROM k
WHERE kind IS NOT NULL OR bad_json OR NOT (is_json OR is_csv OR is_header) OR is_last
"""


SOURCE = RawSource(
    id="entra-signins",
    vendor="Microsoft",
    product="Entra ID sign-in logs (portal CSV download; Graph signIns or diagnostic-setting JSON, one per line)",
    expects=("Entra admin center > Monitoring & health > Sign-in logs > Download > CSV (user sign-ins, interactive), "
             "or JSON with one sign-in per line: Microsoft Graph GET /auditLogs/signIns written as JSON lines, "
             "or a diagnostic setting's SignInLogs to a storage account. Gives MFA for VPN sessions whose "
             "gateway does not log it: parse it together with the gateway's files."),
    sample=('{"createdDateTime": "2026-11-02T00:14:40Z", "userPrincipalName": "alice@corp.example.com", '
            '"appDisplayName": "GlobalProtect VPN", "clientAppUsed": "Browser", "ipAddress": "203.0.113.7", '
            '"status": {"errorCode": 0}, "conditionalAccessStatus": "success", "authenticationRequirement": '
            '"multiFactorAuthentication", "authenticationDetails": [{"authenticationMethod": "Password", '
            '"succeeded": true}, {"authenticationMethod": "Mobile app notification", "succeeded": true}]}'),
    detect=(r"(?:\"createdDateTime\"\s*:|\"category\"\s*:\s*\"(?:NonInteractiveUser)?SignInLogs\"|"
            r"^\x{FEFF}?\"?Date(?: \(UTC\))?\"?,.*Request ID|"
            r"^\"?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[^,]*,\"?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-)"),
    query=query,
)
