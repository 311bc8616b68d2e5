"""Windows Security log: Remote Desktop logons (4624 with LogonType 10), log-offs (4634, 4647) and failed logons
(4625), and the TerminalServices-LocalSessionManager log's session events (21/23/24/25): the .evtx file itself,
exported as CSV or text (Event Viewer "Save All Events As...", `Get-WinEvent | Export-Csv`), as XML, or as JSON
derived from the EVTX file (evtx_dump, python-evtx, Winlogbeat/Elastic, NXLog to_json, Sentinel SecurityEvent,
EvtxECmd's CSV or JSON).

Facts from Microsoft's audit event documentation: 4624 "An account was successfully logged on" carries
TargetUserName, TargetDomainName, TargetLogonId, LogonType (10 = RemoteInteractive: Remote Desktop), IpAddress;
4634 "An account was logged off" carries TargetUserName, TargetDomainName, TargetLogonId and LogonType; 4647
"User initiated logoff" carries TargetUserName, TargetDomainName, TargetLogonId; 4625 "An account failed to log
on" carries TargetUserName, TargetDomainName, LogonType, IpAddress, Status, SubStatus and FailureReason.
The CSV forms hold the rendered (English) message: 'New Logon:' / 'Account For Which Logon Failed:' sections
with 'Account Name:', 'Account Domain:', 'Logon ID:', and 'Logon Type:', 'Source Network Address:',
'Failure Reason:'. A message spans several lines inside one quoted CSV field; records are put back together
by counting quotes (a line starts a record when the quotes before it are balanced), in SQL.

A session is keyed by computer and logon ID: a 4624 of type 10 starts it; a 4634 of type 10, or a 4647 of a
logon ID some type-10 logon in the file started, ends it. Other logons and log-offs (network, service,
batch) are not relevant."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.csvsql import csv_at, csv_fields, culture_time, date_shape, header_names, json_record_text
from ccaudit.rawsources.sqlkit import sql_str

# The rendered message's labels in the display languages read: English and Traditional Chinese (zh-TW Windows).
# A label is followed by ':' (or a full-width '：') and tabs; each is a regular-expression alternation.
_LABELS = {
    "new_logon": "New Logon|新登入",
    "failed_account": "Account For Which Logon Failed|登入失敗的帳戶",
    "subject": "Subject|主旨|主體",
    "account_name": "Account Name|帳戶名稱",
    "account_domain": "Account Domain|帳戶網域",
    "logon_id": "Logon ID|登入識別碼",
    "logon_type": "Logon Type|登入類型",
    "source_address": "Source Network Address|來源網路位址",
    "client_address": "Client Address|用戶端位址|用戶端地址",
    "session_name": "Session Name|工作階段名稱",
    "failure_reason": "Failure Reason|失敗原因",
    "status": "Status|狀態",
    # TerminalServices-LocalSessionManager messages ('Remote Desktop Services: Session logon succeeded:')
    "lsm_user": "User|使用者",
    "lsm_session": "Session ID|工作階段識別碼",
}
_SECTIONS = {
    # event id -> the message section naming the account (CSV forms)
    "4624": "new_logon", "4625": "failed_account", "4634": "subject", "4647": "subject", "4778": "subject",
    "4779": "subject",
}
# 4778/4779 (Audit Other Logon/Logoff Events): a Remote Desktop session reconnected to / disconnected from its
# window station; Fast User Switching at the console logs them too (session name Console, no client address).
_WINDOW_STATION = ("4778", "4779")


# Every JSON path the query reads, extracted in one parse of each record (json_extract_string with a list of paths):
# one json_extract_string per path parsed each record some eighty times, and held that much memory.
_PATHS: list[str] = []


def _j(*paths: str) -> str:
    """The first of `paths` present (and not empty) in a JSON record: an element of `jv`."""
    for p in paths:
        if p not in _PATHS:
            _PATHS.append(p)
    return "COALESCE(" + ", ".join(f"nullif(jv[{_PATHS.index(p) + 1}], '')" for p in paths) + ")"


def _data(*names: str) -> str:
    """An EventData field in any of the JSON shapes (evtx_dump, Winlogbeat, flat NXLog or Sentinel SecurityEvent,
    python-evtx/xmltodict's `Data: [{"@Name": ..., "#text": ...}]`), under the first of its names the event
    carries (4778/4779 name the account AccountName, not TargetUserName)."""
    paths = _j(*(p for n in names for p in (f"$.Event.EventData.{n}", f"$.winlog.event_data.{n}",
                                             f"$.EventData.{n}", f"$.event_data.{n}", f"$.{n}",
                                             # Wazuh's alerts.json / archives.json: the names in camelCase;
                                             # the agent's own event (archives' full_log, wazuh-logtest) has
                                             # no 'data' around it
                                             f"$.data.win.eventdata.{n[:1].lower()}{n[1:]}",
                                             f"$.win.eventdata.{n[:1].lower()}{n[1:]}")))
    named = ", ".join(f"list_filter(data_list, lambda d: d.n = '{n}')[1].v" for n in names)
    return f"COALESCE({paths}, {named})"


def _csv(*names: str) -> str:
    """A column of a CSV export that has the EventData fields as columns (Sentinel/Log Analytics SecurityEvent)."""
    return "COALESCE(" + ", ".join(csv_at("f", f"list_position(names, '{n.lower()}')") for n in names) + ")"


def _unxml(text: str) -> str:
    """An XML text with its five predefined entities resolved (&amp; last)."""
    return (f"nullif(replace(replace(replace(replace(replace({text}, '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), "
            f"'&apos;', ''''), '&amp;', '&'), '')")


def _xml(*names: str) -> str:
    """An EventData field of an event in XML: <Data Name='TargetUserName'>alice</Data> (either quote)."""
    return "COALESCE(" + ", ".join(
        _unxml(f"regexp_extract(xml, '<Data Name=[''\"]{n}[''\"]\\s*>([^<]*)</Data>', 1)") for n in names) + ")"


def _user_data(name: str) -> str:
    """A field of the event's UserData (LocalSessionManager's EventXML: User, SessionID, Address) in the JSON shapes
    (evtx/evtx_dump, python-evtx, Winlogbeat) or in XML."""
    paths = _j(f"$.Event.UserData.EventXML.{name}", f"$.Event.UserData.EventXML.{name}.\"#text\"",
               f"$.winlog.user_data.{name}", f"$.UserData.EventXML.{name}", f"$.{name}")
    xml = _unxml(f"regexp_extract(xml, '<{name}>([^<]*)</{name}>', 1)")
    return f"COALESCE(CASE WHEN js IS NOT NULL THEN {paths} END, {xml})"


def _label(key: str) -> str:
    return f"(?:{_LABELS[key]})[ \\t]*[:：]"


def _msg(key: str, after: str | None = None) -> str:
    """The value after a label in the rendered message (after the section `after` when given)."""
    lead = f"{_label(after)}.*?" if after else ""
    return f"nullif(trim(regexp_extract(msg, '(?s){lead}{_label(key)}[ \\t]*([^\\r\\n]*)', 1)), '')"


def _section_value(key: str) -> str:
    whens = " ".join(f"WHEN '{eid}' THEN {_msg(key, section)}" for eid, section in _SECTIONS.items())
    return f"CASE event_id {whens} END"


def _col(*names: str) -> str:
    return "COALESCE(" + ", ".join(f"list_position(names, '{n}')" for n in names) + ")"


# python-evtx through xmltodict (and similar XML-to-JSON tools) keep EventData as a list of named Data elements:
# [{"@Name": "TargetUserName", "#text": "alice"}, ...] -> a list of {n, v}.
_DATA_LIST = """CASE WHEN json_type(js, '$.Event.EventData.Data') = 'ARRAY' THEN list_transform(
    from_json(json_extract(js, '$.Event.EventData.Data'),
              '[{"@Name": "VARCHAR", "Name": "VARCHAR", "#text": "VARCHAR", "text": "VARCHAR", '
              '"#attributes": {"Name": "VARCHAR"}}]'),
    lambda d: {'n': COALESCE(d."@Name", d.Name, d."#attributes".Name), 'v': COALESCE(d."#text", d.text)}) END"""


# Logon types of a Remote Desktop logon: 10 RemoteInteractive and 12 CachedRemoteInteractive ("same as
# RemoteInteractive", Microsoft's logon-type table: RDP with cached credentials, e.g. a Microsoft account).
_REMOTE = "('10', '12')"


def _logon_type(text: str) -> str:
    """The logon type number of a field or message value: '10', or a name as tools spell it out."""
    return (f"CASE WHEN regexp_matches({text}, '(?i)^\\s*cached\\s*remote\\s*interactive') THEN '12' "
            f"WHEN regexp_matches({text}, '(?i)^\\s*remote\\s*interactive') THEN '10' "
            f"WHEN regexp_matches({text}, '(?i)^\\s*network\\b') THEN '3' "
            f"ELSE nullif(regexp_extract({text}, '^\\s*(\\d+)', 1), '') END")


# The first line of a record in the text forms: Event Viewer's "Copy details as text" ('Log Name:      Security'),
# Splunk's classic WinEventLog (its date line, or 'LogName=' where there is none before it)
_SPLUNK_DATE = "^(?:Date=)?(\\d{1,2}/\\d{1,2}/\\d{4} \\d{1,2}:\\d{2}:\\d{2}(?: ?[AaPp][Mm])?)\\s*$"
_TEXT_START = "^(?:Log Name:\\s|LogName=|" + _SPLUNK_DATE.removeprefix("^") + ")"

# 4625's FailureReason in the XML and JSON forms is an insertion string (msobjs.dll); Event Viewer renders it as
# these sentences, which the text and CSV exports already carry.
_FAILURE_REASONS = {
    "%%2304": "An Error occured during Logon.", "%%2305": "The specified user account has expired.",
    "%%2306": "The NetLogon component is not active.", "%%2307": "Account locked out.",
    "%%2308": "The user has not been granted the requested logon type at this machine.",
    "%%2309": "The specified account's password has expired.", "%%2310": "Account currently disabled.",
    "%%2311": "Account logon time restriction violation.", "%%2312": "User not allowed to logon at this computer.",
    "%%2313": "Unknown user name or bad password.",
}


def _failure_reason(column: str) -> str:
    """`column` with a FailureReason insertion string replaced by the sentence Windows shows for it."""
    cases = " ".join(f"WHEN '{code}' THEN '{text.replace(chr(39), chr(39) * 2)}'"
                     for code, text in _FAILURE_REASONS.items())
    return f"CASE trim({column}) {cases} ELSE {column} END"


TAB = "\\t"  # the delimiter of Event Viewer's text export, as a regular-expression escape


def query(lines: str) -> str:
    _PATHS.clear()
    sql = f"""
WITH q0 AS (
    -- (a JSON record may come behind a syslog relay's header: NXLog or rsyslog forwarding Winlogbeat's or its own JSON)
    SELECT line_no, is_last, line, {json_record_text('line')} IS NOT NULL AS json_line,
           -- XML: Event Viewer's "Save All Events As... XML", wevtutil qe /f:xml, Splunk's XmlWinEventLog
           regexp_matches(line, '^\\s*(?:<\\?xml|</?Events?[\\s>/])')
               -- an event relayed by a syslog forwarder (NXLog, rsyslog) keeps the header before its XML
               -- ('2025-02-01T23:30:33+08:00 HOST <Event xmlns=...>...</Event>')
               OR (contains(line, '<Event ') AND contains(line, '</Event>')
                   AND NOT regexp_matches(line, '^\\s*\\[?\\s*\\{{')) AS xml_line
    FROM {lines}
), q AS (
    SELECT *, CASE WHEN json_line OR xml_line THEN 0 ELSE length(line) - length(replace(line, '"', '')) END AS nq,
           -- the text forms, one field per line and the message after them: Event Viewer's "Copy details as text"
           -- ('Log Name:      Security' ... 'Description:') and Splunk's classic WinEventLog (a date line, then
           -- 'LogName=Security' ... 'Message='); a record starts at its first line
           regexp_matches(line, '{_TEXT_START}') AND NOT regexp_matches(COALESCE(lag(line) OVER (), ''),
                                                                     '{_SPLUNK_DATE}') AS text_start
    FROM q0
), g0 AS (
    -- a CSV record starts where the quotes before the line are balanced. The windows have no ORDER BY: lines
    -- arrive in file order and DuckDB streams a running sum over them (an ORDER BY would hold the whole file).
    SELECT *, sum(CASE WHEN (running - nq) % 2 = 0 THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING) AS rec
    FROM (SELECT *, sum(nq) OVER (ROWS UNBOUNDED PRECEDING) AS running FROM q)
), g AS (
    -- a file in a text form (told by its first lines) is grouped at its records' first lines instead
    SELECT * REPLACE (CASE WHEN text_form THEN trec ELSE rec END AS rec)
    FROM (SELECT *, sum(CASE WHEN text_start THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING) AS trec FROM g0)
         CROSS JOIN (SELECT COALESCE(bool_or(regexp_matches(line, '{_TEXT_START}')), FALSE) AS text_form
                     FROM (SELECT line FROM {lines} LIMIT 50))
), rec AS (
    -- JSON lines are records by themselves, each <Event> of an XML line one (several may share a line); only
    -- CSV lines are grouped into records
    SELECT line_no, line_no AS end_no, is_last AS has_last, line AS text, 'json' AS shape FROM g WHERE json_line
    UNION ALL
    SELECT line_no, line_no, is_last, unnest(CASE WHEN len(ev) = 0 THEN [''] ELSE ev END), 'xml'
    FROM (SELECT *, regexp_extract_all(line, '<Event[\\s>].*?</Event>') AS ev FROM g WHERE xml_line)
    UNION ALL
    SELECT min(line_no), max(line_no), bool_or(is_last), string_agg(line, chr(10) ORDER BY line_no),
           CASE WHEN any_value(text_form) THEN 'text' ELSE 'csv' END
    FROM g WHERE NOT json_line AND NOT xml_line GROUP BY rec
), hdr AS (
    -- Event Viewer's "Save All Events As... Text (Tab delimited)" is the CSV with tabs
    SELECT CASE WHEN tab THEN {header_names('text', TAB)} ELSE {header_names('text')} END AS names,
           line_no AS hdr_line, tab
    FROM (SELECT *, contains(text, chr(9)) AND NOT contains(text, ',') AS tab FROM rec
          WHERE shape = 'csv' AND line_no <= 50
            AND regexp_matches(lower(text), '(?:^|[,\\t])"?(?:event id|id|eventid|事件識別碼)"?(?:[,\\t]|$)'))
    ORDER BY line_no LIMIT 1
), r AS (
    SELECT rec.line_no, rec.text,
           CASE WHEN rec.shape = 'json' THEN {json_record_text('rec.text')} END AS o,
           CASE WHEN rec.shape = 'csv' AND h.names IS NOT NULL AND h.tab THEN {csv_fields('rec.text', TAB)}
                WHEN rec.shape = 'csv' AND h.names IS NOT NULL THEN {csv_fields('rec.text')} END AS f,
           CASE WHEN rec.shape = 'xml' AND rec.text <> '' THEN rec.text END AS xml, rec.shape = 'xml' AS is_xml,
           CASE WHEN rec.shape = 'text' AND regexp_matches(rec.text, '(?m){_TEXT_START}') THEN rec.text END AS tx,
           h.names, rec.line_no = h.hdr_line AS is_header
    FROM rec LEFT JOIN hdr h ON TRUE
), x AS (
    SELECT line_no, text, names,
           -- a document exported from Elasticsearch/OpenSearch (Winlogbeat's events as searched) holds the event in
           -- _source
           CASE WHEN json_valid(o) THEN CASE WHEN contains(o, '"_source"') AND json_type(o, '$._source') = 'OBJECT'
                                             THEN CAST(json_extract(o, '$._source') AS VARCHAR) ELSE o END END AS js,
           o IS NOT NULL AND NOT json_valid(o) AS bad_json, f, xml, is_xml, tx,
           COALESCE(is_header, FALSE) AS is_header
    FROM r
), xe AS (
    -- Eric Zimmerman's EvtxECmd (KAPE's event log module), as CSV or JSON: its own columns (RecordNumber, TimeCreated
    -- in UTC, EventId, Computer, MapDescription, PayloadData1-6, ...) and the event's own EventData or UserData as
    -- JSON text in Payload ({{"EventData": {{"Data": [{{"@Name": ..., "#text": ...}}]}}}}): rebuilt as an EVTX record
    -- in JSON (Event.System, Event.EventData) and read as one
    SELECT * EXCLUDE (ez, ez_id, ez_computer, ez_time, ez_payload, ez_csv, ez_json, ez_text)
             REPLACE (CASE WHEN ez THEN NULL ELSE f END AS f,
                      CASE WHEN ez THEN json_object('Event', json_object(
                               'System', json_object('EventID', ez_id, 'Computer', ez_computer,
                                                     'TimeCreated', json_object('@SystemTime', ez_time)),
                               'EventData', json_extract(ez_payload, '$.EventData'),
                               'UserData', json_extract(ez_payload, '$.UserData')))::VARCHAR
                           ELSE js END AS js)
    FROM (SELECT *, ez_payload IS NOT NULL AND ez_id IS NOT NULL AS ez
          FROM (SELECT *,
                       CASE WHEN ez_csv THEN {csv_at('f', "list_position(names, 'eventid')")}
                            WHEN ez_json THEN json_extract_string(js, '$.EventId') END AS ez_id,
                       CASE WHEN ez_csv THEN {csv_at('f', "list_position(names, 'computer')")}
                            WHEN ez_json THEN json_extract_string(js, '$.Computer') END AS ez_computer,
                       -- the CSV's TimeCreated is UTC written without a zone ('2026-11-02 00:15:02.1234567'), the
                       -- JSON's has its offset
                       CASE WHEN ez_csv THEN {csv_at('f', "list_position(names, 'timecreated')")}
                            WHEN ez_json THEN json_extract_string(js, '$.TimeCreated') END AS ez_time,
                       CASE WHEN json_valid(ez_text) AND json_type(ez_text) = 'OBJECT' THEN ez_text END AS ez_payload
                FROM (SELECT *,
                             CASE WHEN ez_csv THEN {csv_at('f', "list_position(names, 'payload')")}
                                  WHEN ez_json AND json_type(js, '$.Payload') = 'VARCHAR'
                                  THEN json_extract_string(js, '$.Payload') END AS ez_text
                      FROM (SELECT *,
                                   f IS NOT NULL AND NOT is_header AND list_position(names, 'payloaddata1') > 0
                                       AS ez_csv,
                                   js IS NOT NULL AND contains(js, '"PayloadData1"') AS ez_json
                            FROM x))))
), xd AS (
    -- Sentinel's SecurityEvent keeps the event's EventData as XML text too (a CSV column or a JSON string): a
    -- field the row has no column for is read from it
    SELECT * REPLACE (COALESCE(xml, CASE WHEN f IS NOT NULL THEN {csv_at('f', "list_position(names, 'eventdata')")}
                                    END,
                               CASE WHEN json_type(js, '$.EventData') = 'VARCHAR'
                                    THEN json_extract_string(js, '$.EventData') END) AS xml),
           {_DATA_LIST} AS data_list, CASE WHEN js IS NOT NULL THEN __JV__ END AS jv
    FROM xe
), y AS (
    SELECT *,
        -- Remote Desktop session events of the TerminalServices-LocalSessionManager/Operational log
        contains(text, 'TerminalServices-LocalSessionManager') AS lsm,
        -- (Velociraptor's parse_evtx: System at the top, EventID.Value; Winlogbeat 6: event_id at the top)
        CASE WHEN js IS NOT NULL THEN {_j('$.Event.System.EventID."#text"', '$.Event.System.EventID',
                                          '$.winlog.event_id', '$.event.code', '$.EventID', '$.EventId', '$.Id',
                                          '$.System.EventID.Value', '$.System.EventID', '$.event_id',
                                          '$.data.win.system.eventID', '$.win.system.eventID')}
             WHEN f IS NOT NULL AND NOT is_header THEN {csv_at('f', _col('event id', 'id', 'eventid', '事件識別碼'))}
             WHEN xml IS NOT NULL THEN nullif(regexp_extract(xml, '<EventID[^>]*>\\s*(\\d+)\\s*<', 1), '')
             WHEN tx IS NOT NULL THEN nullif(regexp_extract(tx, '(?m)^(?:Event ID:[ \\t]*|EventCode=)(\\d+)', 1), '')
        END AS event_id,
        -- times that are UTC by definition even when written without a zone: the record's SystemTime
        -- (python-evtx writes '2026-11-02 00:15:02.123456'), a shipper's @timestamp, Log Analytics' TimeGenerated
        CASE WHEN js IS NOT NULL THEN {_j('$.Event.System.TimeCreated."#attributes".SystemTime',
                                          '$.Event.System.TimeCreated."@SystemTime"',
                                          '$.Event.System.TimeCreated.SystemTime', '$."@timestamp"',
                                          '$.TimeGenerated', '$.System.TimeCreated.SystemTime',
                                          '$.data.win.system.systemTime', '$.win.system.systemTime')}
             WHEN f IS NOT NULL THEN {csv_at('f', _col('timegenerated [utc]', 'timegenerated (utc)'))}
             WHEN xml IS NOT NULL THEN nullif(regexp_extract(xml, 'SystemTime\\s*=\\s*[''"]([^''"]+)', 1), '')
        END AS t_sys,
        CASE WHEN js IS NOT NULL THEN {_j('$.TimeCreated', '$.EventTime')}
             WHEN f IS NOT NULL THEN {csv_at('f', _col('date and time', '日期和時間', 'timecreated', 'time created',
                                                        'timegenerated'))}
             WHEN tx IS NOT NULL THEN COALESCE(nullif(trim(regexp_extract(tx, '(?m)^Date:[ \\t]*([^\\r\\n]+)', 1)), ''),
                                               nullif(regexp_extract(tx, '(?m){_SPLUNK_DATE}', 1), '')) END AS t_wall,
        CASE WHEN js IS NOT NULL THEN {_j('$.Event.System.Computer', '$.data.win.system.computer',
                                          '$.win.system.computer', '$.winlog.computer_name', '$.host.name',
                                          '$.Hostname', '$.Computer', '$.MachineName', '$.System.Computer',
                                          '$.computer_name')}
             WHEN f IS NOT NULL THEN {csv_at('f', _col('machinename', 'computer', '電腦'))}
             WHEN xml IS NOT NULL THEN {_unxml("regexp_extract(xml, '<Computer>([^<]*)</Computer>', 1)")}
             WHEN tx IS NOT NULL
                 THEN nullif(regexp_extract(tx, '(?m)^(?:Computer:[ \\t]*|ComputerName=)([^\\s]+)', 1), '')
        END AS computer,
        -- the rendered message: the Message column, or Event Viewer's unnamed column after the header's last
        CASE WHEN f IS NOT NULL THEN COALESCE({csv_at('f', _col('message', '訊息'))},
                                              {csv_at('f', 'len(names) + 1')})
             WHEN js IS NOT NULL THEN {_j('$.Message')}  -- ConvertTo-Json
             WHEN xml IS NOT NULL THEN {_unxml("regexp_extract(xml, '(?s)<Message>(.*?)</Message>', 1)")}
             -- the message after the fields (the header's 'User: N/A' is not the session's user)
             WHEN tx IS NOT NULL THEN regexp_extract(tx, '(?s)(?:^|\\n)(?:Description:|Message=)(.*)$', 1)
        END AS msg
    FROM xd
), z0 AS (
    SELECT line_no, text, bad_json, is_header, js IS NOT NULL AS is_json,
           f IS NOT NULL OR tx IS NOT NULL AS is_csv, is_xml, lsm,
           event_id,
           COALESCE(t_sys, t_wall) AS t, t_sys IS NOT NULL AS t_utc, computer,
        -- JSON fields where the shape has them, CSV columns named as them (Sentinel), the EventData of XML; else
        -- the rendered message (Event Viewer's CSV, Export-Csv, PowerShell's ConvertTo-Json)
        COALESCE(CASE WHEN lsm THEN COALESCE({_user_data('User')}, {_msg('lsm_user')}) END,
                 CASE WHEN js IS NOT NULL THEN {_data('TargetUserName', 'AccountName')}
                      WHEN f IS NOT NULL THEN {_csv('TargetUserName', 'AccountName')} END,
                 {_xml('TargetUserName', 'AccountName')},
                 {_section_value('account_name')}) AS usr,
        COALESCE(CASE WHEN js IS NOT NULL THEN {_data('TargetDomainName', 'AccountDomain')}
                      WHEN f IS NOT NULL THEN {_csv('TargetDomainName', 'AccountDomain')} END,
                 {_xml('TargetDomainName', 'AccountDomain')},
                 {_section_value('account_domain')}) AS dom,
        lower(COALESCE(CASE WHEN lsm THEN 'session ' || COALESCE({_user_data('SessionID')}, {_msg('lsm_session')})
                       END,
                       CASE WHEN js IS NOT NULL THEN {_data('TargetLogonId', 'LogonID')}
                            WHEN f IS NOT NULL THEN {_csv('TargetLogonId', 'LogonID')} END,
                       {_xml('TargetLogonId', 'LogonID')}, {_section_value('logon_id')})) AS logon_id,
        -- the number (10), or its name where a tool spells it out (Winlogbeat's winlog.logon.type RemoteInteractive)
        -- (Sentinel's SecurityEvent also has LogonTypeName, '10 - RemoteInteractive')
        COALESCE(CASE WHEN js IS NOT NULL THEN COALESCE({_data('LogonType', 'LogonTypeName')},
                                                        {_j('$.winlog.logon.type')})
                      WHEN f IS NOT NULL THEN {_csv('LogonType', 'LogonTypeName')} END,
                 {_xml('LogonType')}, {_msg('logon_type')}, '') AS logon_type_text,
        COALESCE(CASE WHEN lsm THEN COALESCE({_user_data('Address')}, {_msg('source_address')}) END,
                 CASE WHEN js IS NOT NULL THEN {_data('IpAddress', 'ClientAddress')}
                      WHEN f IS NOT NULL THEN {_csv('IpAddress', 'ClientAddress')} END,
                 {_xml('IpAddress', 'ClientAddress')},
                 {_msg('source_address')}, {_msg('client_address')}) AS ip,
        COALESCE(CASE WHEN js IS NOT NULL THEN {_data('SessionName')}
                      WHEN f IS NOT NULL THEN {_csv('SessionName')} END,
                 {_xml('SessionName')}, {_msg('session_name')}) AS ws_session,
        COALESCE(CASE WHEN js IS NOT NULL THEN COALESCE({_data('FailureReason')}, {_data('Status')})
                      WHEN f IS NOT NULL THEN {_csv('FailureReason', 'Status')} END,
                 {_xml('FailureReason', 'Status')},
                 {_msg('failure_reason')}, {_msg('status')}) AS failure0
    FROM y
), z AS (
    SELECT * EXCLUDE (logon_type_text, failure0), {_logon_type('logon_type_text')} AS logon_type,
           {_failure_reason('failure0')} AS failure
    FROM z0
), starts AS (
    SELECT DISTINCT computer, logon_id FROM z WHERE event_id = '4624' AND logon_type IN {_REMOTE}
), lsm_starts AS (
    SELECT DISTINCT computer, logon_id FROM z
    WHERE lsm AND event_id IN ('21', '25') AND COALESCE(ip, 'LOCAL') NOT IN ('LOCAL', '')
), k AS (
    SELECT z.*,
        CASE -- LocalSessionManager: 21 logon and 25 reconnection from a remote address start a connection; 24
             -- disconnection and 23 logoff end one of a session some remote start in the files opened
             WHEN z.lsm AND z.event_id IN ('21', '25') AND COALESCE(z.ip, 'LOCAL') NOT IN ('LOCAL', '')
                 THEN 'session_start'
             WHEN z.lsm AND z.event_id IN ('23', '24') AND ls.logon_id IS NOT NULL THEN 'session_end'
             WHEN z.lsm THEN NULL
             WHEN z.event_id = '4624' AND z.logon_type IN {_REMOTE} THEN 'session_start'
             WHEN z.event_id = '4634' AND z.logon_type IN {_REMOTE} THEN 'session_end'
             WHEN z.event_id = '4647' AND s.logon_id IS NOT NULL THEN 'session_end'
             WHEN z.event_id = '4625' THEN 'login_failed'
             -- a Remote Desktop session's window station: reconnected (a new connection, perhaps from another
             -- address, to the same logon) or disconnected (the connection ends; the logon may stay)
             WHEN z.event_id IN {_WINDOW_STATION} AND (upper(COALESCE(z.ws_session, '')) LIKE 'RDP%'
                  OR COALESCE(z.ip, 'LOCAL') NOT IN ('LOCAL', 'Unknown', '-', ''))
                 THEN CASE z.event_id WHEN '4778' THEN 'session_start' ELSE 'session_end' END
        END AS kind,
        regexp_matches(COALESCE(z.t, ''), '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$') AS t_zoned,
        -- Windows PowerShell 5.1's ConvertTo-Json writes times as /Date(milliseconds since 1970)/
        TRY_CAST(nullif(regexp_extract(COALESCE(z.t, ''), '^/?Date\\((\\d+)', 1), '') AS BIGINT) AS t_ms,
        -- Velociraptor writes SystemTime as seconds since 1970 with a fraction; other tools an epoch in s, ms, us or
        -- ns (told apart by magnitude, sqlkit.epoch_ts)
        CASE WHEN regexp_matches(COALESCE(z.t, ''), '^\\d{{9,10}}\\.\\d+$')
                 THEN make_timestamp(CAST(round(TRY_CAST(z.t AS DOUBLE) * 1000000) AS BIGINT))
             WHEN regexp_matches(COALESCE(z.t, ''), '^\\d{{9,19}}$') THEN epoch_ts(TRY_CAST(z.t AS BIGINT)) END
            AS t_epoch
    FROM z LEFT JOIN starts s ON z.event_id = '4647' AND s.logon_id = z.logon_id
                             AND s.computer IS NOT DISTINCT FROM z.computer
           LEFT JOIN lsm_starts ls ON z.lsm AND z.event_id IN ('23', '24') AND ls.logon_id = z.logon_id
                                  AND ls.computer IS NOT DISTINCT FROM z.computer
)
SELECT line_no, FALSE AS is_last,
       kind IS NOT NULL OR bad_json AS relevant,
       CASE WHEN bad_json THEN 'not valid JSON (one event per line expected)'
            WHEN kind IS NULL THEN NULL
            WHEN t_ms IS NULL AND t_epoch IS NULL AND ((t_zoned AND TRY_CAST(t AS TIMESTAMPTZ) IS NULL)
                                   OR (NOT t_zoned AND {culture_time('t', 'auto')} IS NULL)) THEN 'no readable time'
            WHEN nullif(usr, '-') IS NULL THEN 'no account name'
            WHEN kind <> 'login_failed' AND nullif(logon_id, '-') IS NULL THEN 'no logon ID'
       END AS problem,
       NOT is_json AND NOT is_csv AND NOT is_xml AND NOT bad_json AND NOT is_header AND trim(text) <> ''
           AS not_source,
       kind,
       CASE WHEN t_ms IS NOT NULL THEN make_timestamp(t_ms * 1000)
            WHEN t_epoch IS NOT NULL THEN t_epoch
            WHEN t_zoned THEN CAST(TRY_CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
       CASE WHEN NOT t_zoned AND t_ms IS NULL AND t_epoch IS NULL THEN {culture_time('t', 'auto')} END
           AS ts_local,
       CASE WHEN NOT t_zoned AND t_ms IS NULL AND t_epoch IS NULL AND t_utc THEN 0 END AS tz_offset_min,
       CASE WHEN NOT t_zoned AND t_ms IS NULL AND t_epoch IS NULL AND t_utc
            THEN 'UTC (the record''s SystemTime or TimeGenerated)'
       END AS tz_text,
       CASE WHEN nullif(dom, '-') IS NOT NULL AND NOT contains(usr, '@') THEN dom || '\\' || usr ELSE usr END
           AS account,
       -- an IPv4 address as Windows often logs it, mapped into IPv6 ('::ffff:203.0.113.7'), is the IPv4 address
       CASE WHEN ip IN ('-', '::1', '127.0.0.1', 'LOCAL', 'Unknown', '::ffff:127.0.0.1') THEN NULL
            -- a link-local IPv6 address with its zone index (fe80::1%12): the address
            ELSE regexp_replace(regexp_replace(ip, '^::ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$', '\\1'),
                                '%[0-9A-Za-z]+$', '')
       END AS source_ip,
       CAST(NULL AS VARCHAR) AS assigned_ip,
       CASE WHEN kind IN ('session_start', 'session_end') THEN concat_ws('|', 'win', lower(computer), logon_id) END
           AS session_key,
       'rdp_direct' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, computer AS gateway_id,
       CAST(NULL AS BIGINT) AS duration_s,
       CASE WHEN kind = 'login_failed' THEN concat_ws('; ', failure, 'logon type ' || logon_type)
            WHEN lsm AND event_id = '21' THEN 'session logon (21)' WHEN lsm AND event_id = '25' THEN 'reconnected (25)'
            WHEN lsm AND event_id = '24' THEN 'disconnected (24)' WHEN lsm AND event_id = '23' THEN 'logged off (23)'
            WHEN event_id = '4778' THEN 'reconnected (4778)' WHEN event_id = '4779' THEN 'disconnected (4779)'
            WHEN kind = 'session_end' THEN 'logged off (' || event_id || ')' END AS reason,
       CASE WHEN NOT t_zoned AND t_ms IS NULL AND t_epoch IS NULL AND {date_shape('t')} IS NOT NULL THEN t END
           AS date_text
FROM k
WHERE kind IS NOT NULL OR bad_json OR NOT (is_json OR is_csv OR is_xml OR is_header)
UNION ALL
-- the file's last line, for the line count (a record's row carries its first line)
SELECT end_no, TRUE, FALSE, NULL, FALSE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL
FROM rec WHERE has_last
"""
    return sql.replace("__JV__", "json_extract_string(js, [" + ", ".join(sql_str(p) for p in _PATHS) + "])")


SOURCE = RawSource(
    id="windows-security",
    vendor="Microsoft",
    product="Windows Security log: Remote Desktop logons 4624 (type 10), log-offs 4634/4647, failures 4625",
    expects=("The Security log of each Remote Desktop host (audit policy Logon/Logoff: Audit Logon and Audit "
             "Logoff, success and failure): the .evtx file itself (Event Viewer > Save All Events As... .evtx); "
             "Event Viewer's CSV or XML (Save All Events As...) in English or Traditional Chinese; wevtutil qe /f:xml; "
             "Get-WinEvent "
             "-FilterHashtable @{LogName='Security'; Id=4624,4625,4634,4647} | Export-Csv or ConvertTo-Json; JSON "
             "from the .evtx (evtx_dump -o jsonl or -o json, python-evtx) or a shipper (Winlogbeat, NXLog to_json); "
             "or Microsoft Sentinel SecurityEvent exported as JSON or CSV. UTF-8, UTF-16 or Big5. The "
             "TerminalServices-LocalSessionManager/Operational log (events 21, 23, 24, 25) in the same forms (given "
             "with the Security log, each connection is counted once). Also Event Viewer's Copy details as text, "
             "Splunk's classic WinEventLog, Velociraptor parse_evtx, EvtxECmd (CSV or --json). Dates like "
             "05/03/2026 are read in the order the "
             "file's own dates settle, else --date-order dmy|mdy (evidence.yaml date_order)."),
    sample=('{"Event": {"System": {"EventID": 4624, "TimeCreated": {"#attributes": {"SystemTime": '
            '"2026-11-02T00:15:02.123456Z"}}, "Computer": "TS01.corp.example.com", "Channel": "Security"}, '
            '"EventData": {"TargetUserName": "alice", "TargetDomainName": "CORP", "TargetLogonId": "0x1a2b3c", '
            '"LogonType": 10, "IpAddress": "203.0.113.7", "IpPort": "51234"}}}'),
    detect=(r"(?:\"EventID\"\s*:\s*[{\"\d]|\"event_id\"\s*:|\"Id\"\s*:\s*\d+\s*[,}]|Microsoft-Windows-Security-Auditing|"
            r"\"EventData\"\s*:|"
            # Event Viewer's CSV header in English or Traditional Chinese; Get-WinEvent | Export-Csv (with
            # Windows PowerShell's '#TYPE' line); a Log Analytics / Sentinel SecurityEvent export
            r"^\x{FEFF}?\"?(?:Keywords|Level|關鍵字|層級)\"?[,\t]\"?(?:Date and Time|日期和時間)|^\"Message\",\"Id\",|"
            r"^#TYPE System\.Diagnostics\.Eventing|^\"?TimeGenerated \[UTC\]\"?,.*EventID|"
            r"^(?:Audit Success|Audit Failure|稽核成功|稽核失敗|Information|資訊)[,\t]|"
            r"An account (?:was successfully logged on|was logged off|failed to log on)|User initiated logoff|"
            r"帳戶成功登入|帳戶已登出|帳戶無法登入|使用者起始登出|使用者起始的登出|"
            r"TerminalServices-LocalSessionManager|^(?:User|Session ID|使用者|工作階段識別碼)\s*[:：]|"
            # Event Viewer's "Copy details as text" and Splunk's classic WinEventLog: one field per line
            r"^(?:Log Name|Source|Date|Event ID|Task Category|Level|Keywords|User|Computer|Description|OpCode)"
            r":(?:\s|$)|"
            r"^(?:LogName|SourceName|EventCode|EventType|Type|ComputerName|TaskCategory|OpCode|RecordNumber|Keywords|"
            r"Message|Sid|SidType)=|^(?:Date=)?\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}(?: ?[AaPp][Mm])?\s*$|"
            # the rendered message's lines in the CSV forms: '\tAccount Name:\t\talice', 'New Logon:', '\t帳戶名稱:'
            r"^\t[A-Za-z][A-Za-z ()-]*:|^[A-Z][A-Za-z ]*:\s*$|"
            r"^\t?[^\t:：,\x{22}]{2,20}[:：]\t|^[^\t:：,\x{22}]{2,10}[:：]\s*$)"),
    query=query,
    local_dates=True,
)
