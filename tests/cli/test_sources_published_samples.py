"""Forms seen in vendors' and other projects' published sample logs that ccaudit first read wrongly (docs/sources.md,
*Published sample logs tried*), each as a fixture written here from the format fact, not copied: what an auditor
would check (the user, the instant, the address, the kind) is asserted."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _parse(tmp_path: Path, name: str, lines: list[str], *args: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    return events, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def test_entra_diagnostic_record_times_in_every_published_form(tmp_path: Path) -> None:
    # a diagnostic setting's `time` as Azure's samples show it: culture dates with or without AM/PM, a culture time
    # followed by its offset, ISO without a zone, with 2, 7 or 9 fraction digits, with Z, +00:00 or +02:00
    times = ["01/09/2026 09:41:00", "1/9/2026 9:41:00 AM", "1/9/2026 10:41:00 AM +01:00", "2026-01-09T09:41:00",
             "2026-01-09T09:41:00.22Z", "2026-01-09T09:41:00.6816663Z", "2026-01-09T09:41:00.535404056Z",
             "2026-01-09T09:41:00.992099+00:00", "2026-01-09T11:41:00+02:00"]
    lines = [json.dumps({"time": t, "category": "SignInLogs", "properties": {
        "userPrincipalName": f"user{i}@corp.example.com", "ipAddress": "203.0.113.1", "status": {"errorCode": 0},
        "authenticationRequirement": "singleFactorAuthentication"}}) for i, t in enumerate(times)]
    events, report = _parse(tmp_path, "SignInLogs.json", lines, "--date-order", "mdy")
    assert report["files"][0]["malformed"] == 0
    assert {e["utc_time"][:19] for e in events} == {"2026-01-09T09:41:00"}
    assert len(events) == len(times)


def test_globalprotect_csv_with_milliseconds_and_the_first_91_layout(tmp_path: Path) -> None:
    # receive and generated times with milliseconds ('2026/11/02 08:15:02.223'); PAN-OS 9.1.0's first layout with
    # Sequence Number and Action Flags between the serial and the type ('...,012801096514,11,0x0,GLOBALPROTECT,...')
    lines = [
        "<14>Nov  2 08:15:02 PA-3220 1,2026/11/02 08:15:02.223,012801096514,GLOBALPROTECT,0,2561,"
        "2026/11/02 08:15:02.223,vsys1,gateway-connected,connected,LDAP,SSL,CORP\\alice,TW,NB-0042,203.0.113.7,0.0.0.0,"
        "10.31.0.12,0.0.0.0,1f2e3d4c-aa,PF1XYZ,6.2.1,Microsoft Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,,"
        "success,Taipei,0,user-logon,0,GP-Portal,7290471224,0x8000000000000000",
        "<14>Nov  2 09:00:00 PA-3220 1,2026/11/02 09:00:00,012801096514,12,0x0,GLOBALPROTECT,0,2305,"
        "2026/11/02 09:00:00,vsys1,gateway-connected,connected,LDAP,SSL,bob,TW,NB-0043,198.51.100.20,0.0.0.0,"
        "10.31.0.30,0.0.0.0,2a3b4c5d-bb,PF2XYZ,5.1.1,Windows,\"Microsoft Windows 10 Pro , 64-bit\",1,,,\"\","
        "success,,0,,0,GP-GW",
    ]
    events, report = _parse(tmp_path, "pan-gp.log", lines)
    assert (report["files"][0]["source"], report["files"][0]["recognised"]) == ("globalprotect", 2)
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["event_time"]) for e in events] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "10.31.0.12", "2026-11-02T08:15:02+08:00"),
        ("session_start", "bob", "198.51.100.20", "10.31.0.30", "2026-11-02T09:00:00+08:00")]


def test_windows_security_events_as_wazuh_alerts(tmp_path: Path) -> None:
    # Wazuh's alerts.json / archives.json: the event under data.win, System fields and EventData names in camelCase
    def alert(event_id: str, at: str, **eventdata: str) -> str:
        return json.dumps({"timestamp": "2026-11-02T08:15:02.456+0800", "rule": {"level": 3, "id": "60106"},
                           "agent": {"id": "003", "name": "TS01"}, "decoder": {"name": "windows_eventchannel"},
                           "data": {"win": {"system": {"providerName": "Microsoft-Windows-Security-Auditing",
                                                       "eventID": event_id, "systemTime": at, "channel": "Security",
                                                       "computer": "TS01.corp.example.com"},
                                            "eventdata": eventdata}}, "location": "EventChannel"})

    lines = [alert("4624", "2026-11-02T00:15:02.1234567Z", targetUserName="alice", targetDomainName="CORP",
                   targetLogonId="0x1a2b3c", logonType="10", ipAddress="203.0.113.7"),
             alert("4634", "2026-11-02T09:00:00.0000000Z", targetUserName="alice", targetDomainName="CORP",
                   targetLogonId="0x1a2b3c", logonType="10"),
             alert("4625", "2026-11-02T01:30:00.0000000Z", targetUserName="mallory", targetDomainName="CORP",
                   logonType="3", ipAddress="198.51.100.66", status="0xc000006d")]
    events, report = _parse(tmp_path, "alerts.json", lines)
    assert (report["files"][0]["source"], report["files"][0]["recognised"]) == ("windows-security", 3)
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in events] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z", "TS01.corp.example.com"),
        ("session_end", "CORP\\alice", "", "2026-11-02T09:00:00Z", "TS01.corp.example.com"),
        ("login_failed", "CORP\\mallory", "198.51.100.66", "2026-11-02T01:30:00Z", "TS01.corp.example.com")]
