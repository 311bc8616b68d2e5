"""The other forms real exports come in, written from the vendors' documented formats: FortiGate's CEF syslog
(FortiOS Log Message Reference, "FortiOS to CEF log field mapping": FTNTFGT prefix, act/duser/deviceExternalId,
quotes dropped, '=' and '\\' escaped) and FortiAnalyzer's forwarded CEF (ad. prefix, dvchost) and CSV download
(one "key=value" per cell); Windows Remote Desktop reconnects and disconnects (4778/4779, Audit Other
Logon/Logoff Events) in a pretty-printed JSON array and in PowerShell's ConvertTo-Json; Entra sign-ins as Graph
returns them ({"value": [...]}, pretty-printed or on one line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit
from tests.cli.test_sources_vendors import _evtx, _signin


def _run(tmp_path: Path, name: str, text: str, *args: str) -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    rows = []
    for csv_name in ("remote_access_events.csv", "remote_sessions.csv"):
        with (out / csv_name).open(encoding="utf-8", newline="") as fh:
            rows.append(list(csv.DictReader(fh)))
    return rows[0], rows[1], json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


FORTIGATE_CEF = "\n".join([
    # FortiOS itself (config log syslogd setting: set format cef), behind a relay's <PRI>
    r"<189>Nov  2 08:15:02 FGT-HQ-01 CEF:0|Fortinet|Fortigate|v7.2.8|39424|event:vpn tunnel-up|3|"
    r"deviceExternalId=FG100FTK20000001 FTNTFGTlogid=0101039424 cat=event:vpn FTNTFGTsubtype=vpn "
    r"FTNTFGTlevel=information FTNTFGTvd=root FTNTFGTeventtime=1793578502123456789 FTNTFGTtz=+0800 "
    r"FTNTFGTlogdesc=SSL VPN tunnel up act=tunnel-up FTNTFGTtunneltype=ssl-tunnel FTNTFGTtunnelid=1436452612 "
    r"FTNTFGTremip=2001:db8::7 FTNTFGTtunnelip=10.212.134.200 duser=CORP\\alice cs6=VPN-Users "
    r"msg=SSL tunnel established",
    r"<189>Nov  2 08:20:00 FGT-HQ-01 CEF: 0|Fortinet|Fortigate|v7.2.8|39426|event:vpn ssl-login-fail|4|"
    r"deviceExternalId=FG100FTK20000001 FTNTFGTlogid=0101039426 cat=event:vpn FTNTFGTsubtype=vpn FTNTFGTvd=root "
    r"FTNTFGTeventtime=1793578800 FTNTFGTtz=+0800 act=ssl-login-fail FTNTFGTtunneltype=ssl-web "
    r"FTNTFGTremip=198.51.100.66 duser=王小明 reason=sslvpn_login_permission_denied msg=SSL user failed to logged in",
    r"<189>Nov  2 08:21:00 FGT-HQ-01 CEF:0|Fortinet|Fortigate|v7.2.8|00013|traffic:forward close|3|"
    r"deviceExternalId=FG100FTK20000001 FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward "
    r"src=10.212.134.200 dst=10.1.1.5 act=close",
    # forwarded by FortiAnalyzer in CEF: ad. prefix, the device in dvchost
    r"Nov 02 17:30:00 FAZ-01 CEF:0|Fortinet|FortiGate-100F|7.2.8,build1639 (GA)|0101039425|event:vpn tunnel-down|3|"
    r"start=Nov 02 2026 17:30:00 logver=702081639 deviceExternalId=FG100FTK20000001 dvchost=FGT-HQ-01 ad.vd=root "
    r"ad.eventtime=1793611800123456789 ad.tz=+0800 ad.logid=0101039425 cat=event:vpn ad.subtype=vpn act=tunnel-down "
    r"ad.tunneltype=ssl-tunnel ad.tunnelid=1436452612 ad.remip=2001:db8::7 duser=CORP\\alice ad.duration=33898 "
    r"reason=N/A msg=SSL tunnel shutdown",
    # FortiAnalyzer's Log View downloaded as CSV: an XAuth IPsec tunnel, the end without eventtime or tz
    '"itime=1793592010","date=""2026-11-02""","time=""12:00:00""","devid=""FG100FTK20000001""","vd=""root""",'
    '"type=""event""","subtype=""vpn""","action=""tunnel-up""","","devname=""FGT-HQ-01""",'
    '"eventtime=1793592000000000","logid=""0101037138""","remip=""198.51.100.20""","assignip=""10.10.0.5""",'
    '"tunnelid=88001","tunneltype=""ipsec""","tz=""+0800""","user=""N/A""","xauthuser=""bob@corp.example.com"""',
    '"itime=1793595600","date=""2026-11-02""","time=""13:00:00""","devid=""FG100FTK20000001""","vd=""root""",'
    '"type=""event""","subtype=""vpn""","action=""tunnel-down""","devname=""FGT-HQ-01""","duration=3600",'
    '"logid=""0101037138""","remip=""198.51.100.20""","tunnelid=88001","tunneltype=""ipsec""",'
    '"xauthuser=""bob@corp.example.com"""',
    # traffic through a site-to-site IPsec tunnel names it (vpn=, vpntype=): not a session event
    'date=2026-11-02 time=13:05:00 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793595900 tz="+0800" '
    'logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.1.5 dstip=10.9.0.7 '
    'action="accept" vpn="HQ-to-DC" vpntype="ipsec-static" duration=30',
]) + "\n"


def test_fortigate_cef_and_fortianalyzer_exports(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "fgt-cef.log", FORTIGATE_CEF)
    assert report["sources"] == ["fortigate"]
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"]) == (7, 5, 2, 0)
    alice = next(s for s in sessions if s["account"] == "CORP\\alice")  # CEF start (FortiOS), CEF end (FortiAnalyzer)
    assert (alice["start_time"], alice["end_time"], alice["source_ip"]) == (
        "2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00", "2001:db8::7")
    assert (alice["gateway_id"], alice["assigned_ip"], alice["source_line"]) == ("FGT-HQ-01", "10.212.134.200", "1")
    bob = next(s for s in sessions if s["account"] == "bob@corp.example.com")  # FortiAnalyzer CSV
    assert (bob["channel"], bob["assigned_ip"], bob["start_time"], bob["end_time"]) == (
        "ipsec_vpn", "10.10.0.5", "2026-11-02T12:00:00+08:00", "2026-11-02T13:00:00+08:00")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["reason"], failed["source_line"]) == (
        "王小明", "sslvpn_login_permission_denied", "2")
    assert [e["time_zone"] for e in events if e["source_line"] == "6"] == ["assumed"]


def _window_station(event_id: int, when: str, logon_id: str, address: str, session: str = "RDP-Tcp#3") -> str:
    return _evtx(event_id, when, {"AccountName": "alice", "AccountDomain": "CORP", "LogonID": logon_id,
                                  "SessionName": session, "ClientName": "NB-0042", "ClientAddress": address})


def test_rdp_reconnects_and_disconnects_in_a_pretty_printed_json_array(tmp_path: Path) -> None:
    records = [json.loads(r) for r in (
        _evtx(4624, "2026-11-02T00:15:02Z", {"TargetUserName": "alice", "TargetDomainName": "CORP",
                                             "TargetLogonId": "0x1a2b3c", "LogonType": 10,
                                             "IpAddress": "203.0.113.7"}),
        _window_station(4779, "2026-11-02T04:00:00Z", "0x1a2b3c", "203.0.113.7"),  # connection lost at noon
        _window_station(4778, "2026-11-02T05:00:00Z", "0x1a2b3c", "2001:db8::99"),  # back from home, over IPv6
        _window_station(4779, "2026-11-02T09:00:00Z", "0x1a2b3c", "2001:db8::99"),
        _window_station(4778, "2026-11-02T10:00:00Z", "0x3", "LOCAL", session="Console"),  # user switching
        _evtx(4634, "2026-11-02T11:00:00Z", {"TargetUserName": "alice", "TargetDomainName": "CORP",
                                             "TargetLogonId": "0x1a2b3c", "LogonType": 10}),
    )]
    text = json.dumps(records, indent=2, ensure_ascii=False)  # e.g. evtx_dump -o jsonl | jq -s .
    events, sessions, report = _run(tmp_path, "Security.json", text)
    assert report["sources"] == ["windows-security"]
    assert report["files"][0]["lines_read"] == len(text.splitlines())
    got = [(s["start_time"], s["end_time"], s["source_ip"]) for s in sessions]
    assert got == [("2026-11-02T08:15:02+08:00", "2026-11-02T12:00:00+08:00", "203.0.113.7"),
                   ("2026-11-02T13:00:00+08:00", "2026-11-02T17:00:00+08:00", "2001:db8::99")]
    starts = [int(s["source_line"]) for s in sessions]
    lines = text.splitlines()
    assert all(lines[n - 1].strip() == "{" for n in starts)  # each cites the line its record opens on
    assert "2026-11-02T18:00:00+08:00" not in [s["end_time"] for s in sessions]  # the later log-off ends nothing
    reasons = {e["reason"] for e in events if e["kind"] == "session_end"}
    assert {"disconnected (4779)", "logged off (4634)"} <= reasons
    assert sum(e["kind"] == "session_start" for e in events) == 2  # the console switch at 18:00 is not remote


def test_windows_powershell_convertto_json(tmp_path: Path) -> None:
    message = ("A session was reconnected to a Window Station.\r\n\r\nSubject:\r\n\tAccount Name:\t\t李大華\r\n"
               "\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x5566\r\n\r\nSession:\r\n\tSession Name:\t\tRDP-Tcp#7\r\n"
               "\r\nAdditional Information:\r\n\tClient Name:\t\tHOME-PC\r\n\tClient Address:\t\t198.51.100.30\r\n")
    events = [{"Id": 4778, "MachineName": "TS02.corp.example.com", "TimeCreated": "/Date(1793595600000)/",
               "Message": message, "LevelDisplayName": "Information"},
              {"Id": 4779, "MachineName": "TS02.corp.example.com", "TimeCreated": "/Date(1793599200000)/",
               "Message": message.replace("reconnected to", "disconnected from"), "LevelDisplayName": "Information"}]
    # Get-WinEvent -FilterHashtable @{LogName='Security'; Id=4778,4779} | Select-Object Id, MachineName,
    # TimeCreated, Message, LevelDisplayName | ConvertTo-Json   (Windows PowerShell 5.1: 4-space indents)
    _, sessions, _ = _run(tmp_path, "rdp.json", json.dumps(events, indent=4, ensure_ascii=False))
    (s,) = sessions
    assert (s["account"], s["source_ip"], s["gateway_id"]) == ("CORP\\李大華", "198.51.100.30", "TS02.corp.example.com")
    assert (s["start_time"], s["end_time"]) == ("2026-11-02T13:00:00+08:00", "2026-11-02T14:00:00+08:00")


def test_entra_sign_ins_as_graph_returns_them(tmp_path: Path) -> None:
    records = [json.loads(_signin("2026-11-02T00:14:40Z", "alice@corp.example.com", 0, "multiFactorAuthentication",
                                  [("Password", True), ("Mobile app notification", True)])),
               json.loads(_signin("2026-11-02T01:30:00Z", "mallory@corp.example.com", 50126,
                                  "singleFactorAuthentication", [("Password", False)], failure="Invalid password."))]
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns", "value": records}
    for name, text in (("pretty.json", json.dumps(page, indent=2)), ("one-line.json", json.dumps(page))):
        events, _, report = _run(tmp_path, name, text)
        assert report["sources"] == ["entra-signins"], name
        assert [(e["kind"], e["account"], e["mfa_method"]) for e in events] == [
            ("sign_in", "alice@corp.example.com", "push"), ("login_failed", "mallory@corp.example.com", "")], name
        cited = [int(e["source_line"]) for e in events]
        if name == "pretty.json":  # each sign-in cites the line its record opens on
            assert [text.splitlines()[n - 1].strip() for n in cited] == ["{", "{"]
        else:
            assert cited == [1, 1]


def test_rdp_disconnect_and_reconnect_in_get_winevent_csv(tmp_path: Path) -> None:
    from tests.cli.test_sources_vendors import GET_WINEVENT_HEADER, _logon_message, _winevent_row

    def station(verb: str, address: str) -> str:
        return (f"A session was {verb} a Window Station.\n\nSubject:\n\tAccount Name:\t\t李大華\n\tAccount Domain:\t\t"
                "CORP\n\tLogon ID:\t\t0x5566\n\nSession:\n\tSession Name:\t\tRDP-Tcp#7\n\nAdditional Information:\n"
                f"\tClient Name:\t\tHOME-PC\n\tClient Address:\t\t{address}\n\nThis event is generated when a user "
                "reconnects to an existing Terminal Services session, or when a user switches to an existing desktop "
                "using Fast User Switching.")

    text = "\n".join([
        GET_WINEVENT_HEADER,
        _winevent_row(_logon_message("李大華", "CORP", "0x5566", "10", "203.0.113.40"), "4624", "11/2/2026 9:00:00 AM"),
        _winevent_row(station("disconnected from", "203.0.113.40"), "4779", "11/2/2026 12:00:00 PM"),
        _winevent_row(station("reconnected to", "2001:db8::40"), "4778", "11/2/2026 1:00:00 PM"),
        _winevent_row(station("disconnected from", "2001:db8::40"), "4779", "11/2/2026 6:00:00 PM"),
    ]) + "\n"
    _, sessions, _ = _run(tmp_path, "rdp.csv", text, "--tz", "Asia/Taipei", "--date-order", "mdy")
    assert [(s["start_time"], s["end_time"], s["source_ip"]) for s in sessions] == [
        ("2026-11-02T09:00:00+08:00", "2026-11-02T12:00:00+08:00", "203.0.113.40"),
        ("2026-11-02T13:00:00+08:00", "2026-11-02T18:00:00+08:00", "2001:db8::40")]
