"""Second round of vendors' and other projects' published samples (docs/sources.md, *Published sample logs tried*):
each form ccaudit first read wrongly, as a fixture written here from the format fact (not copied), asserting what an
auditor would check: the user, the instant, the address, the kind, the device and its owner."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _parse(tmp_path: Path, name: str, text: str, *args: str) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    return out, result.text


def _events(out: Path) -> list[dict[str, str]]:
    return _rows(out / "remote_access_events.csv")


def _report(out: Path, name: str = "parse_report.json") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / name).read_text(encoding="utf-8"))
    return loaded


def test_fortigate_cef_names_the_clients_address_dst(tmp_path: Path) -> None:
    # FortiOS's CEF (config log syslogd setting: format cef) maps remip to the CEF key dst: a published 6.0
    # ssl-new-con line carries 'dst=<client>' and no FTNTFGTremip; 6.0's header may read 'CEF: 0|'
    head = "Nov  2 08:15:02 FGT-TPE CEF:0|Fortinet|Fortigate|v6.0.10|"
    common = ("deviceExternalId=FGT3HD3916803645 cat=event:vpn FTNTFGTsubtype=vpn FTNTFGTlevel=information "
              "FTNTFGTvd=root")
    lines = [
        f"{head}39947|event:vpn tunnel-up|3|{common} FTNTFGTlogid=0101039947 FTNTFGTeventtime=1793578502 "
        "FTNTFGTlogdesc=SSL VPN tunnel up act=tunnel-up FTNTFGTtunneltype=ssl-tunnel FTNTFGTtunnelid=1234567 "
        "dst=203.0.113.7 FTNTFGTtunnelip=10.212.134.200 duser=alice FTNTFGTgroup=SSLVPN-Users "
        "reason=tunnel established msg=SSL tunnel established",
        "Nov  2 17:15:02 FGT-TPE CEF: 0|Fortinet|Fortigate|v6.0.3|39948|event:vpn tunnel-down|3|"
        f"{common} FTNTFGTlogid=0101039948 FTNTFGTeventtime=1793610902 act=tunnel-down "
        "FTNTFGTtunneltype=ssl-tunnel FTNTFGTtunnelid=1234567 dst=203.0.113.7 FTNTFGTtunnelip=10.212.134.200 "
        "duser=alice reason=connection closed FTNTFGTduration=32400 msg=SSL tunnel shutdown",
        # a line naming both: remip is the client, whatever dst says
        f"{head}39947|event:vpn tunnel-up|3|{common} FTNTFGTlogid=0101039947 FTNTFGTeventtime=1793578600 "
        "act=tunnel-up FTNTFGTtunneltype=ssl-tunnel FTNTFGTtunnelid=7654321 dst=192.0.2.1 "
        "FTNTFGTremip=198.51.100.20 duser=bob msg=SSL tunnel established",
    ]
    out, _ = _parse(tmp_path, "fgt-cef.log", "\n".join(lines) + "\n")
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"]) for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "10.212.134.200", "2026-11-02T00:15:02Z"),
        ("session_end", "alice", "203.0.113.7", "10.212.134.200", "2026-11-02T09:15:02Z"),
        ("session_start", "bob", "198.51.100.20", "", "2026-11-02T00:16:40Z")]


def test_intune_devices_from_graph_powershell_export_csv_with_its_type_line(tmp_path: Path) -> None:
    # Get-MgDeviceManagementManagedDevice -All | Export-Csv in Windows PowerShell 5.1: a '#TYPE ...' line above the
    # header (no -NoTypeInformation), the SDK's PascalCase property names, culture times without a zone
    text = (
        "#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphManagedDevice\r\n"
        '"ComplianceState","DeviceName","EmailAddress","EnrolledDateTime","Id","IsSupervised","LastSyncDateTime",'
        '"ManagedDeviceOwnerType","Manufacturer","Model","OperatingSystem","SerialNumber","UserPrincipalName"\r\n'
        '"compliant","TPE-IPHONE-01","alice@corp.example.com","1/6/2026 7:59:43 AM","705c034c","True",'
        '"11/1/2026 8:02:49 AM","company","Apple","iPhone 15","iOS","F2LXK0AAAAAA","alice@corp.example.com"\r\n'
        '"compliant","BYOD-PIXEL","bob@corp.example.com","1/7/2026 9:00:00 AM","805c","False",'
        '"11/1/2026 8:02:49 AM","personal","Google","Pixel 8","Android","PX8AAAA","bob@corp.example.com"\r\n')
    out, said = _parse(tmp_path, "ManagedDevices.csv", text, "--date-order", "mdy")
    company, byod = _rows(out / "company_mobile_devices.csv"), _rows(out / "byod_register.csv")
    # rows cite the file's own lines: the type line is line 1, the header line 2
    assert [(d["device_id"], d["status"], d["primary_user"], d["issued_on"], d["source_row"]) for d in company] == [
        ("F2LXK0AAAAAA", "in_use", "alice@corp.example.com", "2026-01-06", "3")]
    assert [(d["device_id"], d["primary_user"], d["source_row"]) for d in byod] == [
        ("PX8AAAA", "bob@corp.example.com", "4")]
    assert "1 company devices, 1 personal devices" in said


def _csl(**fields: str) -> dict[str, str]:
    record = {"DeviceVendor": "Fortinet", "DeviceProduct": "Fortigate", "DeviceVersion": "v7.2.8",
              "Computer": "FGT-TPE", "DeviceExternalID": "FG100FTK20000001", "Type": "CommonSecurityLog"}
    record.update(fields)
    return record


def test_fortigate_from_sentinel_common_security_log_exported_as_json(tmp_path: Path) -> None:
    # Microsoft Sentinel keeps FortiGate's CEF in CommonSecurityLog: act, duser, dst, deviceExternalId are
    # columns (DeviceAction, DestinationUserName, DestinationIP, DeviceExternalID), FortiOS's own keys are in
    # AdditionalExtensions as 'k=v;k=v' with FTNTFGT written FortinetFortiGate (Sentinel's sample data), with or
    # without a space after ';'. Exported from Log Analytics as a JSON array; an application-control record is
    # not a VPN event.
    ext = "FortinetFortiGate{}".format
    up = _csl(TimeGenerated="2026-11-02T00:15:03.1Z", DeviceAction="tunnel-up", DestinationIP="203.0.113.7",
              DestinationUserName="alice", Activity="event:vpn tunnel-up", AdditionalExtensions=";".join([
                  ext("logid=0101039947"), "cat=event:vpn", ext("subtype=vpn"), ext("vd=root"),
                  ext("eventtime=1793578502123456789"), ext("tz=+0800"), ext("logdesc=SSL VPN tunnel up"),
                  ext("tunneltype=ssl-tunnel"), ext("tunnelid=1436452612"), ext("tunnelip=10.212.134.200")]))
    fail = _csl(TimeGenerated="2026-11-02T01:00:01Z", DeviceAction="ssl-login-fail", DestinationIP="198.51.100.66",
                DestinationUserName="mallory", Reason="sslvpn_login_permission_denied", AdditionalExtensions="; ".join([
                    ext("logid=0101039426"), "cat=event:vpn", ext("subtype=vpn"), ext("vd=root"),
                    ext("eventtime=1793581200"), ext("tunneltype=ssl-web"), ext("tunnelid=0")]))
    down = _csl(TimeGenerated="2026-11-02T09:15:03Z", DeviceAction="tunnel-down", DestinationIP="203.0.113.7",
                DestinationUserName="alice", AdditionalExtensions="; ".join([
                    ext("logid=0101039948"), "cat=event:vpn", ext("subtype=vpn"), ext("vd=root"),
                    ext("eventtime=1793610902000000000"), ext("tunneltype=ssl-tunnel"), ext("tunnelid=1436452612"),
                    ext("tunnelip=10.212.134.200"), ext("duration=32400"), "out=1000", "in=2000"]))
    app = _csl(TimeGenerated="3/31/2026, 10:52:35.857 AM", DestinationIP="192.168.20.58", SourceIP="213.252.245.73",
               AdditionalExtensions=";".join([ext("eventtime=1774979555304240923"), ext("logid=1059028704"),
                                              "cat=utm:app-ctrl", ext("subtype=app-ctrl"), ext("action=pass")]))
    out, _ = _parse(tmp_path, "CommonSecurityLog.json", json.dumps([app, up, fail, down], indent=2))
    report = _report(out)["files"][0]
    assert (report["source"], report["recognised"], report["malformed"]) == ("fortigate", 3, 0)
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"], e["gateway_id"],
             e["session_key"]) for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "10.212.134.200", "2026-11-02T00:15:02Z", "FGT-TPE",
         "FG100FTK20000001|root|1436452612"),
        ("login_failed", "mallory", "198.51.100.66", "", "2026-11-02T01:00:00Z", "FGT-TPE", "FG100FTK20000001|root|0"),
        ("session_end", "alice", "203.0.113.7", "10.212.134.200", "2026-11-02T09:15:02Z", "FGT-TPE",
         "FG100FTK20000001|root|1436452612")]
    sessions = _rows(out / "remote_sessions.csv")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("alice", "2026-11-02T08:15:02+08:00", "2026-11-02T17:15:02+08:00")]
