"""`ccaudit sources parse` on Windows and Entra exports where earlier readings went wrong: Event Viewer on a day-first
Windows (en-GB `05/03/2026 14:03:04`, de `05.03.2026 14:03:04`), the Security and TerminalServices-LocalSessionManager
logs of one host given together (one connection, two logs), and Entra files with service-principal and
managed-identity sign-ins among the users'. Samples are written from the documented formats."""

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


def _parse(tmp_path: Path, files: dict[str, bytes], *args: str, out: str = "out") -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    result = ccaudit("sources", "parse", "auto", *paths, "--out", tmp_path / out, *args)
    assert result.code == 0, result.text
    report = json.loads((tmp_path / out / "parse_report.json").read_text(encoding="utf-8"))
    return _rows(tmp_path / out / "remote_access_events.csv"), _rows(tmp_path / out / "remote_sessions.csv"), report


def _q(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


# --- Day-first cultures ---------------------------------------------------------------------------------------------

def _logon(user: str, logon_id: str) -> str:
    return ("An account was successfully logged on.\r\n\r\nLogon Information:\r\n\tLogon Type:\t\t10\r\n\r\n"
            f"New Logon:\r\n\tAccount Name:\t\t{user}\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t{logon_id}\r\n\r\n"
            "Network Information:\r\n\tSource Network Address:\t203.0.113.7")


def _logoff(user: str, logon_id: str) -> str:
    return (f"An account was logged off.\r\n\r\nSubject:\r\n\tAccount Name:\t\t{user}\r\n\tAccount Domain:\t\tCORP\r\n"
            f"\tLogon ID:\t\t{logon_id}\r\n\r\nLogon Type:\t\t\t10")


def _event_viewer(*rows: tuple[str, str, str]) -> bytes:
    """Event Viewer > Save All Events As... > CSV on an English Windows whose culture writes `when` as given."""
    lines = ["Keywords,Date and Time,Source,Event ID,Task Category"]
    for when, event_id, message in rows:
        lines.append(f"Audit Success,{when},Microsoft-Windows-Security-Auditing,{event_id},Logon,{_q(message)}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def test_a_day_first_event_viewer_csv_is_read_day_first_when_its_dates_say_so(tmp_path: Path) -> None:
    # en-GB: 05/03/2026 is 5 March; 13/03/2026 can only be day first, which settles the file
    data = _event_viewer(("05/03/2026 14:03:04", "4624", _logon("alice", "0x1A")),
                         ("05/03/2026 17:30:00", "4634", _logoff("alice", "0x1A")),
                         ("13/03/2026 09:00:00", "4624", _logon("bob", "0x2B")))
    _, sessions, report = _parse(tmp_path, {"Security-enGB.csv": data}, "--gateway", "TS01")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\alice", "2026-03-05T14:03:04+08:00", "2026-03-05T17:30:00+08:00"),
        ("CORP\\bob", "2026-03-13T09:00:00+08:00", "")]
    order = report["files"][0]["date_order"]
    assert (order["order"], order["times"]) == ("dmy", 3) and "13/03/2026 09:00:00" in order["from"]


def test_a_german_export_with_dotted_dates(tmp_path: Path) -> None:
    data = _event_viewer(("28.02.2026 08:00:00", "4624", _logon("jürgen", "0x3C")),
                         ("01.03.2026 07:59:59", "4634", _logoff("jürgen", "0x3C")))
    _, sessions, _ = _parse(tmp_path, {"Sicherheit.csv": data}, "--gateway", "TS01", "--tz", "Europe/Berlin")
    assert [(s["start_time"], s["end_time"]) for s in sessions] == [
        ("2026-02-28T15:00:00+08:00", "2026-03-01T14:59:59+08:00")]


def test_dates_that_do_not_settle_the_order_are_refused_until_the_user_says_it(tmp_path: Path) -> None:
    data = _event_viewer(("05/03/2026 14:03:04", "4624", _logon("alice", "0x1A")),
                         ("05/03/2026 17:30:00", "4634", _logoff("alice", "0x1A")))
    (tmp_path / "Security.csv").write_bytes(data)
    refused = ccaudit("sources", "parse", "auto", tmp_path / "Security.csv", "--out", tmp_path / "refused")
    assert refused.code == 2 and not (tmp_path / "refused").exists()
    assert "Security.csv" in refused.text and "line 2: '05/03/2026 14:03:04'" in refused.text
    assert "--date-order dmy" in refused.text and "date_order: dmy" in refused.text
    assert "Traceback" not in refused.text
    from tests.cli.inprocess import ccaudit_with_env

    zh = ccaudit_with_env({"CCAUDIT_LANG": "zh-TW"}, "sources", "parse", "auto", tmp_path / "Security.csv", "--out",
                          tmp_path / "refused")
    assert zh.code == 2 and "日在前" in zh.text and "--date-order dmy" in zh.text

    for given, start in (("dmy", "2026-03-05T14:03:04+08:00"), ("mdy", "2026-05-03T14:03:04+08:00"),
                         ("day-first", "2026-03-05T14:03:04+08:00")):
        _, sessions, report = _parse(tmp_path, {"Security.csv": data}, "--gateway", "TS01", "--date-order", given,
                                     out=f"out-{given}")
        assert [s["start_time"] for s in sessions] == [start]
        assert report["files"][0]["date_order"]["from"] == "--date-order"

    # the user's order contradicted by a date of the file: refused, naming the line
    mixed = _event_viewer(("05/03/2026 14:03:04", "4624", _logon("alice", "0x1A")),
                          ("13/03/2026 09:00:00", "4624", _logon("bob", "0x2B")))
    (tmp_path / "mixed.csv").write_bytes(mixed)
    refused = ccaudit("sources", "parse", "auto", tmp_path / "mixed.csv", "--out", tmp_path / "x", "--date-order",
                      "mdy")
    assert refused.code == 2 and "line 14: '13/03/2026 09:00:00' can only be day first" in refused.text
    wrong = ccaudit("sources", "parse", "auto", tmp_path / "mixed.csv", "--out", tmp_path / "x", "--date-order",
                    "ymd")
    assert wrong.code == 2 and "expected dmy" in wrong.text

    # a file whose dates contradict each other (two cultures pasted together)
    both = _event_viewer(("13/03/2026 09:00:00", "4624", _logon("bob", "0x2B")),
                         ("3/14/2026 9:00:00 AM", "4624", _logon("carol", "0x4D")))
    (tmp_path / "both.csv").write_bytes(both)
    refused = ccaudit("sources", "parse", "auto", tmp_path / "both.csv", "--out", tmp_path / "y")
    assert refused.code == 2 and "mix day first" in refused.text


def test_an_inspection_takes_the_order_from_evidence_yaml(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "TS01-Security.csv").write_bytes(_event_viewer(
        ("05/03/2026 14:03:04", "4624", _logon("alice", "0x1A")), ("05/03/2026 17:30:00", "4634",
                                                                   _logoff("alice", "0x1A"))))
    refused = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "refused")
    assert refused.code == 2 and "TS01-Security.csv" in refused.text and "date_order: dmy" in refused.text
    (evidence / "evidence.yaml").write_text(
        "files:\n  TS01-Security.csv: {source: windows-security, gateway: TS01, date_order: dmy}\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    import duckdb

    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    starts = con.execute("SELECT CAST(start_time AS VARCHAR) FROM remote_sessions").fetchall()
    con.close()
    assert starts == [("2026-03-05 14:03:04",)]


def test_log_analytics_csv_from_a_day_first_browser(tmp_path: Path) -> None:
    # SigninLogs exported from the portal in an en-GB browser: 'TimeGenerated [UTC]' day first, 24-hour clock
    text = ('"TimeGenerated [UTC]",ResultType,UserPrincipalName,AppDisplayName,IPAddress,AuthenticationRequirement'
            '\r\n"02/11/2026, 00:15:02.123",0,amy@corp.example.com,GlobalProtect VPN,203.0.113.41,'
            'singleFactorAuthentication\r\n"14/11/2026, 23:00:00.000",0,amy@corp.example.com,GlobalProtect VPN,'
            '203.0.113.41,'
            'singleFactorAuthentication\r\n')
    events, _, _ = _parse(tmp_path, {"la.csv": text.encode()})
    assert [e["utc_time"] for e in events] == ["2026-11-02T00:15:02Z", "2026-11-14T23:00:00Z"]


# --- Security and LocalSessionManager logs of one host --------------------------------------------------------------

def _security(event_id: int, when: str, user: str, logon_id: str, address: str | None = None) -> str:
    data = {"TargetUserName": user, "TargetDomainName": "CORP", "TargetLogonId": logon_id, "LogonType": 10}
    if address:
        data["IpAddress"] = address
    return json.dumps({"Event": {"System": {"EventID": event_id, "TimeCreated": {"#attributes": {"SystemTime": when}},
                                            "Computer": "TS02.corp.example.com", "Channel": "Security"},
                                 "EventData": data}})


def test_the_security_and_local_session_manager_logs_of_a_host_count_each_connection_once(tmp_path: Path) -> None:
    from tests.cli.evtxfile import lsm_event, write_evtx

    lsm = tmp_path / "LocalSessionManager.evtx"
    write_evtx(lsm, [lsm_event(21, "2026-11-02T00:15:04.0000000Z", "CORP\\alice", "3", "203.0.113.7"),
                     lsm_event(24, "2026-11-02T01:00:00.0000000Z", "CORP\\alice", "3", "203.0.113.7"),  # disconnected
                     lsm_event(21, "2026-11-02T02:00:01.0000000Z", "CORP\\bob", "4", "198.51.100.4"),
                     lsm_event(23, "2026-11-02T03:00:00.0000000Z", "CORP\\bob", "4", None),
                     # carol: only in this log (the Security log handed in does not reach back that far)
                     lsm_event(21, "2026-11-01T22:00:00.0000000Z", "CORP\\carol", "5", "203.0.113.9")])
    security = "\n".join([
        _security(4624, "2026-11-02T00:15:02.1Z", "alice", "0x1a2b", "203.0.113.7"),
        _security(4634, "2026-11-02T05:00:00Z", "alice", "0x1a2b"),  # logged off long after the disconnection
        _security(4624, "2026-11-02T02:00:00Z", "bob", "0x3c4d", "198.51.100.4"),  # no log-off in this file
        # dave's logon has no LocalSessionManager event: it stays a session of its own
        _security(4624, "2026-11-02T02:00:30Z", "dave", "0x5e6f", "198.51.100.5")]) + "\n"
    _, sessions, report = _parse(tmp_path, {"LocalSessionManager.evtx": lsm.read_bytes(),
                                            "Security.json": security.encode()})
    got = [(s["account"], s["start_time"], s["end_time"], s["source_ip"]) for s in sessions]
    assert got == [
        ("CORP\\carol", "2026-11-02T06:00:00+08:00", "", "203.0.113.9"),
        ("CORP\\alice", "2026-11-02T08:15:02+08:00", "2026-11-02T09:00:00+08:00", "203.0.113.7"),
        ("CORP\\bob", "2026-11-02T10:00:00+08:00", "2026-11-02T11:00:00+08:00", "198.51.100.4"),
        ("CORP\\dave", "2026-11-02T10:00:30+08:00", "", "198.51.100.5")]
    alice = sessions[1]
    assert alice["source_file"].endswith("Security.json") and "LocalSessionManager.evtx line 1" in alice["note"]
    assert "its end from that log (" in alice["note"] and "LocalSessionManager.evtx line 2" in alice["note"]
    merged = report["sessions"]["merged_windows_logs"]
    assert merged["count"] == 2 and report["sessions"]["sessions"] == 4
    assert report["sessions"]["without_end"] == 2  # carol's (still connected) and dave's

    # each log alone keeps its own sessions
    _, alone, report = _parse(tmp_path, {"Security.json": security.encode()}, out="alone")
    assert len(alone) == 3 and "merged_windows_logs" not in report["sessions"]


# --- Entra: sign-ins that are not a person's ------------------------------------------------------------------------

def test_service_principal_and_managed_identity_sign_ins_are_counted_not_relevant(tmp_path: Path) -> None:
    # a diagnostic setting's records: user sign-ins with service-principal and managed-identity ones beside them
    records = [
        {"time": "2026-11-02T00:10:00Z", "category": "ServicePrincipalSignInLogs", "properties": {
            "createdDateTime": "2026-11-02T00:10:00Z", "servicePrincipalId": "0c1f1e22-0000-4000-8000-000000000001",
            "servicePrincipalName": "backup-runner", "appId": "5b1c0000-0000-4000-8000-000000000002",
            "ipAddress": "20.1.2.3", "status": {"errorCode": 0}}},
        {"time": "2026-11-02T00:11:00Z", "category": "ManagedIdentitySignInLogs", "properties": {
            "createdDateTime": "2026-11-02T00:11:00Z", "servicePrincipalId": "0c1f1e22-0000-4000-8000-000000000003",
            "servicePrincipalName": "vm-reports", "status": {"errorCode": 0}}},
        {"time": "2026-11-02T00:14:40Z", "category": "SignInLogs", "properties": {
            "createdDateTime": "2026-11-02T00:14:40Z", "userPrincipalName": "alice@corp.example.com",
            "servicePrincipalId": "", "status": {"errorCode": 0},
            "authenticationRequirement": "singleFactorAuthentication"}}]
    # Log Analytics: AADServicePrincipalSignInLogs rows (Type names the table; no UserPrincipalName)
    la = [{"TimeGenerated": f"2026-11-02T01:0{n}:00Z", "Type": "AADServicePrincipalSignInLogs",
           "Category": "ServicePrincipalSignInLogs", "ServicePrincipalName": "ci-deploy", "ResultType": "0",
           "IPAddress": "20.1.2.4"} for n in range(5)]
    # Graph beta: signInEventTypes
    graph = {"value": [{"createdDateTime": "2026-11-02T02:00:00Z", "signInEventTypes": ["managedIdentity"],
                        "servicePrincipalName": "func-sync", "status": {"errorCode": 0}},
                       {"createdDateTime": "2026-11-02T02:01:00Z", "signInEventTypes": ["interactiveUser"],
                        "userPrincipalName": "bob@corp.example.com", "status": {"errorCode": 0},
                        "authenticationRequirement": "singleFactorAuthentication"}]}
    events, _, report = _parse(tmp_path, {
        "diagnostic.json": "\n".join(json.dumps(r) for r in records).encode(),
        "AADServicePrincipalSignInLogs.json": json.dumps(la).encode(),
        "graph-beta.json": json.dumps(graph, indent=2).encode()})
    assert [(e["kind"], e["account"]) for e in events] == [("sign_in", "alice@corp.example.com"),
                                                             ("sign_in", "bob@corp.example.com")]
    skipped = {f["file"].rsplit("/", 1)[-1]: [(r["reason"], r["count"]) for r in f["not_relevant_by_reason"]]
               for f in report["files"]}
    principal = "service principal or managed identity sign-in (not a person)"
    assert skipped == {"diagnostic.json": [(principal, 2)], "AADServicePrincipalSignInLogs.json": [(principal, 5)],
                       "graph-beta.json": [(principal, 1)]}
    assert all(f["malformed"] == 0 for f in report["files"])


def test_the_portal_service_principal_csv_is_read_not_refused(tmp_path: Path) -> None:
    # Sign-in logs > Service principal sign-ins > Download > CSV: no user columns filled
    header = ("Date (UTC),Request ID,Correlation ID,Service principal ID,Service principal name,Application,"
              "Application ID,Resource,Resource ID,IP address,Location,Status,Sign-in error code,Failure reason,"
              "Client credential type,Managed Identity type")
    rows = [f"2026-11-02T00:0{n}:00Z,{n:08x}-0f6d-4a9b-8c7e-1d2f3a4b5c6d,c0ffee00-000{n},"
            f"0c1f1e22-0000-4000-8000-00000000000{n},backup-runner,backup-runner,5b1c,Microsoft Graph,00000003,"
            '20.1.2.3,"Amsterdam, North Holland, NL",Success,0,,Client secret,' for n in range(4)]
    events, _, report = _parse(tmp_path, {"ServicePrincipalSignIns_2026-11-01_2026-11-30.csv":
                                          ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig")})
    assert events == []
    (f,) = report["files"]
    assert (f["source"], f["recognised"], f["malformed"]) == ("entra-signins", 0, 0)
    assert f["not_relevant_by_reason"][0]["count"] == 4


@pytest.mark.parametrize("status", ["Interrupted", "已中斷"])
def test_interrupted_sign_ins_are_counted_with_their_reason(tmp_path: Path, status: str) -> None:
    text = ("Date (UTC),Request ID,Username,Status,Sign-in error code,Authentication requirement\r\n"
            "2026-11-02T01:05:00Z,1a3e1b2c-0f6d-4a9b-8c7e-1d2f3a4b5c6d,bob@corp.example.com,"
            f"{status},50074,Multifactor authentication\r\n")
    events, _, report = _parse(tmp_path, {"signins.csv": text.encode()})
    assert events == []
    assert [r["reason"] for r in report["files"][0]["not_relevant_by_reason"]] == [
        "interrupted sign-in (Entra asked for more; the flow goes on in the next)"]


def test_an_inspection_pairs_the_two_logs_of_a_host_handed_in_as_separate_files(tmp_path: Path) -> None:
    from tests.cli.evtxfile import lsm_event, write_evtx

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    write_evtx(evidence / "TS02-LocalSessionManager.evtx", [
        lsm_event(21, "2026-11-02T00:15:04.0000000Z", "CORP\\alice", "3", "203.0.113.7"),
        lsm_event(24, "2026-11-02T01:00:00.0000000Z", "CORP\\alice", "3", "203.0.113.7"),
        lsm_event(21, "2026-11-01T22:00:00.0000000Z", "CORP\\carol", "5", "203.0.113.9")])
    (evidence / "TS02-Security.json").write_text("\n".join([
        _security(4624, "2026-11-02T00:15:02.1Z", "alice", "0x1a2b", "203.0.113.7"),
        _security(4634, "2026-11-02T05:00:00Z", "alice", "0x1a2b")]) + "\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    assert "1 Remote Desktop connection(s) also in a TerminalServices-LocalSessionManager log" in result.text
    import duckdb

    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    rows = con.execute("SELECT person_id, CAST(start_time AS VARCHAR), CAST(end_time AS VARCHAR) FROM remote_sessions "
                       "ORDER BY start_time").fetchall()
    con.close()
    assert rows == [("carol", "2026-11-02 06:00:00", None), ("alice", "2026-11-02 08:15:02", "2026-11-02 09:00:00")]


def test_sign_ins_without_a_result_are_malformed_not_successes(tmp_path: Path) -> None:
    # Get-MgAuditLogSignIn | Export-Csv: createdDateTime (UTC) in the culture's format, the nested status written as
    # its type name; what the file does not say is not taken as a success
    header = "Id,CreatedDateTime,UserPrincipalName,AppDisplayName,IPAddress,Status,AuthenticationRequirement"
    rows = [f"{n:08x}-aaaa-4bbb-8ccc-000000000000,11/20/2026 12:14:40 AM,u{n}@corp.example.com,GlobalProtect VPN,"
            "203.0.113.7,Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus,multiFactorAuthentication"
            for n in range(3)]
    (tmp_path / "MgSignIns.csv").write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    refused = ccaudit("sources", "parse", "entra-signins", tmp_path / "MgSignIns.csv", "--out", tmp_path / "x")
    assert refused.code == 2 and "no sign-in result" in refused.text

    # with the error code selected into a column of its own, the same export is read, its times as UTC
    header = header.replace("Status", "ErrorCode")
    rows = [r.replace("Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus", "0") for r in rows]
    events, _, _ = _parse(tmp_path, {"MgSignIns2.csv": ("\r\n".join([header, *rows]) + "\r\n").encode()})
    assert {(e["kind"], e["utc_time"], e["time_zone"]) for e in events} == {
        ("sign_in", "2026-11-20T00:14:40Z", "stated")}
