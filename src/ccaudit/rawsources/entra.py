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

from ccaudit.rawsources.base import NOT_RELEVANT, RawSource
from ccaudit.rawsources.csvsql import (
    csv_at,
    csv_fields,
    culture_time,
    date_shape,
    header_names,
    json_record_text,
)
from ccaudit.rawsources.notes import say
from ccaudit.rawsources.sqlkit import sql_str

# Error codes of an interrupted sign-in (Entra's own "Interrupted" status): the flow continues elsewhere.
INTERRUPTS = (50074, 50076, 50079, 50125, 50140, 50158, 16000, 16001)

# Entra authentication method text -> remote_sessions.mfa_method; first match wins, unknown methods stay empty.
METHODS = (
    (r"(?i)notification|passwordless phone|authenticator app|通知|無密碼電話", "push"),
    (r"(?i)text message|sms|簡訊", "sms"),
    (r"(?i)verification code|oath|totp|software token|驗證碼", "totp"),
    (r"(?i)fido|security key|hardware token|安全性金鑰|硬體權杖", "hardware_token"),
    (r"(?i)certificate|x\.509|smart ?card|憑證|智慧卡", "certificate"),
)


def _col(*names: str) -> str:
    """The position of the first of `names` in the CSV header (NULL when none is there)."""
    return "COALESCE(" + ", ".join(f"list_position(names, '{n}')" for n in names) + ")"


def _c(*names: str) -> str:
    return csv_at("f", _col(*names))


# Every JSON path the query reads, extracted in one parse of each record (json_extract_string / json_extract with a
# list of paths): one call per path parsed each record some forty times, and ran out of memory on 100k sign-ins.
_PATHS: list[str] = []
_RAW_PATHS: list[str] = []


def _at(paths: list[str], path: str) -> int:
    if path not in paths:
        paths.append(path)
    return paths.index(path) + 1


def _j(*paths: str) -> str:
    """A field of a Graph signIn (camelCase), of a diagnostic record's properties, or of a Log Analytics
    SigninLogs row (PascalCase: UserPrincipalName, IPAddress, Status.errorCode): the first present."""
    return "COALESCE(" + ", ".join(f"nullif(jv[{_at(_PATHS, f'$.{pre}{p}')}], '')"
                                   for p in paths for pre in ("properties.", "")) + ")"


def _raw(path: str) -> str:
    """The JSON value at `path` of a JSON record (an element of `jx`)."""
    return f"jx[{_at(_RAW_PATHS, path)}]"


def _method(text: str) -> str:
    whens = " ".join(f"WHEN regexp_matches({text}, '{rx}') THEN '{v}'" for rx, v in METHODS)
    return f"CASE {whens} END"


# authenticationDetails: an array (Graph, diagnostic records) or the same array as a JSON string (Log Analytics'
# SigninLogs.AuthenticationDetails, and its cell in a Log Analytics CSV export).
_DETAILS_TYPE = "'[{\"authenticationMethod\": \"VARCHAR\", \"succeeded\": \"BOOLEAN\"}]'"
_SKIP_METHODS = "('Password', 'Previously satisfied', 'Claim in the token', '密碼', '先前已滿足')"


def _details_method(raw: str) -> str:
    """The first MFA method that succeeded in an authenticationDetails value `raw` (JSON)."""
    doc = (f"CASE WHEN json_type({raw}) = 'VARCHAR' AND json_valid(json_extract_string({raw}, '$')) "
           f"THEN json(json_extract_string({raw}, '$')) WHEN json_type({raw}) = 'ARRAY' THEN {raw} END")
    return (f"list_filter(from_json({doc}, {_DETAILS_TYPE}), lambda d: d.succeeded AND d.authenticationMethod NOT IN "
            f"{_SKIP_METHODS})[1].authenticationMethod")


# CSV header spellings (lower case): the portal's download in English or Traditional Chinese over the years, and a
# Log Analytics export of SigninLogs. A time column whose name says UTC holds UTC times.
# ('timestamp': Defender XDR's advanced hunting, AADSignInEventsBeta / EntraIdSignInEvents, exported as CSV)
_TIME_COLS = ("date (utc)", "日期 (utc)", "timegenerated [utc]", "createddatetime [utc]", "date", "日期",
              "created date time", "createddatetime", "timegenerated", "timestamp")
# a culture date and time followed by an offset: '1/9/2007 10:41:00 AM +01:00'
_CULTURE_OFFSET = "^\\d{1,4}[/.-]\\d{1,2}[/.-]\\d{1,4}.*\\s([+-]\\d{2}:?\\d{2})$"
_HEADER_ID = "(?:request id|要求識別碼|correlation ?id|相互關聯識別碼|resulttype|userprincipalname|accountupn)"
_HEADER_TIME = "(?:date|日期|timegenerated|createddatetime|timestamp)"


def query(lines: str) -> str:
    interrupts = ", ".join(str(c) for c in INTERRUPTS)
    time_cols = ", ".join(f"'{c}'" for c in _TIME_COLS)
    _PATHS.clear()
    _RAW_PATHS.clear()
    sql = f"""
WITH l AS (
    SELECT line_no, is_last, line,
           {json_record_text('line')} AS o
    FROM {lines}
), hdr AS (
    SELECT {header_names('line')} AS names FROM l
    WHERE o IS NULL AND line_no <= 50 AND regexp_matches(lower(line), '{_HEADER_ID}')
      AND regexp_matches(lower(line), '{_HEADER_TIME}')
    ORDER BY line_no LIMIT 1
), hdr2 AS (
    SELECT names, list_filter([{time_cols}], lambda c: list_contains(names, c))[1] AS time_col FROM hdr
), r AS (
    SELECT l.line_no, l.is_last, l.line,
           CASE WHEN l.o IS NOT NULL AND json_valid(l.o) THEN l.o END AS js,
           l.o IS NOT NULL AND NOT json_valid(l.o) AS bad_json,
           CASE WHEN l.o IS NULL AND h.names IS NOT NULL THEN {csv_fields('l.line')} END AS f,
           h.names IS NOT NULL AND l.o IS NULL AND l.line_no <= 50 AND regexp_matches(lower(l.line), '{_HEADER_ID}')
               AND regexp_matches(lower(l.line), '{_HEADER_TIME}') AS is_header,
           -- Graph's createdDateTime is UTC (Get-MgAuditLogSignIn | Export-Csv writes it in the culture's format)
           COALESCE(contains(h.time_col, 'utc') OR h.time_col IN ('createddatetime', 'timestamp'), FALSE) AS csv_utc,
           h.names,
           h.time_col
    FROM l LEFT JOIN hdr2 h ON TRUE
), x AS (
    SELECT line_no, is_last, line, bad_json, is_header, names,
        js IS NOT NULL AS is_json,
        f IS NOT NULL AND NOT is_header AND trim(line) <> '' AS is_csv,
        CASE WHEN js IS NOT NULL THEN COALESCE({_j('createdDateTime', 'CreatedDateTime', 'TimeGenerated')},
                                               {_j('time')})
             WHEN f IS NOT NULL THEN {csv_at('f', 'list_position(names, time_col)')} END AS t,
        CASE WHEN js IS NOT NULL THEN {_j('userPrincipalName', 'UserPrincipalName', 'userDisplayName',
                                          'UserDisplayName')}
             WHEN f IS NOT NULL THEN {_c('username', 'user principal name', 'userprincipalname', 'accountupn',
                                         '使用者名稱',
                                         '使用者主體名稱', 'user', '使用者')} END
             AS account,
        CASE WHEN js IS NOT NULL THEN {_j('ipAddress', 'IPAddress', 'IpAddress')}
             WHEN f IS NOT NULL THEN {_c('ip address', 'ipaddress', 'ip 位址', 'ip位址')} END AS ip,
        CASE WHEN js IS NOT NULL THEN TRY_CAST({_j('status.errorCode', 'Status.errorCode', 'ResultType',
                                                   'resultType')} AS BIGINT)
             WHEN f IS NOT NULL THEN TRY_CAST({_c('sign-in error code', 'error code', 'errorcode', 'resulttype',
                                                  '登入錯誤碼', '登入錯誤代碼', '錯誤碼')} AS BIGINT)
             END AS error_code,
        CASE WHEN f IS NOT NULL THEN lower({_c('status', '狀態')}) END AS csv_status,
        CASE WHEN js IS NOT NULL THEN {_j('status.failureReason', 'Status.failureReason', 'ResultDescription',
                                          'resultDescription')}
             WHEN f IS NOT NULL THEN {_c('failure reason', 'failurereason', 'resultdescription', '失敗原因')}
             END AS failure,
        CASE WHEN js IS NOT NULL THEN {_j('appDisplayName', 'AppDisplayName')}
             WHEN f IS NOT NULL THEN {_c('application', 'appdisplayname', '應用程式')} END AS app,
        CASE WHEN js IS NOT NULL THEN {_j('clientAppUsed', 'ClientAppUsed')}
             WHEN f IS NOT NULL THEN {_c('client app', 'clientappused', '用戶端應用程式')} END AS client,
        lower(replace(CASE WHEN js IS NOT NULL THEN {_j('authenticationRequirement', 'AuthenticationRequirement')}
             WHEN f IS NOT NULL THEN {_c('authentication requirement', 'authenticationrequirement', '驗證需求',
                                         '驗證要求')} END, ' ', ''))
             AS requirement,
        CASE WHEN js IS NOT NULL THEN COALESCE(
                 {_details_method(_raw('$.properties.authenticationDetails'))},
                 {_details_method(_raw('$.authenticationDetails'))},
                 {_details_method(_raw('$.AuthenticationDetails'))},
                 {_j('mfaDetail.authMethod', 'MfaDetail.authMethod')})
             WHEN f IS NOT NULL THEN COALESCE(
                 {_c('multifactor authentication auth method', 'mfa auth method', '多重要素驗證驗證方法',
                     '多重要素驗證方法', 'mfa 驗證方法')},
                 CASE WHEN json_valid({_c('authenticationdetails')})
                      THEN {_details_method(f"to_json({_c('authenticationdetails')})")} END,
                 CASE WHEN json_valid({_c('mfadetail')})
                      THEN json_extract_string({_c('mfadetail')}, '$.authMethod') END) END
             AS method_text,
        CASE WHEN f IS NOT NULL THEN lower({_c('multifactor authentication result', 'mfa result', '多重要素驗證結果',
                                               'mfa 結果')}) END AS mfa_result,
        CASE WHEN js IS NOT NULL THEN {_j('conditionalAccessStatus', 'ConditionalAccessStatus')}
             WHEN f IS NOT NULL THEN {_c('conditional access', 'conditionalaccessstatus', '條件式存取')} END AS ca,
        CASE WHEN js IS NOT NULL THEN concat_ws(', ', {_j('location.city', 'LocationDetails.city')},
                                                {_j('location.countryOrRegion', 'LocationDetails.countryOrRegion')})
             WHEN f IS NOT NULL THEN {_c('location', '位置')} END AS place,
        csv_utc AND f IS NOT NULL AS utc_by_header, time_col,
        -- who signed in when it was not a user: a service principal (an application with its own credential) or a
        -- managed identity (Graph beta signInEventTypes, a diagnostic record's category, Log Analytics' Category or
        -- Type: AADServicePrincipalSignInLogs, AADManagedIdentitySignInLogs; the portal's service-principal and
        -- managed-identity tabs: Service principal ID / name, Managed Identity type)
        CASE WHEN js IS NOT NULL THEN concat_ws(' ', {_j('signInEventTypes', 'category', 'Category', 'Type')},
                                                {_raw('$.signInEventTypes')})
             WHEN f IS NOT NULL THEN concat_ws(' ', {_c('category', 'type', 'sign-in event types', '登入事件類型')},
                                               'managed identity ' || {_c('managed identity type', '受控識別類型')})
             END AS principal_kind,
        CASE WHEN js IS NOT NULL THEN {_j('servicePrincipalId', 'ServicePrincipalId', 'servicePrincipalName',
                                          'ServicePrincipalName')}
             WHEN f IS NOT NULL THEN {_c('service principal id', 'service principal name', 'serviceprincipalid',
                                         'serviceprincipalname', '服務主體識別碼', '服務主體名稱')} END AS principal,
        js IS NOT NULL AND {_j('userPrincipalName', 'UserPrincipalName')} IS NULL
            AND {_j('createdDateTime', 'CreatedDateTime', 'TimeGenerated')} IS NULL
            AND {_j('time')} IS NULL AS json_other
    FROM (SELECT *, CASE WHEN js IS NOT NULL THEN __JV__ END AS jv, CASE WHEN js IS NOT NULL THEN __JX__ END AS jx
          FROM r)
), n AS (
    SELECT *, (is_json OR is_csv) AND NOT json_other AND (
                  regexp_matches(COALESCE(principal_kind, ''),
                                 '(?i)service ?principal|managed ?identit|managedidentity|服務主體|受控識別')
                  OR (account IS NULL AND principal IS NOT NULL)) AS non_user
    FROM x
), k AS (
    SELECT *,
        CASE WHEN (NOT is_json AND NOT is_csv) OR json_other OR non_user THEN NULL
             WHEN error_code IN ({interrupts}) OR csv_status IN ('interrupted', '已中斷', '中斷') THEN NULL
             WHEN COALESCE(error_code, 0) <> 0 OR csv_status IN ('failure', 'failed', '失敗') THEN 'login_failed'
             ELSE 'sign_in' END AS kind,
        -- an ISO time with Z or an offset is an instant; a culture time with an offset after it ('1/9/2007 10:41:00 AM
        -- +01:00', a diagnostic record's time as some exports write it) is that wall time at that offset
        regexp_matches(COALESCE(t, ''), '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
            AND TRY_CAST(t AS TIMESTAMPTZ) IS NOT NULL AS t_zoned,
        nullif(regexp_extract(COALESCE(t, ''), '{_CULTURE_OFFSET}', 1), '') AS t_off,
        CASE WHEN requirement LIKE '%single%' OR requirement LIKE '%單一%' THEN 'single'
             WHEN requirement LIKE '%multi%' OR requirement LIKE '%多重%' THEN 'multi' END AS factors
    FROM n
), k2 AS (
    SELECT * REPLACE (CASE WHEN t_off IS NOT NULL THEN trim(regexp_replace(t, '\\s[+-]\\d{{2}}:?\\d{{2}}$', ''))
                           ELSE t END AS t)
    FROM k
)
SELECT line_no, is_last,
       kind IS NOT NULL OR bad_json AS relevant,
       CASE WHEN bad_json THEN 'not valid JSON (one sign-in per line expected)'
            WHEN kind IS NULL THEN NULL
            WHEN NOT t_zoned AND {culture_time('t', 'auto')} IS NULL THEN 'no readable date'
            WHEN account IS NULL THEN 'no user principal name'
            -- a sign-in whose result the file does not give is neither a success nor a failure (Export-Csv of Graph
            -- objects writes the status as its type name)
            WHEN error_code IS NULL AND COALESCE(csv_status, '') NOT IN ('success', 'succeeded', '成功', 'failure',
                                                                           'failed', '失敗')
                THEN 'no sign-in result (neither an error code nor a status Success or Failure)'
       END AS problem,
       NOT is_json AND NOT is_csv AND NOT is_header AND NOT bad_json AND trim(line) <> '' AS not_source,
       kind,
       CASE WHEN t_zoned THEN CAST(TRY_CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
       CASE WHEN NOT t_zoned THEN {culture_time('t', 'auto')} END AS ts_local,
       CASE WHEN t_off IS NOT NULL THEN tz_minutes(t_off)
            WHEN NOT t_zoned AND (utc_by_header OR (is_json AND t IS NOT NULL)) THEN 0 END AS tz_offset_min,
       CASE WHEN t_off IS NOT NULL THEN t_off
            WHEN NOT t_zoned AND utc_by_header THEN time_col
            WHEN NOT t_zoned AND is_json AND t IS NOT NULL THEN 'UTC (Graph and Log Analytics times)' END AS tz_text,
       account, ip AS source_ip, CAST(NULL AS VARCHAR) AS assigned_ip, CAST(NULL AS VARCHAR) AS session_key,
       CAST(NULL AS VARCHAR) AS channel,
       CASE WHEN kind <> 'sign_in' THEN NULL
            WHEN factors = 'single' THEN 'none'
            WHEN factors = 'multi' OR mfa_result LIKE '%succe%' OR mfa_result LIKE '%satisfied%'
                 OR mfa_result LIKE '%成功%' OR mfa_result LIKE '%滿足%' THEN {_method("COALESCE(method_text, '')")}
       END AS mfa_method,
       CAST(NULL AS VARCHAR) AS gateway_id, CAST(NULL AS BIGINT) AS duration_s,
       CASE WHEN kind IS NULL AND non_user
                THEN {sql_str(NOT_RELEVANT + say('not_relevant_principal'))}
            WHEN kind IS NULL AND (is_json OR is_csv) AND NOT json_other
                THEN {sql_str(NOT_RELEVANT + say('not_relevant_interrupted'))}
            ELSE
       concat_ws('; ', CASE WHEN failure IS NOT NULL AND kind = 'login_failed' THEN failure END,
                 CASE WHEN error_code IS NOT NULL AND error_code <> 0 THEN 'error ' || error_code END,
                 'app ' || app, 'client ' || client, 'requirement ' || requirement, 'mfa ' || method_text,
                 'conditional access ' || ca, 'location ' || nullif(place, '')) END AS reason,
       CASE WHEN NOT t_zoned AND {date_shape('t')} IS NOT NULL THEN t END AS date_text
FROM k2
WHERE kind IS NOT NULL OR bad_json OR NOT (is_json OR is_csv OR is_header) OR is_last OR non_user
   OR ((is_json OR is_csv) AND NOT json_other)
"""
    return (sql.replace("__JV__", "json_extract_string(js, [" + ", ".join(sql_str(p) for p in _PATHS) + "])")
               .replace("__JX__", "json_extract(js, [" + ", ".join(sql_str(p) for p in _RAW_PATHS) + "])"))


SOURCE = RawSource(
    id="entra-signins",
    vendor="Microsoft",
    product="Entra ID sign-in logs (portal CSV download; Graph signIns or diagnostic-setting JSON, one per line)",
    expects=("Entra admin center > Monitoring & health > Sign-in logs > Download > CSV or JSON (interactive and "
             "non-interactive user sign-ins; English or Traditional Chinese portal), Microsoft Graph GET "
             "/auditLogs/signIns pages as saved, a diagnostic setting's SignInLogs, or Log Analytics / Sentinel "
             "SigninLogs exported as JSON or CSV. Gives MFA for VPN sessions whose gateway does not log it: parse it "
             "together with the gateway's files. Service-principal and managed-identity sign-ins are counted as not "
             "relevant; culture dates (05/03/2026) are read as the file's own dates settle, else --date-order."),
    sample=('{"createdDateTime": "2026-11-02T00:14:40Z", "userPrincipalName": "alice@corp.example.com", '
            '"appDisplayName": "GlobalProtect VPN", "clientAppUsed": "Browser", "ipAddress": "203.0.113.7", '
            '"status": {"errorCode": 0}, "conditionalAccessStatus": "success", "authenticationRequirement": '
            '"multiFactorAuthentication", "authenticationDetails": [{"authenticationMethod": "Password", '
            '"succeeded": true}, {"authenticationMethod": "Mobile app notification", "succeeded": true}]}'),
    detect=(r"(?:\"createdDateTime\"\s*:|"
            r"\"[Cc]ategory\"\s*:\s*\"(?:NonInteractiveUser|(?:Microsoft)?ServicePrincipal|ManagedIdentity|ADFS)?"
            r"SignInLogs\"|"
            r"\"Type\"\s*:\s*\"(?:SigninLogs|AAD(?:NonInteractiveUser|ServicePrincipal|ManagedIdentity)SignInLogs)\"|"
            r"\"(?:servicePrincipalName|ServicePrincipalName|signInEventTypes)\"\s*:|"
            r"\"(?:UserPrincipalName|AuthenticationRequirement|ConditionalAccessStatus)\"\s*:|"
            r"^\x{FEFF}?\"?(?:Date|日期)(?: \(UTC\))?\"?,.*(?:Request ID|要求識別碼)|"
            r"^\x{FEFF}?\"?TimeGenerated \[UTC\]\"?,.*(?:UserPrincipalName|ResultType)|"
            r"^\x{FEFF}?\"?Timestamp\"?,.*AccountUpn|"
            r"^\"?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[^,]*,\"?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-|"
            # a sign-in row in any CSV form carries its authentication requirement
            r"(?i:single-?factor ?authentication|multi-?factor ?authentication)|單一要素驗證|多重要素驗證)"),
    query=query,
    local_dates=True,
)
