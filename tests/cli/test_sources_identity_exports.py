"""`ccaudit sources parse` on Windows Security and Entra ID exports as firms hand them in: a Traditional Chinese
Windows' Event Viewer CSV (Chinese headers and message labels, `2026/3/5 下午 02:03:04`), saved as UTF-16, Big5 or
UTF-8 with a BOM; Get-WinEvent | Export-Csv from Windows PowerShell 5.1 (a '#TYPE' line, UTF-16); python-evtx JSON
(Data elements named by '@Name', SystemTime without a zone); Microsoft Sentinel / Log Analytics SecurityEvent and
SigninLogs exports (JSON and the portal's CSV with 'TimeGenerated [UTC]'); Entra's portal CSV in English and
Chinese; a Graph page. Samples are written from the documented field names and formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import ccaudit


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, name: str, data: bytes, source: str = "auto", *args: str) -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, path, "--out", out, *args)
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    return _rows(out / "remote_access_events.csv"), _rows(out / "remote_sessions.csv"), report


def _q(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


# --- Windows Security: Event Viewer on a Traditional Chinese Windows -----------------------------------------------

def _zh_logon(user: str, logon_id: str, logon_type: str, address: str) -> str:
    return ("帳戶成功登入。\n\n主旨:\n\t安全性識別碼:\t\tSYSTEM\n\t帳戶名稱:\t\tTS01$\n\t帳戶網域:\t\tCORP\n"
            "\t登入識別碼:\t\t0x3E7\n\n登入資訊:\n\t登入類型:\t\t" + logon_type + "\n\t受限制的管理模式:\t否\n\n"
            "新登入:\n\t安全性識別碼:\t\tCORP\\" + user + "\n\t帳戶名稱:\t\t" + user + "\n\t帳戶網域:\t\tCORP\n"
            "\t登入識別碼:\t\t" + logon_id + "\n\t連結的登入識別碼:\t\t0x0\n\n網路資訊:\n\t工作站名稱:\tNB-0042\n"
            "\t來源網路位址:\t" + address + "\n\t來源連接埠:\t\t0\n\n詳細驗證資訊:\n\t登入處理程序:\t\tUser32")


ZH_LOGOFF = ("帳戶已登出。\n\n主旨:\n\t安全性識別碼:\t\tCORP\\王小明\n\t帳戶名稱:\t\t王小明\n\t帳戶網域:\t\tCORP\n"
             "\t登入識別碼:\t\t0x1A2B3C\n\n登入類型:\t\t\t10\n\n當登入工作階段被終結時，就會產生這個事件。")
ZH_FAILED = ("帳戶無法登入。\n\n主旨:\n\t安全性識別碼:\t\tNULL SID\n\t帳戶名稱:\t\t-\n\t帳戶網域:\t\t-\n"
             "\t登入識別碼:\t\t0x0\n\n登入類型:\t\t\t3\n\n登入失敗的帳戶:\n\t安全性識別碼:\t\tNULL SID\n"
             "\t帳戶名稱:\t\twang\n\t帳戶網域:\t\tCORP\n\n失敗資訊:\n\t失敗原因:\t\t不明的使用者名稱或錯誤密碼。\n"
             "\t狀態:\t\t\t0xC000006D\n\t子狀態:\t\t0xC000006A\n\n網路資訊:\n\t來源網路位址:\t198.51.100.9")
ZH_EVENT_VIEWER = "\r\n".join([
    "關鍵字,日期和時間,來源,事件識別碼,工作類別",
    "稽核成功,2026/3/5 下午 02:03:04,Microsoft-Windows-Security-Auditing,4624,登入,"
    + _q(_zh_logon("王小明", "0x1A2B3C", "10", "203.0.113.7")),
    "稽核失敗,2026/3/5 下午 02:01:00,Microsoft-Windows-Security-Auditing,4625,登入," + _q(ZH_FAILED),
    "稽核成功,2026/3/5 下午 05:30:00,Microsoft-Windows-Security-Auditing,4634,登出," + _q(ZH_LOGOFF),
    # a network logon (type 3): not a Remote Desktop session
    "稽核成功,2026/3/5 上午 09:00:00,Microsoft-Windows-Security-Auditing,4624,登入,"
    + _q(_zh_logon("svc_backup", "0x99", "3", "10.0.0.5")),
]) + "\r\n"


@pytest.mark.parametrize(("encoding", "data"), [
    ("utf-16", b"\xff\xfe" + ZH_EVENT_VIEWER.encode("utf-16-le")),
    ("cp950", ZH_EVENT_VIEWER.encode("cp950")),
    ("utf-8", b"\xef\xbb\xbf" + ZH_EVENT_VIEWER.encode()),
])
def test_zh_tw_event_viewer_csv_in_each_encoding_windows_saves(tmp_path: Path, encoding: str, data: bytes) -> None:
    events, sessions, report = _parse(tmp_path, "安全性.csv", data, "auto", "--gateway", "TS01")
    assert report["sources"] == ["windows-security"]
    assert report["files"][0]["encoding"] == encoding
    (s,) = sessions
    assert (s["account"], s["person_id"], s["source_ip"], s["gateway_id"]) == (
        "CORP\\王小明", "王小明", "203.0.113.7", "TS01")
    assert (s["start_time"], s["end_time"]) == ("2026-03-05T14:03:04+08:00", "2026-03-05T17:30:00+08:00")
    (failed,) = [e for e in events if e["kind"] == "login_failed"]
    assert (failed["account"], failed["source_ip"], failed["event_time"]) == (
        "CORP\\wang", "198.51.100.9", "2026-03-05T14:01:00+08:00")
    assert failed["reason"] == "不明的使用者名稱或錯誤密碼。; logon type 3"


def _en_logon(user: str, logon_id: str, address: str) -> str:
    return ("An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n"
            "\tAccount Name:\t\tTS06$\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x3E7\r\n\r\n"
            "Logon Information:\r\n\tLogon Type:\t\t10\r\n\r\nNew Logon:\r\n\tSecurity ID:\t\tCORP\\" + user
            + "\r\n\tAccount Name:\t\t" + user
            + "\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t" + logon_id + "\r\n\r\nNetwork Information:\r\n"
            "\tWorkstation Name:\tNB-1\r\n\tSource Network Address:\t" + address + "\r\n\tSource Port:\t\t0")


def test_get_winevent_export_csv_from_windows_powershell_in_utf16(tmp_path: Path) -> None:
    # Windows PowerShell 5.1: `Get-WinEvent ... | Export-Csv -Encoding Unicode` writes '#TYPE' first
    cells = [_en_logon("dave", "0x8888", "203.0.113.99"), "4624", "2", "", "0", "12544", "0", "-9214364837600034816",
             "5001", "Microsoft-Windows-Security-Auditing", "54849625-5478-4994-a5ba-3e3b0328c30d", "Security", "700",
             "800", "TS06.corp.example.com", "", "3/5/2026 2:03:04 PM", "", "", "Security", "System.UInt32[]",
             "System.Diagnostics.Eventing.Reader.EventBookmark", "Information", "Info", "Logon", "", ""]
    text = "\r\n".join([
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord",
        '"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId","ProviderName",'
        '"ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId","TimeCreated","ActivityId",'
        '"RelatedActivityId","ContainerLog","MatchedQueryIds","Bookmark","LevelDisplayName","OpcodeDisplayName",'
        '"TaskDisplayName","KeywordsDisplayNames","Properties"',
        ",".join(_q(c) for c in cells)]) + "\r\n"
    _, sessions, report = _parse(tmp_path, "rdp.csv", b"\xff\xfe" + text.encode("utf-16-le"), "auto",
                                 "--date-order", "mdy")  # 3/5/2026 alone: March or May?
    assert (report["sources"], report["files"][0]["encoding"]) == (["windows-security"], "utf-16")
    (s,) = sessions
    assert (s["account"], s["gateway_id"], s["start_time"], s["end_time"]) == (
        "CORP\\dave", "TS06.corp.example.com", "2026-03-05T14:03:04+08:00", "")


def _pyevtx(event_id: int, when: str, data: dict[str, str]) -> str:
    """python-evtx's XML through xmltodict: EventID with its Qualifiers, SystemTime in UTC without a zone."""
    return json.dumps({"Event": {
        "@xmlns": "http://schemas.microsoft.com/win/2004/08/events/event",
        "System": {"Provider": {"@Name": "Microsoft-Windows-Security-Auditing"},
                   "EventID": {"@Qualifiers": "", "#text": str(event_id)}, "TimeCreated": {"@SystemTime": when},
                   "Channel": "Security", "Computer": "TS03.corp.example.com"},
        "EventData": {"Data": [{"@Name": k, "#text": v} for k, v in data.items()] + [{"@Name": "IpPort"}]}}})


def test_python_evtx_json_reads_named_data_and_systemtime_as_utc(tmp_path: Path) -> None:
    text = "\n".join([
        _pyevtx(4624, "2026-11-02 00:15:02.123456", {"TargetUserName": "alice", "TargetDomainName": "CORP",
                                                     "TargetLogonId": "0x2b3c4d", "LogonType": "10",
                                                     "IpAddress": "::ffff:203.0.113.7"}),
        _pyevtx(4634, "2026-11-02 09:00:00.000001", {"TargetUserName": "alice", "TargetDomainName": "CORP",
                                                     "TargetLogonId": "0x2b3c4d", "LogonType": "10"}),
    ]) + "\n"
    # the firm's zone is Taipei, but SystemTime is UTC whatever the zone given
    events, sessions, _ = _parse(tmp_path, "security.json", text.encode(), "windows-security", "--tz", "Asia/Taipei")
    (s,) = sessions
    assert (s["account"], s["start_time"], s["end_time"]) == (
        "CORP\\alice", "2026-11-02T08:15:02+08:00", "2026-11-02T17:00:00+08:00")
    assert s["source_ip"] == "203.0.113.7"  # Windows' IPv4-mapped IPv6 form is the IPv4 address
    assert {e["time_zone"] for e in events} == {"stated"}


def test_sentinel_security_event_json_and_log_analytics_csv(tmp_path: Path) -> None:
    rows = [{"TimeGenerated": "2026-11-02T00:20:00.123Z", "Account": "CORP\\bob", "Computer": "TS04.corp.example.com",
             "EventSourceName": "Microsoft-Windows-Security-Auditing", "EventID": 4624, "LogonType": 10,
             "Activity": "4624 - An account was successfully logged on.", "TargetUserName": "bob",
             "TargetDomainName": "CORP", "TargetLogonId": "0x5a5a", "IpAddress": "198.51.100.20",
             "Type": "SecurityEvent"},
            {"TimeGenerated": "2026-11-02T02:20:00Z", "Account": "CORP\\bob", "Computer": "TS04.corp.example.com",
             "EventID": 4634, "LogonType": 10, "TargetUserName": "bob", "TargetDomainName": "CORP",
             "TargetLogonId": "0x5a5a", "Type": "SecurityEvent"}]
    _, sessions, report = _parse(tmp_path, "SecurityEvent.json", json.dumps(rows, indent=2).encode())
    assert report["sources"] == ["windows-security"]
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\bob", "2026-11-02T08:20:00+08:00", "2026-11-02T10:20:00+08:00")]

    # the Log Analytics portal's "Export to CSV": UTC times in the culture's format, fields as columns
    text = "\r\n".join([
        '"TimeGenerated [UTC]",Account,Computer,EventID,Activity,LogonType,TargetUserName,TargetDomainName,'
        'TargetLogonId,IpAddress,FailureReason,Status',
        '"11/2/2026, 12:20:00.123 AM",CORP\\carol,TS05.corp.example.com,4624,"4624 - An account was successfully '
        'logged on.",10,carol,CORP,0x77aa,203.0.113.50,,',
        '"11/2/2026, 1:20:00.000 AM",CORP\\carol,TS05.corp.example.com,4634,"4634 - An account was logged off.",10,'
        'carol,CORP,0x77aa,,,',
        '"11/2/2026, 1:25:00.000 AM",CORP\\eve,TS05.corp.example.com,4625,"4625 - An account failed to log on.",3,'
        'eve,CORP,,198.51.100.66,%%2313,0xc000006d']) + "\r\n"
    (tmp_path / "out").rename(tmp_path / "json-out")
    events, sessions, report = _parse(tmp_path, "securityevent.csv", text.encode("utf-8-sig"), "auto",
                                          "--date-order", "mdy")
    assert report["sources"] == ["windows-security"]
    assert [(s["account"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\carol", "2026-11-02T08:20:00+08:00", "2026-11-02T09:20:00+08:00", "203.0.113.50")]
    (failed,) = [e for e in events if e["kind"] == "login_failed"]
    assert (failed["account"], failed["utc_time"], failed["time_zone"]) == ("CORP\\eve", "2026-11-02T01:25:00Z",
                                                                           "stated")


# --- Entra ID sign-ins ---------------------------------------------------------------------------------------------

# The portal's download (Sign-in logs > Download > CSV), columns as of 2024-2026
ENTRA_HEADER = [
    "Date (UTC)", "Request ID", "User agent", "Correlation ID", "User ID", "User", "Username", "User type",
    "Cross tenant access type", "Incoming token type", "Authentication Protocol", "Unique token identifier",
    "Original transfer method", "Client credential type", "Token Protection - Sign In Session", "Application",
    "Application ID", "Resource", "Resource ID", "Resource tenant ID", "Home tenant ID", "Home tenant name",
    "IP address", "Location", "Status", "Sign-in error code", "Failure reason", "Client app", "Device ID", "Browser",
    "Operating System", "Compliant", "Managed", "Join Type", "Multifactor authentication result",
    "Multifactor authentication auth method", "Multifactor authentication auth detail", "Authentication requirement",
    "Sign-in identifier", "Session ID", "IP address (seen by resource)", "Through Global Secure Access",
    "Global Secure Access IP address", "Autonomous system number", "Flagged for review", "Token issuer type",
    "Token issuer name", "Latency", "Conditional Access", "Managed Identity type"]


def _entra_row(n: int, **cells: str) -> str:
    row = dict.fromkeys(ENTRA_HEADER, "")
    row.update({"Request ID": f"{n:08x}-0f6d-4a9b-8c7e-1d2f3a4b5c6d", "Application": "GlobalProtect VPN"})
    row.update({k.replace("_", " "): v for k, v in cells.items()})
    return ",".join(_q(v) if "," in v else v for v in row.values())


def test_entra_portal_csv_download(tmp_path: Path) -> None:
    text = "\r\n".join([
        ",".join(ENTRA_HEADER),
        _entra_row(1, **{"Date (UTC)": "2026-11-02T00:14:40Z", "Username": "alice@corp.example.com",
                         "IP address": "203.0.113.7", "Location": "Taipei, Taipei, TW", "Status": "Success",
                         "Sign-in error code": "0", "Multifactor authentication result": "MFA successfully completed",
                         "Multifactor authentication auth method": "Mobile app notification",
                         "Authentication requirement": "Multifactor authentication", "Conditional Access": "Success"}),
        _entra_row(2, **{"Date (UTC)": "2026-11-02T01:00:00Z", "Username": "bob@corp.example.com",
                         "Status": "Failure", "Sign-in error code": "50126",
                         "Failure reason": "Error validating credentials due to invalid username or password.",
                         "Authentication requirement": "Single-factor authentication"}),
        # interrupted: Entra asked for the second factor; the flow goes on in the next sign-in
        _entra_row(3, **{"Date (UTC)": "2026-11-02T01:05:00Z", "Username": "bob@corp.example.com",
                         "Status": "Interrupted", "Sign-in error code": "50074",
                         "Authentication requirement": "Multifactor authentication"}),
        _entra_row(4, **{"Date (UTC)": "2026-11-02T01:06:00Z", "Username": "bob@corp.example.com",
                         "Status": "Success", "Sign-in error code": "0",
                         "Multifactor authentication result": "MFA requirement satisfied by claim in the token",
                         "Multifactor authentication auth method": "Text message",
                         "Authentication requirement": "Multifactor authentication"}),
        _entra_row(5, **{"Date (UTC)": "2026-11-02T02:00:00Z", "Username": "li.dh@corp.example.com",
                         "Status": "Success", "Sign-in error code": "0",
                         "Authentication requirement": "Single-factor authentication"}),
    ]) + "\r\n"
    events, _, report = _parse(tmp_path, "InteractiveSignIns_2026-11-01_2026-11-30.csv", text.encode("utf-8-sig"))
    assert report["sources"] == ["entra-signins"]
    assert [(e["kind"], e["account"], e["event_time"], e["mfa_method"]) for e in events] == [
        ("sign_in", "alice@corp.example.com", "2026-11-02T08:14:40+08:00", "push"),
        ("login_failed", "bob@corp.example.com", "2026-11-02T09:00:00+08:00", ""),
        ("sign_in", "bob@corp.example.com", "2026-11-02T09:06:00+08:00", "sms"),
        ("sign_in", "li.dh@corp.example.com", "2026-11-02T10:00:00+08:00", "none")]
    assert {e["time_zone"] for e in events} == {"stated"}


def test_entra_zh_tw_portal_csv_resaved_by_excel_in_big5(tmp_path: Path) -> None:
    text = "\r\n".join([
        "日期 (UTC),要求識別碼,使用者代理程式,相互關聯識別碼,使用者識別碼,使用者,使用者名稱,使用者類型,"
        "應用程式,IP 位址,位置,狀態,登入錯誤碼,失敗原因,用戶端應用程式,多重要素驗證結果,多重要素驗證驗證方法,"
        "驗證需求,條件式存取",
        "2026/11/2 上午 12:14:40,0a3e1b2c-0f6d-4a9b-8c7e-1d2f3a4b5c6d,Mozilla/5.0,c0ffee00-0001,d7cc485d-0001,王小明,"
        'wang.xm@corp.example.com,Member,GlobalProtect VPN,203.0.113.8,"台北市, 台北, TW",成功,0,,瀏覽器,'
        "已成功完成 MFA,行動應用程式通知,多重要素驗證,成功",
        "2026/11/2 上午 01:00:00,1a3e1b2c-0f6d-4a9b-8c7e-1d2f3a4b5c6d,Mozilla/5.0,c0ffee00-0002,d7cc485d-0002,陳美玲,"
        "chen.ml@corp.example.com,Member,GlobalProtect VPN,203.0.113.9,,失敗,50126,使用者名稱或密碼無效。,瀏覽器,,,"
        "單一要素驗證,未套用"]) + "\r\n"
    events, _, report = _parse(tmp_path, "登入記錄.csv", text.encode("cp950"))
    assert (report["sources"], report["files"][0]["encoding"]) == (["entra-signins"], "cp950")
    assert [(e["kind"], e["account"], e["utc_time"], e["mfa_method"], e["source_ip"]) for e in events] == [
        ("sign_in", "wang.xm@corp.example.com", "2026-11-02T00:14:40Z", "push", "203.0.113.8"),
        ("login_failed", "chen.ml@corp.example.com", "2026-11-02T01:00:00Z", "", "203.0.113.9")]
    assert events[1]["reason"].startswith("使用者名稱或密碼無效。; error 50126")


def test_entra_graph_page_and_log_analytics_exports(tmp_path: Path) -> None:
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns", "value": [
        {"id": "66ea54eb-6301-4ee5-be62-ff5a759b0100", "createdDateTime": "2026-11-02T03:00:00Z",
         "userPrincipalName": "carol@corp.example.com", "appDisplayName": "Cisco Secure Client",
         "ipAddress": "203.0.113.30", "status": {"errorCode": 0}, "authenticationRequirement":
             "multiFactorAuthentication", "authenticationDetails": [
                 {"authenticationMethod": "Password", "succeeded": True},
                 {"authenticationMethod": "OATH verification code", "succeeded": True}]}],
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=abc"}
    events, _, _ = _parse(tmp_path, "signins.json", json.dumps(page, indent=2).encode())
    assert [(e["account"], e["mfa_method"]) for e in events] == [("carol@corp.example.com", "totp")]

    # Log Analytics SigninLogs exported as JSON: PascalCase, ResultType a string, AuthenticationDetails a JSON string
    rows = [{"TimeGenerated": "2026-11-02T04:00:00.123Z", "Category": "SignInLogs", "ResultType": "0",
             "UserPrincipalName": "dave@corp.example.com", "AppDisplayName": "GlobalProtect VPN",
             "IPAddress": "203.0.113.40", "AuthenticationRequirement": "multiFactorAuthentication",
             "AuthenticationDetails": json.dumps([{"authenticationMethod": "Password", "succeeded": True},
                                                  {"authenticationMethod": "FIDO2 security key", "succeeded": True}]),
             "Status": {"errorCode": 0}, "LocationDetails": {"city": "Taipei", "countryOrRegion": "TW"}},
            {"TimeGenerated": "2026-11-02T04:30:00Z", "ResultType": "50126", "ResultDescription": "Invalid password",
             "UserPrincipalName": "erin@corp.example.com", "IPAddress": "198.51.100.77",
             "AuthenticationRequirement": "singleFactorAuthentication", "Status": {"errorCode": 50126}}]
    (tmp_path / "out").rename(tmp_path / "graph-out")
    events, _, _ = _parse(tmp_path, "SigninLogs.json", json.dumps(rows, indent=2).encode())
    assert [(e["kind"], e["account"], e["mfa_method"], e["source_ip"]) for e in events] == [
        ("sign_in", "dave@corp.example.com", "hardware_token", "203.0.113.40"),
        ("login_failed", "erin@corp.example.com", "", "198.51.100.77")]

    # ... and as the portal's CSV: 'TimeGenerated [UTC]' in the culture's format, JSON columns as text
    details = json.dumps([{"authenticationMethod": "Password", "succeeded": True},
                          {"authenticationMethod": "Mobile app notification", "succeeded": True}])
    text = ('"TimeGenerated [UTC]",ResultType,UserPrincipalName,AppDisplayName,IPAddress,AuthenticationRequirement,'
            'AuthenticationDetails,Status\r\n"11/2/2026, 5:00:00.000 AM",0,frank@corp.example.com,GlobalProtect VPN,'
            f'203.0.113.41,multiFactorAuthentication,{_q(details)},{_q(json.dumps({"errorCode": 0}))}\r\n')
    (tmp_path / "out").rename(tmp_path / "la-out")
    events, _, report = _parse(tmp_path, "la-signins.csv", text.encode(), "auto", "--date-order", "mdy")
    assert report["sources"] == ["entra-signins"]
    assert [(e["account"], e["utc_time"], e["mfa_method"]) for e in events] == [
        ("frank@corp.example.com", "2026-11-02T05:00:00Z", "push")]


# --- Files that are not the source named -----------------------------------------------------------------------

@pytest.mark.parametrize(("source", "name", "data", "expected"), [
    ("windows-security", "signins.csv", ("\r\n".join([",".join(ENTRA_HEADER), _entra_row(
        1, **{"Date (UTC)": "2026-11-02T00:14:40Z", "Username": "a@corp.example.com"})]) + "\r\n").encode(),
     "does not look like a windows-security export"),
    ("entra-signins", "安全性.csv", ZH_EVENT_VIEWER.encode("cp950"), "it looks like windows-security"),
    ("intune", "安全性.csv", b"\xff\xfe" + ZH_EVENT_VIEWER.encode("utf-16-le"), "not an Intune or Jamf Pro"),
])
def test_an_export_of_another_kind_is_refused(tmp_path: Path, source: str, name: str, data: bytes,
                                              expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = ccaudit("sources", "parse", source, path, "--out", tmp_path / "out")
    assert result.code == 2
    assert expected in result.text and name in result.text
    assert not (tmp_path / "out").exists()


def test_an_evidence_folder_recognises_exports_in_utf16_and_big5(tmp_path: Path) -> None:
    from ccaudit.rawsources.compressed import DEFAULT_LIMITS
    from ccaudit.rawsources.evidence import recognise

    utf16, big5 = tmp_path / "安全性.csv", tmp_path / "登入.csv"
    utf16.write_bytes(b"\xff\xfe" + ZH_EVENT_VIEWER.encode("utf-16-le"))
    big5.write_bytes(("\r\n".join([",".join(ENTRA_HEADER), _entra_row(
        1, **{"Date (UTC)": "2026-11-02T00:14:40Z", "Username": "王小明@corp.example.com"})]) + "\r\n").encode("cp950"))
    assert (recognise(utf16, DEFAULT_LIMITS), recognise(big5, DEFAULT_LIMITS)) == ("windows-security", "entra-signins")


def test_evtx_dump_json_with_record_lines(tmp_path: Path) -> None:
    # evtx_dump -o json: each event pretty-printed after a 'Record N' line
    def event(event_id: int, when: str) -> dict[str, Any]:
        return {"Event": {"System": {"EventID": event_id, "TimeCreated": {"#attributes": {"SystemTime": when}},
                                     "Channel": "Security", "Computer": "TS09"},
                          "EventData": {"TargetUserName": "kim", "TargetDomainName": "CORP", "TargetLogonId": "0xabc",
                                        "LogonType": 10, "IpAddress": "203.0.113.70"}}}
    text = "".join(f"Record {n}\n{json.dumps(e, indent=2)}\n" for n, e in enumerate(
        [event(4624, "2026-11-02T00:15:02.123456Z"), event(4634, "2026-11-02T01:15:02.123456Z")], start=1))
    _, sessions, report = _parse(tmp_path, "security.json", text.encode())
    assert report["sources"] == ["windows-security"]
    assert [(s["account"], s["start_time"], s["end_time"], s["source_line"]) for s in sessions] == [
        ("CORP\\kim", "2026-11-02T08:15:02+08:00", "2026-11-02T09:15:02+08:00", "2")]


def test_a_windows_event_log_file_is_read_as_it_is(tmp_path: Path) -> None:
    # Event Viewer > Save All Events As... > .evtx, or the Security.evtx file itself
    from tests.cli.evtxfile import event, write_evtx

    path = tmp_path / "Security.evtx"
    write_evtx(path, [
        event(4625, "2026-11-02T00:14:00.0000000Z", "TS01.corp.example.com", {
            "TargetUserName": "mallory", "TargetDomainName": "CORP", "LogonType": "3", "IpAddress": "198.51.100.66",
            "Status": "0xc000006d", "FailureReason": "%%2313"}),
        event(4624, "2026-11-02T00:15:02.1234567Z", "TS01.corp.example.com", {
            "TargetUserName": "王小明", "TargetDomainName": "CORP", "TargetLogonId": "0x1a2b3c", "LogonType": "10",
            "IpAddress": "203.0.113.7"}),
        event(4634, "2026-11-02T09:00:00.0000000Z", "TS01.corp.example.com", {
            "TargetUserName": "王小明", "TargetDomainName": "CORP", "TargetLogonId": "0x1a2b3c", "LogonType": "10"})])
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out)
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert (report["sources"], report["files"][0]["encoding"], report["files"][0]["recognised"]) == (
        ["windows-security"], "evtx", 3)
    (s,) = _rows(out / "remote_sessions.csv")
    assert (s["account"], s["gateway_id"], s["start_time"], s["end_time"], s["source_line"]) == (
        "CORP\\王小明", "TS01.corp.example.com", "2026-11-02T08:15:02+08:00", "2026-11-02T17:00:00+08:00", "2")
    failed = [e for e in _rows(out / "remote_access_events.csv") if e["kind"] == "login_failed"]
    assert [(e["account"], e["source_ip"], e["source_line"]) for e in failed] == [("CORP\\mallory", "198.51.100.66",
                                                                                   "1")]

    # a file cut short is refused, naming it
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(path.read_bytes()[:4200])
    result = ccaudit("sources", "parse", "auto", cut, "--out", tmp_path / "cut")
    assert result.code == 2 and "cut.evtx" in result.text and ".evtx" in result.text


def test_an_inspection_reads_evtx_utf16_and_big5_exports_in_the_evidence_folder(tmp_path: Path) -> None:
    from tests.cli.evtxfile import event, write_evtx

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    write_evtx(evidence / "TS01-Security.evtx", [event(4624, "2026-11-02T00:15:02.1234567Z", "TS01", {
        "TargetUserName": "alice", "TargetDomainName": "CORP", "TargetLogonId": "0x77", "LogonType": "10",
        "IpAddress": "203.0.113.7"})])
    (evidence / "安全性.csv").write_bytes(b"\xff\xfe" + ZH_EVENT_VIEWER.encode("utf-16-le"))
    (evidence / "InteractiveSignIns.csv").write_bytes(("\r\n".join([",".join(ENTRA_HEADER), _entra_row(
        1, **{"Date (UTC)": "2026-11-02T00:14:40Z", "Username": "王小明@corp.example.com", "Status": "Success",
              "Authentication requirement": "Multifactor authentication",
              "Multifactor authentication auth method": "Mobile app notification"})]) + "\r\n").encode("cp950"))
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: (f["source"], f["rows"]) for f in manifest["files"] if f["dataset"] == "raw_export"}
    assert raw == {"TS01-Security.evtx": ("windows-security", 1),
                   "安全性.csv": ("windows-security", ZH_EVENT_VIEWER.count("\n")),
                   "InteractiveSignIns.csv": ("entra-signins", 2)}


def _xml_event(event_id: int, when: str, data: dict[str, str]) -> str:
    fields = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in data.items())
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider "
            "Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>"
            f"<EventID>{event_id}</EventID><Version>2</Version><Level>0</Level><Task>12544</Task>"
            f"<TimeCreated SystemTime='{when}'/><EventRecordID>1</EventRecordID><Channel>Security</Channel>"
            f"<Computer>TS07.corp.example.com</Computer><Security/></System><EventData>{fields}</EventData></Event>")


XML_EVENTS = [
    _xml_event(4624, "2026-11-02T00:15:02.1234567Z", {"TargetUserName": "R&amp;D-admin", "TargetDomainName": "CORP",
                                                      "TargetLogonId": "0x77", "LogonType": "10",
                                                      "IpAddress": "203.0.113.77"}),
    _xml_event(4634, "2026-11-02T02:15:02.0000000Z", {"TargetUserName": "R&amp;D-admin", "TargetDomainName": "CORP",
                                                      "TargetLogonId": "0x77", "LogonType": "10"}),
    _xml_event(4625, "2026-11-02T02:20:00.0000000Z", {"TargetUserName": "mallory", "TargetDomainName": "CORP",
                                                      "LogonType": "3", "IpAddress": "198.51.100.66",
                                                      "Status": "0xc000006d"})]


@pytest.mark.parametrize(("name", "data"), [
    # wevtutil qe Security /f:xml: the events back to back on one line
    ("wevtutil.xml", "".join(XML_EVENTS).encode()),
    # Event Viewer > Save All Events As... > XML: UTF-16, inside <Events>
    ("eventviewer.xml", ('<?xml version="1.0" encoding="utf-16"?>\r\n<Events>' + "\r\n".join(XML_EVENTS)
                         + "</Events>\r\n").encode("utf-16")),
    # a collector writing one event per line (Splunk's XmlWinEventLog)
    ("XmlWinEventLog.log", ("\n".join(XML_EVENTS) + "\n").encode()),
])
def test_windows_events_as_xml(tmp_path: Path, name: str, data: bytes) -> None:
    events, sessions, report = _parse(tmp_path, name, data)
    assert report["sources"] == ["windows-security"] and report["files"][0]["not_relevant"] >= 0
    assert [(s["account"], s["start_time"], s["end_time"], s["gateway_id"]) for s in sessions] == [
        ("CORP\\R&D-admin", "2026-11-02T08:15:02+08:00", "2026-11-02T10:15:02+08:00", "TS07.corp.example.com")]
    assert [(e["account"], e["source_ip"]) for e in events if e["kind"] == "login_failed"] == [
        ("CORP\\mallory", "198.51.100.66")]


def test_long_exports_are_recognised_by_their_rows_not_only_their_header(tmp_path: Path) -> None:
    # detection reads the first 200 lines (205 rows here): a month of sign-ins re-saved by Excel (culture dates) or
    # exported from Log Analytics must be recognised by its rows; a Sentinel SecurityEvent export of that shape is
    # Windows
    zh_rows = [f"2026/11/2 上午 01:{n // 60:02d}:{n % 60:02d},{n:08x}-0f6d-4a9b-8c7e-1d2f3a4b5c6d,Mozilla/5.0,"
               f"u{n}@corp.example.com,203.0.113.8,成功,0,多重要素驗證,行動應用程式通知" for n in range(205)]
    zh = "\r\n".join(["日期 (UTC),要求識別碼,使用者代理程式,使用者名稱,IP 位址,狀態,登入錯誤碼,驗證需求,"
                      "多重要素驗證驗證方法", *zh_rows]) + "\r\n"
    la_rows = [f'"11/2/2026, 5:{n // 60:02d}:{n % 60:02d}.000 AM",0,u{n}@corp.example.com,GlobalProtect VPN,'
               "203.0.113.41,singleFactorAuthentication" for n in range(205)]
    la = "\r\n".join(['"TimeGenerated [UTC]",ResultType,UserPrincipalName,AppDisplayName,IPAddress,'
                      "AuthenticationRequirement", *la_rows]) + "\r\n"
    se_rows = [f'"11/2/2026, 5:{n // 60:02d}:{n % 60:02d}.000 AM",CORP\\u{n},TS05,Microsoft-Windows-Security-Auditing,'
               f"4624,10,u{n},CORP,0x{n:x},203.0.113.50" for n in range(205)]
    se = "\r\n".join(['"TimeGenerated [UTC]",Account,Computer,EventSourceName,EventID,LogonType,TargetUserName,'
                      "TargetDomainName,TargetLogonId,IpAddress", *se_rows]) + "\r\n"
    for name, data, source, recognised in (("zh.csv", zh.encode("cp950"), "entra-signins", 205),
                                           ("la.csv", la.encode(), "entra-signins", 205),
                                           ("se.csv", se.encode(), "windows-security", 205)):
        out = tmp_path / name
        (tmp_path / f"in-{name}").write_bytes(data)
        result = ccaudit("sources", "parse", "auto", tmp_path / f"in-{name}", "--out", out, "--date-order", "mdy")
        assert result.code == 0, result.text
        report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
        assert (report["sources"], report["files"][0]["recognised"]) == ([source], recognised), name


def test_event_viewer_text_export_is_the_csv_with_tabs(tmp_path: Path) -> None:
    # Save All Events As... > Text (Tab delimited), on a Chinese Windows, UTF-16
    header = "關鍵字,日期和時間,來源,事件識別碼,工作類別"
    text = ZH_EVENT_VIEWER.replace(header, header.replace(",", "\t"))
    for action in ("4624,登入,", "4625,登入,", "4634,登出,"):
        event_id, category, _ = action.split(",")
        text = text.replace(f",Microsoft-Windows-Security-Auditing,{action}",
                            f"\tMicrosoft-Windows-Security-Auditing\t{event_id}\t{category}\t")
    text = text.replace("稽核成功,", "稽核成功\t").replace("稽核失敗,", "稽核失敗\t")
    _, sessions, report = _parse(tmp_path, "安全性.txt", b"\xff\xfe" + text.encode("utf-16-le"), "auto",
                                 "--gateway", "TS01")
    assert report["sources"] == ["windows-security"]
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\王小明", "2026-03-05T14:03:04+08:00", "2026-03-05T17:30:00+08:00")]


def test_sentinel_event_data_xml_gives_the_fields_the_row_lacks(tmp_path: Path) -> None:
    # 4778/4779 name the account in EventData only: SecurityEvent keeps it as XML text
    def event_data(account: str, session: str, address: str) -> str:
        return ('<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'
                f'<Data Name="AccountName">{account}</Data><Data Name="AccountDomain">CORP</Data>'
                f'<Data Name="LogonID">0x9a9a</Data><Data Name="SessionName">{session}</Data>'
                f'<Data Name="ClientName">NB-0042</Data><Data Name="ClientAddress">{address}</Data></EventData>')
    rows = [{"TimeGenerated": "2026-11-02T01:00:00Z", "Computer": "TS04", "EventID": 4778,
             "Activity": "4778 - A session was reconnected to a Window Station.",
             "EventData": event_data("judy", "RDP-Tcp#5", "203.0.113.21")},
            {"TimeGenerated": "2026-11-02T01:30:00Z", "Computer": "TS04", "EventID": 4779,
             "Activity": "4779 - A session was disconnected from a Window Station.",
             "EventData": event_data("judy", "RDP-Tcp#5", "203.0.113.21")}]
    _, sessions, _ = _parse(tmp_path, "SecurityEvent.json", json.dumps(rows).encode())
    assert [(s["account"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\judy", "2026-11-02T09:00:00+08:00", "2026-11-02T09:30:00+08:00", "203.0.113.21")]
    text = '"TimeGenerated [UTC]",Computer,EventID,Activity,EventData\r\n' + "".join(
        f'"11/2/2026, {h}:00:00.000 AM",TS04,{e},"{e} - session",{_q(event_data("judy", "RDP-Tcp#5", "203.0.113.21"))}'
        "\r\n" for h, e in ((3, 4778), (4, 4779)))
    (tmp_path / "out").rename(tmp_path / "json-out")
    _, sessions, _ = _parse(tmp_path, "SecurityEvent.csv", text.encode(), "auto", "--date-order", "mdy")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\judy", "2026-11-02T11:00:00+08:00", "2026-11-02T12:00:00+08:00")]


def test_remote_desktop_session_events_of_the_local_session_manager(tmp_path: Path) -> None:
    # Applications and Services Logs > Microsoft > Windows > TerminalServices-LocalSessionManager > Operational
    from tests.cli.evtxfile import lsm_event as lsm
    from tests.cli.evtxfile import write_evtx

    path = tmp_path / "LocalSessionManager.evtx"
    write_evtx(path, [lsm(21, "2026-11-02T00:15:02.0000000Z", "CORP\\alice", "3", "203.0.113.7"),
                      lsm(24, "2026-11-02T01:00:00.0000000Z", "CORP\\alice", "3", "203.0.113.7"),  # disconnected
                      lsm(25, "2026-11-02T02:00:00.0000000Z", "CORP\\alice", "3", "198.51.100.4"),  # reconnected
                      lsm(23, "2026-11-02T03:00:00.0000000Z", "CORP\\alice", "3", None),
                      lsm(21, "2026-11-02T04:00:00.0000000Z", "CORP\\bob", "1", "LOCAL"),  # at the console
                      lsm(23, "2026-11-02T05:00:00.0000000Z", "CORP\\bob", "1", None)])
    _, sessions, _ = _parse(tmp_path, path.name, path.read_bytes())
    assert [(s["account"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\alice", "2026-11-02T08:15:02+08:00", "2026-11-02T09:00:00+08:00", "203.0.113.7"),
        ("CORP\\alice", "2026-11-02T10:00:00+08:00", "2026-11-02T11:00:00+08:00", "198.51.100.4")]

    who = "\r\n\r\n使用者: CORP\\王小明\r\n工作階段識別碼: 5\r\n來源網路位址: 203.0.113.10"
    rows = ["層級,日期和時間,來源,事件識別碼,工作類別",
            "資訊,2026/11/2 上午 08:15:02,Microsoft-Windows-TerminalServices-LocalSessionManager,21,無,"
            + _q("遠端桌面服務: 工作階段登入成功:" + who),
            "資訊,2026/11/2 上午 09:15:02,Microsoft-Windows-TerminalServices-LocalSessionManager,24,無,"
            + _q("遠端桌面服務: 工作階段已中斷連線:" + who)]
    (tmp_path / "out").rename(tmp_path / "evtx-out")
    _, sessions, _ = _parse(tmp_path, "工作階段.csv", ("\r\n".join(rows) + "\r\n").encode("cp950"), "auto",
                            "--gateway", "TS02")
    assert [(s["account"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\王小明", "2026-11-02T08:15:02+08:00", "2026-11-02T09:15:02+08:00", "203.0.113.10")]


def test_a_graph_page_on_one_line_is_inspected_with_each_sign_in_its_own_record(tmp_path: Path) -> None:
    # Graph answers on one line: every sign-in cites line 1, so the line's events are told apart by source_record
    # (before, the import refused the page: the same file, line and session key three times)
    sign_ins = [{"id": f"5f0c1d2e-0000-4000-8000-00000000000{n}", "createdDateTime": when,
                 "userPrincipalName": user, "appDisplayName": "Cisco Secure Client", "ipAddress": "203.0.113.30",
                 "status": {"errorCode": 0}, "authenticationRequirement": "multiFactorAuthentication",
                 "authenticationDetails": [{"authenticationMethod": "Password", "succeeded": True}]}
                for n, (user, when) in enumerate([("carol@corp.example.com", "2026-11-02T03:00:00Z"),
                                                  ("dave@corp.example.com", "2026-11-02T03:00:00Z"),
                                                  ("carol@corp.example.com", "2026-11-03T03:00:00Z")])]
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "signins.json").write_text(json.dumps({"value": sign_ins}), encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    (sha,) = [f["sha256"] for f in manifest["files"] if f["original_name"] == "signins.json.remote_access_events.csv"]
    rows = _rows(results / "evidence" / "blobs" / sha)
    assert sorted((r["source_line"], r["source_record"], r["account"], r["utc_time"]) for r in rows) == [
        ("1", "1", "carol@corp.example.com", "2026-11-02T03:00:00Z"),
        ("1", "2", "dave@corp.example.com", "2026-11-02T03:00:00Z"),
        ("1", "3", "carol@corp.example.com", "2026-11-03T03:00:00Z")]
