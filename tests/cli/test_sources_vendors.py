"""`ccaudit sources parse` on Palo Alto GlobalProtect, Cisco ASA / Secure Client, Windows Security and Entra ID
exports, written from the vendors' documented field orders and messages: the forms each product emits, lines
that are not session events, malformed lines, IPv6, DOMAIN\\user and non-ASCII names, stated and assumed zones."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _run(tmp_path: Path, name: str, text: str, source: str = "auto", *args: str) -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, path, "--out", out, *args)
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    return _rows(out / "remote_access_events.csv"), _rows(out / "remote_sessions.csv"), report


# --- Palo Alto GlobalProtect -------------------------------------------------------------------------------------

def _gp(receive: str, event: str, user: str, public: str, private: str, status: str, *, public6: str = "0.0.0.0",
        duration: str = "0", hires: str = "", error: str = "", os_version: str = '"Microsoft Windows 11 Pro , 64-bit"',
        serial: str = "012801096514", device: str = "PA-3220", generated: str | None = None) -> str:
    """A GLOBALPROTECT log in PAN-OS's CSV syslog order (FUTURE_USE, Receive Time, Serial Number, Type, ...)."""
    fields = ["1", receive, serial, "GLOBALPROTECT", "0", "2561", generated or receive, "vsys1", event, "connected",
              "LDAP", "SSL", user, "TW", "NB-0042", public, public6, private, "0.0.0.0", "1f2e3d4c-aa", "PF1XYZ",
              "6.2.1",
              "Microsoft Windows", os_version, "1", "", error, "", status, "Taipei", duration, "user-logon", "0",
              "GP-Portal", "7290471224", "0x8000000000000000", hires, "", "", "", "", "GP-GW-TPE", "0", "0", "0", "0",
              "", device, "1", ""]
    return ",".join(fields)


GP_CSV = "\n".join([
    "<14>Nov  2 08:15:02 PA-3220 " + _gp("2026/11/02 08:15:02", "gateway-connected", "CORP\\alice", "203.0.113.7",
                                        "10.31.0.12", "success", hires="2026-11-02T08:15:02.374+08:00"),
    # a step of the connection, not a session event
    "<14>Nov  2 08:15:01 PA-3220 " + _gp("2026/11/02 08:15:01", "gateway-getconfig", "CORP\\alice", "203.0.113.7",
                                        "0.0.0.0", "success"),
    # a TRAFFIC log in the same file
    "<14>Nov  2 08:15:05 PA-3220 1,2026/11/02 08:15:05,012801096514,TRAFFIC,end,2561,2026/11/02 08:15:05,10.31.0.12,"
    "10.1.1.5,0.0.0.0,0.0.0.0,allow-vpn,corp\\alice,,ssl,vsys1,gp,trust,tunnel.1,ethernet1/2,fwd,2026/11/02 08:15:05",
    # IPv6 public address, Chinese user name, no High Res Timestamp: the wall time in the zone assumed
    _gp("2026/11/02 09:00:00", "gateway-connected", "王小明@corp.example.com", "0.0.0.0", "10.31.0.13", "success",
        public6="2001:db8:5::7"),
    _gp("2026/11/02 09:30:00", "gateway-auth", "mallory", "198.51.100.66", "0.0.0.0", "failure",
        error="Authentication failed: Invalid username or password"),
    _gp("2026/11/02 17:30:00", "gateway-logout", "CORP\\alice", "203.0.113.7", "10.31.0.12", "success",
        duration="33418", hires="2026-11-02T17:30:00.001+08:00"),
    # a logout whose connect is not in the file: its start comes from the login duration
    _gp("2026/11/02 12:00:00", "gateway-logout", "carol", "203.0.113.9", "10.31.0.20", "success", duration="3600"),
    _gp("2026/11/02 10:00:00", "gateway-connected", "", "203.0.113.10", "10.31.0.21", "success"),
    _gp("2026/11/02 10:05:00", "gateway-connected", "dave", "203.0.113.11", "10.31.0.22", "success",
        generated="2026/13/45 25:00:00"),
]) + "\n"

GP_CEF = "\n".join([
    "<14>1 2026-11-02T00:15:03.000Z logfwd01 logforwarder - panwlogs - CEF:0|Palo Alto Networks|LF|2.0|"
    "GLOBALPROTECT|globalprotect|3|ProfileToken=xxxxx dtz=UTC rt=Nov 02 2026 00:15:02 PanOSDeviceSN=012801096514 "
    "PanOSConfigVersion=10.2 start=Nov 02 2026 00:15:02 PanOSVirtualSystem=vsys1 PanOSEventIDValue=gateway-connected "
    "PanOSStage=connected PanOSAuthMethod=SAML PanOSTunnelType=ipsec PanOSSourceUserName=corp\\\\bob "
    "PanOSSourceRegion=TW PanOSEndpointDeviceName=BOB-MAC PanOSPublicIPv4=198.51.100.20 PanOSPublicIPv6= "
    "PanOSPrivateIPv4=10.31.0.30 PanOSPrivateIPv6= PanOSHostID=abc PanOSEndpointSN=C02XYZ "
    "PanOSGlobalProtectClientVersion=6.2.1 PanOSEndpointOSType=Intel Mac OS PanOSEndpointOSVersion=14.1 "
    "PanOSEventStatus=success PanOSLoginDuration=0 DeviceName=PA-3220",
    "CEF:0|Palo Alto Networks|PAN-OS|10.2.4|globalprotect|GLOBALPROTECT|1|rt=Nov 02 2026 08:40:00 "
    "deviceExternalId=012801096514 PanOSEventIDValue=gateway-auth PanOSSourceUserName=eve "
    "PanOSPublicIPv4=192.0.2.99 PanOSEventStatus=failure PanOSConnectionError=Authentication failed dtz=+08:00",
    "CEF:0|Palo Alto Networks|PAN-OS|10.2.4|end|TRAFFIC|1|rt=Nov 02 2026 08:40:01 src=10.31.0.30 dst=10.1.1.5",
]) + "\n"

GP_JSON = "\n".join([
    json.dumps({"LogType": "GLOBALPROTECT", "TimeGenerated": "2026-11-02T01:00:00Z", "DeviceSN": "012801096514",
                "DeviceName": "PA-3220", "VirtualSystem": "vsys1", "EventIDValue": "gateway-connected",
                "SourceUserName": "李大華", "PublicIPv4": "203.0.113.40", "PrivateIPv4": "10.31.0.40",
                "EventStatus": "success", "LoginDuration": 0}, ensure_ascii=False),
    json.dumps({"LogType": "GLOBALPROTECT", "TimeGenerated": "2026-11-02T03:00:00Z", "DeviceSN": "012801096514",
                "DeviceName": "PA-3220", "VirtualSystem": "vsys1", "EventIDValue": "gateway-logout",
                "SourceUserName": "李大華", "PublicIPv4": "203.0.113.40", "PrivateIPv4": "10.31.0.40",
                "EventStatus": "success", "LoginDuration": 7200}, ensure_ascii=False),
    json.dumps({"LogType": "GLOBALPROTECT", "TimeGenerated": "2026-11-02T03:05:00Z", "EventIDValue":
                "portal-prelogin", "SourceUserName": "", "PublicIPv4": "203.0.113.41", "EventStatus": "success"}),
    '{"LogType": "GLOBALPROTECT", "EventIDValue": "gateway-connected", "SourceUserName": "x"',
]) + "\n"

GP_SYSTEM = "\n".join([
    '1,2019/06/10 09:00:00,012801096514,SYSTEM,globalprotect,0,2019/06/10 09:00:00,vsys1,'
    'globalprotectgateway-regist-succ,GP-GW,0,0,general,informational,"GlobalProtect gateway user login '
    'succeeded. Login from: 203.0.113.7, Source region: TW, User name: corp\\alice, Client OS version: Microsoft '
    'Windows 10 Pro , 64-bit.",6842,0x0,0,0,0,0,,PA-3220',
    '1,2019/06/10 09:00:00,012801096514,SYSTEM,globalprotect,0,2019/06/10 09:00:00,vsys1,'
    'globalprotectgateway-config-succ,GP-GW,0,0,general,informational,"GlobalProtect gateway client configuration '
    'generated. User name: corp\\alice, Private IP: 10.31.0.12, Client version: 5.0.2",6843,0x0,0,0,0,0,,PA-3220',
    '1,2019/06/10 12:00:00,012801096514,SYSTEM,globalprotect,0,2019/06/10 12:00:00,vsys1,'
    'globalprotectgateway-logout-succ,GP-GW,0,0,general,informational,"GlobalProtect gateway user logout '
    'succeeded. User name: corp\\alice, Login from: 203.0.113.7, Client OS version: Microsoft Windows 10 Pro , '
    '64-bit, Reason: client logout.",6844,0x0,0,0,0,0,,PA-3220',
    '1,2019/06/10 12:05:00,012801096514,SYSTEM,globalprotect,0,2019/06/10 12:05:00,vsys1,'
    'globalprotectportal-auth-fail,GP-Portal,0,0,general,medium,"GlobalProtect portal user authentication failed. '
    'Login from: 2001:db8::66, Source region: US, User name: 張三, Client OS version: Apple Mac OS X 14.1, Reason: '
    'Authentication failed: Invalid username or password, Auth type: profile.",6845,0x0,0,0,0,0,,PA-3220',
]) + "\n"


def test_globalprotect_csv_syslog(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "pan.log", GP_CSV)
    assert report["sources"] == ["globalprotect"]
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"]) == (9, 5, 2, 2)
    assert {m["problem"]: m["lines"] for m in f["malformed_lines"]} == {"no readable time": [9],
                                                                        "no source user": [8]}
    by = {s["account"]: s for s in sessions}
    alice = by["CORP\\alice"]
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")
    assert (alice["source_ip"], alice["assigned_ip"], alice["gateway_id"]) == ("203.0.113.7", "10.31.0.12",
                                                                               "PA-3220")
    assert by["王小明@corp.example.com"]["source_ip"] == "2001:db8:5::7"
    assert by["王小明@corp.example.com"]["end_time"] == ""
    assert by["carol"]["start_time"] == "2026-11-02T11:00:00+08:00" and "log rotation" in by["carol"]["note"]
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"]) == ("mallory", "198.51.100.66")
    assert "Invalid username" in failed["reason"]
    start = next(e for e in events if e["kind"] == "session_start" and e["account"] == "CORP\\alice")
    assert start["time_zone"] == "stated"  # the High Res Timestamp carries +08:00
    assert report["time_zone"]["events_with_assumed_zone"] == 3


def test_globalprotect_zone_assumed_from_tz(tmp_path: Path) -> None:
    events, _, _ = _run(tmp_path, "pan.log", GP_CSV, "globalprotect", "--tz", "UTC")
    chinese = next(e for e in events if e["account"] == "王小明@corp.example.com")
    assert (chinese["utc_time"], chinese["time_zone"]) == ("2026-11-02T09:00:00Z", "assumed")
    alice = next(e for e in events if e["account"] == "CORP\\alice" and e["kind"] == "session_start")
    assert alice["utc_time"] == "2026-11-02T00:15:02Z"  # stated offset wins over --tz


def test_globalprotect_cef(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "gp-cef.log", GP_CEF)
    f = report["files"][0]
    assert (f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]) == (2, 1, 0, 0)
    bob = next(e for e in events if e["kind"] == "session_start")
    assert (bob["account"], bob["account_normalised"], bob["source_ip"]) == ("corp\\bob", "bob", "198.51.100.20")
    assert (bob["utc_time"], bob["time_zone"]) == ("2026-11-02T00:15:02Z", "stated")  # dtz=UTC
    eve = next(e for e in events if e["kind"] == "login_failed")
    assert (eve["account"], eve["utc_time"], eve["reason"]) == ("eve", "2026-11-02T00:40:00Z",
                                                                "Authentication failed")
    assert sessions[0]["end_time"] == ""


def test_globalprotect_json(tmp_path: Path) -> None:
    _, sessions, report = _run(tmp_path, "gp.json", GP_JSON)
    f = report["files"][0]
    assert (f["recognised"], f["not_relevant"], f["malformed"]) == (2, 1, 1)
    assert f["malformed_lines"][0]["lines"] == [4]
    (s,) = sessions
    assert (s["account"], s["start_time"], s["end_time"]) == ("李大華", "2026-11-02T09:00:00+08:00",
                                                              "2026-11-02T11:00:00+08:00")
    assert s["assigned_ip"] == "10.31.0.40"


def test_globalprotect_legacy_system_log(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "system.log", GP_SYSTEM, "globalprotect")
    f = report["files"][0]
    assert (f["recognised"], f["not_relevant"], f["malformed"]) == (3, 1, 0)
    (s,) = sessions
    assert (s["account"], s["source_ip"]) == ("corp\\alice", "203.0.113.7")
    assert (s["start_time"], s["end_time"]) == ("2019-06-10T09:00:00+08:00", "2019-06-10T12:00:00+08:00")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"]) == ("張三", "2001:db8::66")


def test_globalprotect_refuses_another_vendor(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("this is not\na palo alto log\n", encoding="utf-8")
    result = ccaudit("sources", "parse", "globalprotect", path, "--out", tmp_path / "out")
    assert result.code == 2 and "does not look like a globalprotect export" in result.text


# --- Cisco ASA / Secure Client -----------------------------------------------------------------------------------

ASA = "\n".join([
    # PRI, the ASA's own time (logging timestamp), device-id hostname
    "<166>Nov 02 2026 08:15:01 asa-hq : %ASA-6-113004: AAA user authentication Successful : server = 10.1.1.10 : "
    "user = CORP\\alice",
    "<166>Nov 02 2026 08:15:02 asa-hq : %ASA-6-113039: Group <GP-AnyConnect> User <CORP\\alice> IP <203.0.113.7> "
    "AnyConnect parent session started.",
    "<164>Nov 02 2026 08:15:03 asa-hq : %ASA-4-722051: Group <GP-AnyConnect> User <CORP\\alice> IP <203.0.113.7> "
    "IPv4 Address <10.50.0.12> IPv6 address <::> assigned to session",
    "<166>Nov 02 2026 08:15:03 asa-hq : %ASA-6-722022: Group <GP-AnyConnect> User <CORP\\alice> IP <203.0.113.7> "
    "TCP SVC connection established without compression",
    "<166>Nov 02 2026 08:15:04 asa-hq : %ASA-6-302013: Built inbound TCP connection 1234 for outside:203.0.113.7/443 "
    "(203.0.113.7/443) to identity:198.51.100.1/443 (198.51.100.1/443)",
    # a relay's header before the ASA's own RFC 5424 time with its offset; IPv6 peer; non-ASCII user
    "<166>Nov  2 09:00:01 relay01 2026-11-02T09:00:00+08:00 asa-hq : %ASA-6-113039: Group <GP-AnyConnect> "
    "User <王小明> IP <2001:db8:7::5> AnyConnect parent session started.",
    # no PRI, no device-id
    "Nov 02 2026 09:30:00: %ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = "
    "10.1.1.10 : user = mallory : user IP = 198.51.100.66",
    "Nov 02 2026 17:30:00 asa-hq : %ASA-4-113019: Group = GP-AnyConnect, Username = CORP\\alice, IP = 203.0.113.7, "
    "Session disconnected. Session Type: SSL, Duration: 9h:14m:58s, Bytes xmt: 1048576, Bytes rcv: 524288, "
    "Reason: User Requested",
    # a session cut by rotation, over a day long
    "Nov 02 2026 12:00:00 asa-hq : %ASA-4-113019: Group = GP-AnyConnect, Username = carol, IP = 203.0.113.9, "
    "Session disconnected. Session Type: AnyConnect-Parent, Duration: 1d 2h:00m:00s, Bytes xmt: 1, Bytes rcv: 2, "
    "Reason: Idle Timeout",
    "Nov 02 2026 10:00:00 asa-hq : %ASA-6-716001: Group <GP-Clientless> User <bob> IP <198.51.100.20> WebVPN "
    "session started.",
    "Nov 02 2026 10:20:00 asa-hq : %ASA-6-716002: Group <GP-Clientless> User <bob> IP <198.51.100.20> WebVPN "
    "session terminated: User Requested.",
    # a classic relay time without a year and no ASA timestamp: cannot be placed in time
    "<166>Nov  2 11:00:00 asa-hq %ASA-6-113039: Group <GP-AnyConnect> User <dave> IP <203.0.113.11> AnyConnect "
    "parent session started.",
    "",
]) + "\n"


def test_cisco_asa_sessions_failures_and_report(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "asa.log", ASA)
    assert report["sources"] == ["cisco-asa"]
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]) == (
        13, 9, 3, 1, 0)
    assert f["malformed_lines"][0]["lines"] == [12] and "without a year" in f["malformed_lines"][0]["problem"]
    by = {s["account"]: s for s in sessions}
    alice = by["CORP\\alice"]
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")
    assert (alice["assigned_ip"], alice["gateway_id"], alice["source_ip"]) == ("10.50.0.12", "asa-hq",
                                                                               "203.0.113.7")
    assert alice["note"] == ""
    wang = by["王小明"]
    assert (wang["source_ip"], wang["start_time"], wang["end_time"]) == ("2001:db8:7::5",
                                                                         "2026-11-02T09:00:00+08:00", "")
    assert by["carol"]["start_time"] == "2026-11-01T10:00:00+08:00"  # 12:00 minus 1d 2h
    assert (by["bob"]["start_time"], by["bob"]["end_time"]) == ("2026-11-02T10:00:00+08:00",
                                                                "2026-11-02T10:20:00+08:00")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"], failed["reason"]) == ("mallory", "198.51.100.66", "AAA failure")
    end = next(e for e in events if e["kind"] == "session_end" and e["account"] == "CORP\\alice")
    assert (end["duration_s"], end["reason"]) == ("33298", "User Requested")
    wang_event = next(e for e in events if e["account"] == "王小明")
    assert (wang_event["utc_time"], wang_event["time_zone"]) == ("2026-11-02T01:00:00Z", "stated")


def test_cisco_asa_zone_and_auto_detection_among_sources(tmp_path: Path) -> None:
    asa = tmp_path / "asa.log"
    asa.write_text(ASA, encoding="utf-8")
    gp = tmp_path / "pan.log"
    gp.write_text(GP_CSV, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", asa, gp, "--out", out, "--tz", "UTC")
    assert result.code == 0, result.text
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert [f["source"] for f in report["files"]] == ["cisco-asa", "globalprotect"]
    events = _rows(out / "remote_access_events.csv")
    alice = next(e for e in events if e["source"] == "cisco-asa" and e["kind"] == "session_start"
                 and e["account"] == "CORP\\alice")
    assert (alice["utc_time"], alice["time_zone"]) == ("2026-11-02T08:15:02Z", "assumed")


def test_cisco_asa_named_on_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pan.log"
    path.write_text(GP_CSV, encoding="utf-8")
    result = ccaudit("sources", "parse", "cisco-asa", path, "--out", tmp_path / "out")
    assert result.code == 2 and "looks like globalprotect" in result.text
