"""`defender-logons`: Microsoft Defender for Endpoint's DeviceLogonEvents (advanced hunting schema) as Remote Desktop
logons, in the forms a firm exports it: the Defender portal's CSV, the advanced hunting API's answer as saved
(Schema + Results, pretty-printed), the streaming API's records (properties under a category), a Sentinel / Log
Analytics CSV with the browser's times; and counted once with the same logon in the host's Security log."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

HEADER = ("Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,Protocol,"
          "FailureReason,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP,RemoteIPType,RemotePort,ReportId")
DEV = "9f1c0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b"
PORTAL = [
    HEADER,
    f"2026-11-02T00:15:02.1234567Z,{DEV},ts01.corp.example.com,LogonSuccess,RemoteInteractive,corp,alice,"
    "S-1-5-21-1-2-3-1105,Negotiate,,false,1715004,NB-0042,203.0.113.7,Public,51642,11",
    # the same user's network logon a second earlier (NLA): not a session
    f"2026-11-02T00:15:01.0000000Z,{DEV},ts01.corp.example.com,LogonSuccess,Network,corp,alice,"
    "S-1-5-21-1-2-3-1105,Kerberos,,false,1714990,NB-0042,203.0.113.7,Public,51641,12",
    f"2026-11-02T01:00:00.0000000Z,{DEV},ts01.corp.example.com,LogonFailed,Network,corp,mallory,,NTLM,"
    "InvalidUserNameOrPassword,false,,,198.51.100.66,Public,40000,13",
    f"2026-11-02T01:05:00.0000000Z,{DEV},ts01.corp.example.com,LogonAttempted,RemoteInteractive,corp,bob,,"
    "Negotiate,,false,,,198.51.100.70,Public,40001,14",
    f"2026-11-02T02:00:00.0000000Z,{DEV},ts01.corp.example.com,LogonSuccess,CachedRemoteInteractive,corp,王小明,"
    "S-1-5-21-1-2-3-1107,Negotiate,,true,1800001,,::ffff:203.0.113.9,Public,51700,15",
]


def _parse(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[list[dict[str, str]], list[dict[str, str]],
                                                                       dict[str, Any]]:
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", *paths, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = list(csv.DictReader(fh))
    return events, sessions, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def test_portal_csv_remote_logons_and_failures(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, {"DeviceLogonEvents.csv": "\n".join(PORTAL) + "\n"})
    f = report["files"][0]
    assert (f["source"], f["lines_read"], f["recognised"], f["malformed"], f["not_this_source"]) == (
        "defender-logons", 6, 3, 0, 0)
    assert [(s["account"], s["start_time"], s["end_time"], s["source_ip"], s["gateway_id"], s["channel"])
            for s in sessions] == [
        ("corp\\alice", "2026-11-02T08:15:02+08:00", "", "203.0.113.7", "ts01.corp.example.com", "rdp_direct"),
        ("corp\\王小明", "2026-11-02T10:00:00+08:00", "", "203.0.113.9", "ts01.corp.example.com", "rdp_direct")]
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"], failed["reason"]) == (
        "corp\\mallory", "198.51.100.66", "InvalidUserNameOrPassword; logon type network; protocol NTLM")
    assert report["sessions"]["without_end"] == 2  # the table has no log-off


def test_hunting_api_answer_and_streaming_records(tmp_path: Path) -> None:
    answer = json.dumps({"Stats": {"ExecutionTime": 0.4}, "Schema": [
        {"Name": "Timestamp", "Type": "DateTime"}, {"Name": "DeviceName", "Type": "String"},
        {"Name": "ActionType", "Type": "String"}, {"Name": "LogonType", "Type": "String"}],
        "Results": [{"Timestamp": "2026-11-02T04:00:00Z", "DeviceName": "ts03.corp.example.com",
                     "ActionType": "LogonSuccess", "LogonType": "RemoteInteractive", "AccountDomain": "corp",
                     "AccountName": "dave", "LogonId": 5, "RemoteIP": "203.0.113.40"}]}, indent=2)
    stream = "\n".join(json.dumps({"time": "2026-11-02T03:00:00.5Z", "operationName": "Publish",
                                   "category": "AdvancedHunting-DeviceLogonEvents", "properties": props})
                       for props in ({"Timestamp": "2026-11-02T03:00:00.1Z", "DeviceName": "ts02.corp.example.com",
                                      "ActionType": "LogonSuccess", "LogonType": "RemoteInteractive",
                                      "AccountDomain": "corp", "AccountName": "carol", "LogonId": 99001,
                                      "RemoteIP": "2001:db8::5"},
                                     {"Timestamp": "2026-11-02T03:05:00Z", "DeviceName": "ts02.corp.example.com",
                                      "ActionType": "LogonSuccess", "LogonType": "Service",
                                      "AccountDomain": "nt authority", "AccountName": "system", "LogonId": 999}))
    _, sessions, report = _parse(tmp_path, {"hunting.json": answer + "\n", "eventhub.json": stream + "\n"})
    assert [f["source"] for f in report["files"]] == ["defender-logons", "defender-logons"]
    assert {s["account"]: (s["start_time"], s["source_ip"]) for s in sessions} == {
        "corp\\dave": ("2026-11-02T12:00:00+08:00", "203.0.113.40"),
        "corp\\carol": ("2026-11-02T11:00:00+08:00", "2001:db8::5")}


def test_sentinel_csv_browser_times_are_utc(tmp_path: Path) -> None:
    text = ('"TenantId","TimeGenerated [UTC]","Timestamp [UTC]",DeviceName,ActionType,LogonType,AccountDomain,'
            'AccountName,LogonId,RemoteIP,Type\n"0","11/2/2026, 5:00:01.000 AM","11/2/2026, 5:00:00.000 AM",'
            "ts04.corp.example.com,LogonSuccess,RemoteInteractive,corp,erin,77,203.0.113.50,DeviceLogonEvents\n")
    events, _, _ = _parse(tmp_path, {"sentinel.csv": text}, "--date-order", "mdy")
    assert (events[0]["utc_time"], events[0]["time_zone"]) == ("2026-11-02T05:00:00Z", "stated")


def test_the_same_logon_in_the_security_log_is_counted_once(tmp_path: Path) -> None:
    security = "\n".join(json.dumps({"Event": {"System": {
        "EventID": eid, "TimeCreated": {"#attributes": {"SystemTime": at}}, "Computer": "TS01.corp.example.com",
        "Channel": "Security"}, "EventData": {"TargetUserName": "alice", "TargetDomainName": "CORP",
                                             "TargetLogonId": "0x1a2b3c", "LogonType": 10, "IpAddress": "-"}}})
        for eid, at in ((4624, "2026-11-02T00:15:03.000000Z"), (4634, "2026-11-02T09:00:00.000000Z")))
    _, sessions, report = _parse(tmp_path, {"ts01-security.json": security + "\n",
                                            "DeviceLogonEvents.csv": "\n".join(PORTAL[:2]) + "\n"})
    (alice,) = sessions
    assert (alice["source"], alice["start_time"], alice["end_time"], alice["source_ip"]) == (
        "windows-security", "2026-11-02T08:15:03+08:00", "2026-11-02T17:00:00+08:00", "203.0.113.7")
    assert "Defender for Endpoint DeviceLogonEvents" in alice["note"] and "line 2" in alice["note"]
    assert report["sessions"]["merged_defender_logons"]["count"] == 1


def test_a_stream_of_several_tables_reads_only_device_logons(tmp_path: Path) -> None:
    # one Event Hub for every advanced hunting table: other tables' records are of the source but no logons, and
    # Defender for Identity's IdentityLogonEvents failures are not this table's; null fields as the stream sends them
    def record(category: str, **props: object) -> str:
        return json.dumps({"category": category, "operationName": "Publish", "time": "2026-11-02T06:00:00Z",
                           "properties": {"Timestamp": "2026-11-02T05:59:00.5Z", **props}})

    stream = "\n".join([
        record("AdvancedHunting-DeviceInfo", DeviceName="ts05", PublicIP="81.2.69.142"),
        record("AdvancedHunting-DeviceLogonEvents", AccountDomain=None, AccountName="administrator",
               ActionType="LogonFailed", DeviceName="ts05", FailureReason="InvalidUserNameOrPassword",
               LogonId=None, LogonType="Network", Protocol="NTLM", RemoteIP="198.51.100.80", RemotePort=0),
        record("AdvancedHunting-IdentityLogonEvents", AccountName="bob", ActionType="LogonFailed",
               LogonType="Resource access", DeviceName="dc01"),
        record("AdvancedHunting-DeviceEvents", ActionType="DpapiAccessed", DeviceName="ts05"),
    ])
    events, _, report = _parse(tmp_path, {"eventhub-all.json": stream + "\n"})
    assert report["files"][0]["source"] == "defender-logons"
    assert [(e["kind"], e["account"], e["source_ip"], e["gateway_id"]) for e in events] == [
        ("login_failed", "administrator", "198.51.100.80", "ts05")]


def test_in_an_evidence_folder_the_host_s_security_log_and_defender_count_a_logon_once(tmp_path: Path) -> None:
    import duckdb
    from tests.cli.test_sources_identity_gaps import _security

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    security = "\n".join([_security(4624, "2026-11-02T00:15:03.1Z", "alice", "0x1a2b3c"),  # no address logged
                          _security(4634, "2026-11-02T05:00:00Z", "alice", "0x1a2b3c")]) + "\n"
    (evidence / "TS02-Security.json").write_text(security, encoding="utf-8")
    defender = [HEADER, PORTAL[1].replace("ts01.", "ts02.")]
    (evidence / "DeviceLogonEvents.csv").write_text("\n".join(defender) + "\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    rows = con.execute("SELECT person_id, CAST(end_time AS VARCHAR), source_ip FROM remote_sessions").fetchall()
    con.close()
    # one session, the Security log's, with the address Defender saw
    assert rows == [("alice", "2026-11-02 13:00:00", "203.0.113.7")]
    assert ("TS02-Security.json: 1 Remote Desktop connection(s) also in Defender for Endpoint DeviceLogonEvents, "
            "counted once") in result.text
