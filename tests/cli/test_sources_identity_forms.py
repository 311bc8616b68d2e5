"""`ccaudit sources parse` on the published forms of Windows logon events and Entra sign-ins that tools write:
Winlogbeat (nested `winlog.event_data`, as searched from Elasticsearch with `_source`; Winlogbeat 6's top-level
`event_data`), Velociraptor's parse_evtx (EventID.Value, SystemTime in epoch seconds), logon types spelled out, IPv6
addresses, and Entra diagnostic-setting records (7-digit fractions with an offset, a culture `time`, non-interactive
and Microsoft service-principal categories, `mfaDetail`, conditional-access failures). The samples are written from
the documented field names, not copied."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _parse(tmp_path: Path, name: str, text: str, *args: str) -> tuple[list[dict[str, str]], list[dict[str, str]],
                                                                       dict[str, Any]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    out = tmp_path / f"out-{name}"
    result = ccaudit("sources", "parse", "auto", tmp_path / name, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = list(csv.DictReader(fh))
    return events, sessions, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def _winlogbeat(code: int, when: str, data: dict[str, str], logon_type: str | None = None) -> dict[str, Any]:
    """A Winlogbeat 8 event: ECS fields, the event's fields under winlog.event_data, the logon type's name added by
    its Security module under winlog.logon.type."""
    winlog: dict[str, Any] = {"channel": "Security", "computer_name": "TS11.corp.example.com", "event_id": str(code),
                              "provider_name": "Microsoft-Windows-Security-Auditing", "record_id": 5000 + code,
                              "event_data": data}
    if logon_type:
        winlog["logon"] = {"type": logon_type, "id": data.get("TargetLogonId")}
    return {"@timestamp": when, "event": {"code": str(code), "kind": "event", "provider":
                                          "Microsoft-Windows-Security-Auditing"},
            "host": {"name": "ts11"}, "winlog": winlog, "message": "An account was successfully logged on."}


def test_winlogbeat_events_searched_from_elasticsearch(tmp_path: Path) -> None:
    logon = {"TargetUserName": "mei", "TargetDomainName": "CORP", "TargetLogonId": "0x4d2f11", "LogonType": "10",
             "IpAddress": "2001:db8:5::17", "IpPort": "0"}
    hits = [
        _winlogbeat(4624, "2026-11-02T00:15:02.123Z", logon, "RemoteInteractive"),
        # a console unlock on the same host: not Remote Desktop
        _winlogbeat(4624, "2026-11-02T00:20:00.000Z", {**logon, "TargetLogonId": "0x99", "LogonType": "7",
                                                       "IpAddress": "::1"}, "Unlock"),
        _winlogbeat(4634, "2026-11-02T03:00:00.000Z", {"TargetUserName": "mei", "TargetDomainName": "CORP",
                                                       "TargetLogonId": "0x4d2f11", "LogonType": "10"},
                    "RemoteInteractive"),
        _winlogbeat(4625, "2026-11-02T04:00:00.000Z", {"TargetUserName": "admin", "TargetDomainName": ".",
                                                       "LogonType": "3", "IpAddress": "-", "Status": "0xc000006d",
                                                       "FailureReason": "%%2313"}, "Network")]
    # an Elasticsearch/OpenSearch search result saved one hit per line (elasticdump, a Kibana export)
    text = "\n".join(json.dumps({"_index": ".ds-logs-system.security-default-2026.11.02-000001", "_id": f"id{n}",
                                 "_score": None, "_source": hit}) for n, hit in enumerate(hits)) + "\n"
    events, sessions, report = _parse(tmp_path, "winlogbeat-export.ndjson", text)
    assert report["sources"] == ["windows-security"]
    assert [(s["account"], s["gateway_id"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\mei", "TS11.corp.example.com", "2026-11-02T08:15:02+08:00", "2026-11-02T11:00:00+08:00",
         "2001:db8:5::17")]
    (failed,) = [e for e in events if e["kind"] == "login_failed"]
    # the FailureReason insertion string %%2313 said as Event Viewer says it
    assert (failed["account"], failed["source_ip"], failed["reason"]) == (
        ".\\admin", "", "Unknown user name or bad password.; logon type 3")

    # the same events as Winlogbeat writes them to a file (no _source), logon type only by name
    plain = "\n".join(json.dumps(h) for h in hits[:1]) + "\n"
    plain = plain.replace('"LogonType": "10", ', "")
    _, sessions, _ = _parse(tmp_path, "winlogbeat.ndjson", plain)
    assert [s["start_time"] for s in sessions] == ["2026-11-02T08:15:02+08:00"]


def test_winlogbeat_6_and_velociraptor_shapes(tmp_path: Path) -> None:
    # Winlogbeat 6.x: event_id, computer_name and event_data at the top
    old = [{"@timestamp": "2026-11-02T01:00:00.000Z", "computer_name": "TS12", "event_id": 4624,
            "log_name": "Security", "event_data": {"TargetUserName": "ken", "TargetDomainName": "CORP",
                                                   "TargetLogonId": "0x51", "LogonType": "10",
                                                   "IpAddress": "fe80::4c1:2ff:fe33:9a%12"}},
           {"@timestamp": "2026-11-02T02:00:00.000Z", "computer_name": "TS12", "event_id": 4647,
            "log_name": "Security", "event_data": {"TargetUserName": "ken", "TargetDomainName": "CORP",
                                                   "TargetLogonId": "0x51"}}]
    _, sessions, _ = _parse(tmp_path, "winlogbeat6.json", "\n".join(json.dumps(e) for e in old) + "\n")
    assert [(s["gateway_id"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("TS12", "2026-11-02T09:00:00+08:00", "2026-11-02T10:00:00+08:00", "fe80::4c1:2ff:fe33:9a")]

    # Velociraptor's parse_evtx(): System at the top, EventID as {"Value": n}, SystemTime in epoch seconds; a cached
    # Remote Desktop logon (type 12) is Remote Desktop too
    def velociraptor(event_id: int, epoch: float, data: dict[str, Any]) -> str:
        return json.dumps({"System": {"Provider": {"Name": "Microsoft-Windows-Security-Auditing"},
                                      "EventID": {"Value": event_id}, "TimeCreated": {"SystemTime": epoch},
                                      "Channel": "Security", "Computer": "TS13.corp.example.com"},
                           "EventData": data})
    text = "\n".join([
        velociraptor(4624, 1793578502.25, {"TargetUserName": "lin", "TargetDomainName": "CORP",
                                           "TargetLogonId": "0x77", "LogonType": 12, "IpAddress": "198.51.100.12"}),
        velociraptor(4634, 1793582102.0, {"TargetUserName": "lin", "TargetDomainName": "CORP",
                                          "TargetLogonId": "0x77", "LogonType": 12})]) + "\n"
    _, sessions, _ = _parse(tmp_path, "velociraptor.json", text)
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\lin", "2026-11-02T08:15:02+08:00", "2026-11-02T09:15:02+08:00")]


def test_entra_diagnostic_records_as_event_hubs_deliver_them(tmp_path: Path) -> None:
    def record(category: str, when: str, props: dict[str, Any], time: str | None = None) -> str:
        return json.dumps({"time": time or when, "category": category, "operationName": "Sign-in activity",
                           "resultType": str(props.get("status", {}).get("errorCode", 0)),
                           "properties": {"createdDateTime": when, **props}})
    text = "\n".join([
        # 7-digit fractions with an offset; the envelope's `time` in a culture's format (ignored: createdDateTime wins)
        record("SignInLogs", "2026-11-01T19:14:40.0729893-05:00", {
            "userPrincipalName": "amy@corp.example.com", "ipAddress": "2001:db8::7", "status": {"errorCode": 0},
            "authenticationRequirement": "multiFactorAuthentication", "conditionalAccessStatus": "success",
            "mfaDetail": {"authMethod": "Mobile app notification", "authDetail": "+X XXXXXXXX"}},
               time="11/2/2026 12:14:40 AM"),
        # a non-interactive sign-in of the same user, single factor, IP empty
        record("NonInteractiveUserSignInLogs", "2026-11-02T00:20:00.1234567+00:00", {
            "userPrincipalName": "amy@corp.example.com", "ipAddress": "", "isInteractive": False,
            "status": {"errorCode": 0}, "authenticationRequirement": "singleFactorAuthentication"}),
        # blocked by conditional access: a failure whatever the requirement
        record("SignInLogs", "2026-11-02T01:00:00Z", {
            "userPrincipalName": "ben@corp.example.com", "ipAddress": "198.51.100.30", "conditionalAccessStatus":
                "failure", "status": {"errorCode": 53003, "failureReason": "Access has been blocked by Conditional "
                                                                            "Access policies."}}),
        # AD FS sign-ins reported by Connect Health: a user's sign-in like the others
        record("ADFSSignInLogs", "2026-11-02T01:02:00Z", {
            "userPrincipalName": "cho@corp.example.com", "ipAddress": "198.51.100.31", "status": {"errorCode": 0},
            "authenticationRequirement": "singleFactorAuthentication"}),
        # Microsoft's own service principals sign in under a category of their own, with a UPN-looking GUID
        record("MicrosoftServicePrincipalSignInLogs", "2026-11-02T01:05:00Z", {
            "userPrincipalName": "c3813493-bf92-4a2b-8a8b-2979c38b0000", "servicePrincipalId": "",
            "status": {"errorCode": 0}})]) + "\n"
    events, _, report = _parse(tmp_path, "signin-diagnostics.json", text)
    assert [(e["kind"], e["account"], e["utc_time"], e["mfa_method"], e["source_ip"]) for e in events] == [
        ("sign_in", "amy@corp.example.com", "2026-11-02T00:14:40Z", "push", "2001:db8::7"),
        ("sign_in", "amy@corp.example.com", "2026-11-02T00:20:00Z", "none", ""),
        ("login_failed", "ben@corp.example.com", "2026-11-02T01:00:00Z", "", "198.51.100.30"),
        ("sign_in", "cho@corp.example.com", "2026-11-02T01:02:00Z", "none", "198.51.100.31")]
    assert "conditional access failure" in events[2]["reason"] and "error 53003" in events[2]["reason"]
    assert report["files"][0]["not_relevant_by_reason"][0]["count"] == 1


def _copied(when: str, event_id: int, message: str, log: str = "Security") -> str:
    """Event Viewer > an event > Copy > Copy details as text (the header's fields, then the message)."""
    return "\r\n".join([f"Log Name:      {log}", "Source:        Microsoft-Windows-Security-Auditing",
                        f"Date:          {when}", f"Event ID:      {event_id}", "Task Category: Logon",
                        "Level:         Information", "Keywords:      Audit Success", "User:          N/A",
                        "Computer:      TS14.corp.example.com", "Description:", message, ""])


LOGON = "\r\n".join([
    "An account was successfully logged on.", "", "Subject:", "\tSecurity ID:\t\tSYSTEM", "\tAccount Name:\t\tTS14$",
    "\tAccount Domain:\t\tCORP", "\tLogon ID:\t\t0x3E7", "", "Logon Information:", "\tLogon Type:\t\t10",
    "\tRestricted Admin Mode:\tNo", "", "New Logon:", "\tSecurity ID:\t\tCORP\\nora", "\tAccount Name:\t\tnora",
    "\tAccount Domain:\t\tCORP", "\tLogon ID:\t\t0x6A11", "", "Network Information:", "\tWorkstation Name:\tNB-7",
    "\tSource Network Address:\t203.0.113.44", "\tSource Port:\t\t0"])
LOGOFF = ("An account was logged off.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tCORP\\nora\r\n\tAccount Name:\t\tnora\r\n"
          "\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x6A11\r\n\r\nLogon Type:\t\t\t10")


def test_event_viewer_copy_details_as_text(tmp_path: Path) -> None:
    text = "\r\n".join([_copied("11/20/2026 8:15:02 AM", 4624, LOGON), _copied("11/20/2026 9:00:00 AM", 4634, LOGOFF)])
    _, sessions, report = _parse(tmp_path, "copied.txt", text)
    assert report["sources"] == ["windows-security"] and report["files"][0]["recognised"] == 2
    assert [(s["account"], s["gateway_id"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("CORP\\nora", "TS14.corp.example.com", "2026-11-20T08:15:02+08:00", "2026-11-20T09:00:00+08:00",
         "203.0.113.44")]


def test_splunk_classic_win_event_log(tmp_path: Path) -> None:
    # Splunk's WinEventLog://Security in its classic (non-XML) format: a date line, key=value lines, the message
    def record(when: str, code: int, message: str) -> str:
        first, rest = message.split("\r\n", 1)
        return "\n".join([when, "LogName=Security", "SourceName=Microsoft Windows security auditing.",
                          f"EventCode={code}", "EventType=0", "Type=Information", "ComputerName=TS15.corp.example.com",
                          "TaskCategory=Logon", "OpCode=Info", f"RecordNumber={code}77", "Keywords=Audit Success",
                          f"Message={first}", rest.replace("\r\n", "\n")])
    text = "\n".join([record("11/20/2026 08:15:02 AM", 4624, LOGON), record("11/20/2026 09:00:00 AM", 4634, LOGOFF),
                      record("11/20/2026 09:05:00 AM", 4624, LOGON.replace("Logon Type:\t\t10", "Logon Type:\t\t3")
                             .replace("0x6A11", "0x7B22"))]) + "\n"
    _, sessions, report = _parse(tmp_path, "WinEventLog-Security.log", text)
    assert report["sources"] == ["windows-security"]
    f = report["files"][0]
    # the network logon (type 3) and every line but the records' first are not relevant; nothing is malformed
    assert (f["recognised"], f["malformed"], f["not_this_source"]) == (2, 0, 0)
    assert f["not_relevant"] == f["lines_read"] - 2 == text.count("\n") - 2
    assert [(s["gateway_id"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("TS15.corp.example.com", "2026-11-20T08:15:02+08:00", "2026-11-20T09:00:00+08:00")]


def test_sentinel_security_event_with_only_the_logon_type_name(tmp_path: Path) -> None:
    # SecurityEvent | project TimeGenerated, Computer, EventID, TargetUserName, TargetDomainName, TargetLogonId,
    # LogonTypeName, IpAddress: the type as '10 - RemoteInteractive'
    rows = [{"TimeGenerated": "2026-11-20T00:15:02Z", "Computer": "TS16", "EventID": 4624, "TargetUserName": "pat",
             "TargetDomainName": "CORP", "TargetLogonId": "0x88", "LogonTypeName": "10 - RemoteInteractive",
             "IpAddress": "203.0.113.60"},
            {"TimeGenerated": "2026-11-20T01:15:02Z", "Computer": "TS16", "EventID": 4634, "TargetUserName": "pat",
             "TargetDomainName": "CORP", "TargetLogonId": "0x88", "LogonTypeName": "10 - RemoteInteractive"},
            {"TimeGenerated": "2026-11-20T01:20:00Z", "Computer": "TS16", "EventID": 4624, "TargetUserName": "svc",
             "TargetDomainName": "CORP", "TargetLogonId": "0x99", "LogonTypeName": "3 - Network"}]
    _, sessions, _ = _parse(tmp_path, "SecurityEvent.json", json.dumps(rows))
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\pat", "2026-11-20T08:15:02+08:00", "2026-11-20T09:15:02+08:00")]
