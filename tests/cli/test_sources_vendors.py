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
    # a PAN-OS custom CEF format: the event ID as the header's name, the standard CEF keys
    "CEF:0|Palo Alto Networks|PAN-OS|10.2.4|gateway-logout|GLOBALPROTECT|1|rt=Nov 02 2026 17:30:00 dtz=+08:00 "
    "deviceExternalId=012801096514 cs3Label=Virtual System cs3=vsys1 suser=corp\\\\bob src=198.51.100.20 "
    "PanOSLoginDuration=33298 PanOSEventStatus=success",
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
    assert (f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]) == (3, 1, 0, 0)
    bob = next(e for e in events if e["kind"] == "session_start")
    assert (bob["account"], bob["account_normalised"], bob["source_ip"]) == ("corp\\bob", "bob", "198.51.100.20")
    assert (bob["utc_time"], bob["time_zone"]) == ("2026-11-02T00:15:02Z", "stated")  # dtz=UTC
    eve = next(e for e in events if e["kind"] == "login_failed")
    assert (eve["account"], eve["utc_time"], eve["reason"]) == ("eve", "2026-11-02T00:40:00Z",
                                                                "Authentication failed")
    (s,) = sessions
    assert (s["start_time"], s["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")


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
    # an ASA that prints its zone after the time
    "<166>Nov 02 2026 02:00:00 UTC: %ASA-6-716001: Group <GP-Clientless> User <erin@corp.example.com> IP "
    "<198.51.100.30> WebVPN session started.",
    # a classic relay time without a year and no ASA timestamp: the year of the file's dated lines around it
    "<166>Nov  2 11:00:00 asa-hq %ASA-6-113039: Group <GP-AnyConnect> User <dave> IP <203.0.113.11> AnyConnect "
    "parent session started.",
    "",
]) + "\n"


def test_cisco_asa_sessions_failures_and_report(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "asa.log", ASA)
    assert report["sources"] == ["cisco-asa"]
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]) == (
        14, 11, 3, 0, 0)
    assert (f["year"]["read_as"], f["year"]["times"], f["year"]["from"]) == (
        "2026", 1, "the file's lines that state their year")
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
    assert by["dave"]["start_time"] == "2026-11-02T11:00:00+08:00"
    assert (by["bob"]["start_time"], by["bob"]["end_time"]) == ("2026-11-02T10:00:00+08:00",
                                                                "2026-11-02T10:20:00+08:00")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"], failed["reason"]) == ("mallory", "198.51.100.66", "AAA failure")
    end = next(e for e in events if e["kind"] == "session_end" and e["account"] == "CORP\\alice")
    assert (end["duration_s"], end["reason"]) == ("33298", "User Requested")
    erin = next(e for e in events if e["account"] == "erin@corp.example.com")
    assert (erin["utc_time"], erin["time_zone"], erin["gateway_id"]) == ("2026-11-02T02:00:00Z", "stated", "")
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


# --- Microsoft Entra ID sign-ins ---------------------------------------------------------------------------------

def _signin(when: str, upn: str, error: int, requirement: str, methods: list[tuple[str, bool]], *,
            ip: str = "203.0.113.7", failure: str = "Other.", diagnostic: bool = False) -> str:
    record: dict[str, Any] = {
        "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100", "createdDateTime": when, "userDisplayName": upn.split("@")[0],
        "userPrincipalName": upn, "userId": "d7cc485d-2c1b-422c-98fd-5ce52859a4a3",
        "appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "appDisplayName": "GlobalProtect VPN", "ipAddress": ip,
        "clientAppUsed": "Browser", "conditionalAccessStatus": "success", "isInteractive": True,
        "authenticationRequirement": requirement,
        "status": {"errorCode": error, "failureReason": failure if error else "Other.", "additionalDetails": None},
        "location": {"city": "Taipei", "state": "Taipei", "countryOrRegion": "TW"},
        "authenticationDetails": [{"authenticationStepDateTime": when, "authenticationMethod": m, "succeeded": ok,
                                   "authenticationStepResultDetail": "MFA successfully completed" if ok else ""}
                                  for m, ok in methods],
    }
    if diagnostic:  # a diagnostic setting's record: the signIn under properties
        return json.dumps({"time": when, "resourceId": "/tenants/x/providers/Microsoft.aadiam",
                           "operationName": "Sign-in activity", "category": "SignInLogs", "properties": record},
                          ensure_ascii=False)
    return json.dumps(record, ensure_ascii=False)


ENTRA_JSON = "\n".join([
    _signin("2026-11-02T00:14:40Z", "alice@corp.example.com", 0, "multiFactorAuthentication",
            [("Password", True), ("Mobile app notification", True)]),
    _signin("2026-11-02T00:59:00Z", "王小明@corp.example.com", 0, "singleFactorAuthentication", [("Password", True)],
            ip="2001:db8:5::7", diagnostic=True),
    _signin("2026-11-02T01:30:00Z", "mallory@corp.example.com", 50126, "singleFactorAuthentication",
            [("Password", False)], failure="Error validating credentials due to invalid username or password."),
    _signin("2026-11-02T01:31:00Z", "bob@corp.example.com", 50074, "multiFactorAuthentication",
            [("Password", True)], failure="Strong Authentication is required."),
    '{"createdDateTime": "2026-11-02T01:40:00Z", "userPrincipalName": ',
]) + "\n"

ENTRA_HEADER = ("Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Cross tenant access "
                "type,Incoming token type,Authentication Protocol,Unique token identifier,Client credential type,"
                "Application,Application ID,Resource,Resource ID,Resource tenant ID,Home tenant ID,IP address,"
                "Location,Status,Sign-in error code,Failure reason,Client app,Device ID,Browser,Operating System,"
                "Compliant,Managed,Join Type,Multifactor authentication result,Multifactor authentication auth method,"
                "Multifactor authentication auth detail,Authentication requirement,Sign-in identifier,Session ID,"
                "IP address (seen by resource),Conditional Access")


def _csv_row(when: str, user: str, upn: str, ip: str, status: str, code: str, reason: str, mfa_result: str,
             method: str, requirement: str) -> str:
    cells = [when, "5a3e1b2c-0f6d-4a9b-8c7e-1d2f3a4b5c6d", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
             "c0ffee00-1111-2222-3333-444455556666", "d7cc485d-2c1b-422c-98fd-5ce52859a4a3", user, upn, "Member",
             "none", "none", "none", "", "", "GlobalProtect VPN", "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
             "Microsoft Graph", "", "", "", ip, '"Taipei, Taipei, TW"', status, code, reason, "Browser", "", "Edge 120",
             "Windows10", "", "", "", mfa_result, method, "", requirement, upn, "", "", "Success"]
    return ",".join(cells)


ENTRA_CSV = "\ufeff" + "\n".join([
    ENTRA_HEADER,
    _csv_row("2026-11-02T00:14:40Z", "Alice Chen", "alice@corp.example.com", "203.0.113.7", "Success", "0", "",
             "MFA successfully completed", "OATH verification code", "Multifactor authentication"),
    _csv_row("2026-11-02T01:30:00", "李大華", "李大華@corp.example.com", "2001:db8::40", "Failure", "50126",
             "Error validating credentials due to invalid username or password.", "", "",
             "Single-factor authentication"),
    _csv_row("2026-11-02T01:31:00Z", "Bob", "bob@corp.example.com", "203.0.113.8", "Interrupted", "50074",
             "Strong Authentication is required.", "", "", "Multifactor authentication"),
    _csv_row("not a date", "Eve", "eve@corp.example.com", "203.0.113.9", "Success", "0", "", "", "",
             "Single-factor authentication"),
]) + "\n"


def test_entra_json_sign_ins_failures_and_interrupts(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "signins.json", ENTRA_JSON)
    assert report["sources"] == ["entra-signins"] and sessions == []
    f = report["files"][0]
    assert (f["recognised"], f["not_relevant"], f["malformed"]) == (3, 1, 1)
    assert f["malformed_lines"][0]["lines"] == [5]
    by = {e["account"]: e for e in events}
    alice = by["alice@corp.example.com"]
    assert (alice["kind"], alice["mfa_method"], alice["utc_time"]) == ("sign_in", "push", "2026-11-02T00:14:40Z")
    assert "conditional access success" in alice["reason"] and "location Taipei, TW" in alice["reason"]
    wang = by["王小明@corp.example.com"]  # a diagnostic-setting record, IPv6
    assert (wang["kind"], wang["mfa_method"], wang["source_ip"]) == ("sign_in", "none", "2001:db8:5::7")
    mallory = by["mallory@corp.example.com"]
    assert mallory["kind"] == "login_failed" and "error 50126" in mallory["reason"]


def test_entra_portal_csv(tmp_path: Path) -> None:
    events, _, report = _run(tmp_path, "InteractiveSignIns_2026-11-01_2026-11-30.csv", ENTRA_CSV, "entra-signins")
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"]) == (5, 2, 2, 1)
    assert f["malformed_lines"][0]["lines"] == [5]
    by = {e["account"]: e for e in events}
    assert by["alice@corp.example.com"]["mfa_method"] == "totp"
    li = by["李大華@corp.example.com"]
    assert (li["kind"], li["source_ip"]) == ("login_failed", "2001:db8::40")
    # the column says (UTC): a time without an offset is UTC, not the zone assumed
    assert (li["utc_time"], li["time_zone"]) == ("2026-11-02T01:30:00Z", "stated")


def test_entra_mfa_fills_vpn_sessions_that_do_not_log_it(tmp_path: Path) -> None:
    gp = tmp_path / "pan.log"
    gp.write_text(GP_CSV, encoding="utf-8")
    signins = tmp_path / "signins.json"
    signins.write_text(ENTRA_JSON, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", gp, signins, "--out", out)
    assert result.code == 0, result.text
    by = {s["account"]: s for s in _rows(out / "remote_sessions.csv")}
    assert by["CORP\\alice"]["mfa_method"] == "push"  # Entra sign-in 22 s before gateway-connected
    assert by["王小明@corp.example.com"]["mfa_method"] == "none"  # single-factor sign-in a minute before
    assert by["carol"]["mfa_method"] == ""  # no sign-in: not guessed
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert report["sessions"]["mfa_from_sign_ins"]["sessions"] == 2
    assert ccaudit("inspect", out, "--as-of", "2026-11-30", "--out", tmp_path / "results").code == 0  # sign_in imports


# --- Windows Security --------------------------------------------------------------------------------------------

def _logon_message(user: str, domain: str, logon_id: str, logon_type: str, ip: str) -> str:
    return (f"An account was successfully logged on.\n\nSubject:\n\tSecurity ID:\t\tSYSTEM\n\tAccount Name:\t\tTS01$\n"
            f"\tAccount Domain:\t\tCORP\n\tLogon ID:\t\t0x3E7\n\nLogon Information:\n\tLogon Type:\t\t{logon_type}\n"
            f"\tRestricted Admin Mode:\tNo\n\tVirtual Account:\t\tNo\n\tElevated Token:\t\tNo\n\n"
            f"Impersonation Level:\t\tImpersonation\n\nNew Logon:\n\tSecurity ID:\t\t{domain}\\{user}\n"
            f"\tAccount Name:\t\t{user}\n\tAccount Domain:\t\t{domain}\n\tLogon ID:\t\t{logon_id}\n"
            f"\tLinked Logon ID:\t\t0x0\n\tNetwork Account Name:\t-\n\tNetwork Account Domain:\t-\n\n"
            f"Network Information:\n\tWorkstation Name:\tTS01\n\tSource Network Address:\t{ip}\n\tSource Port:\t\t0\n\n"
            f"Detailed Authentication Information:\n\tLogon Process:\t\tUser32 \n\tAuthentication Package:\tNegotiate")


def _logoff_message(user: str, domain: str, logon_id: str, logon_type: str) -> str:
    return (f"An account was logged off.\n\nSubject:\n\tSecurity ID:\t\t{domain}\\{user}\n\tAccount Name:\t\t{user}\n"
            f"\tAccount Domain:\t\t{domain}\n\tLogon ID:\t\t{logon_id}\n\nLogon Type:\t\t\t{logon_type}\n\n"
            "This event is generated when a logon session is destroyed.")


FAILED_MESSAGE = ("An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\t-\n"
                  "\tAccount Domain:\t\t-\n\tLogon ID:\t\t0x0\n\nLogon Type:\t\t\t3\n\n"
                  "Account For Which Logon Failed:\n"
                  "\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\tmallory\n\tAccount Domain:\t\tCORP\n\n"
                  "Failure Information:\n\tFailure Reason:\t\tUnknown user name or bad password.\n"
                  "\tStatus:\t\t\t0xC000006D\n\tSub Status:\t\t0xC000006A\n\nNetwork Information:\n"
                  "\tWorkstation Name:\tKALI\n\tSource Network Address:\t198.51.100.66\n\tSource Port:\t\t0")

# Event Viewer "Save All Events As... CSV" of the Security log: the message is an unnamed sixth column over many lines
EVENT_VIEWER_CSV = "\r\n".join([
    "Keywords,Date and Time,Source,Event ID,Task Category",
    'Audit Success,11/2/2026 8:15:02 AM,Microsoft-Windows-Security-Auditing,4624,Logon,"'
    + _logon_message("alice", "CORP", "0x1A2B3C", "10", "203.0.113.7") + '"',
    'Audit Success,11/2/2026 8:15:01 AM,Microsoft-Windows-Security-Auditing,4624,Logon,"'
    + _logon_message("alice", "CORP", "0x1A2B00", "3", "203.0.113.7") + '"',
    'Audit Failure,11/2/2026 9:30:00 AM,Microsoft-Windows-Security-Auditing,4625,Logon,"' + FAILED_MESSAGE + '"',
    'Audit Success,11/2/2026 5:30:00 PM,Microsoft-Windows-Security-Auditing,4634,Logoff,"'
    + _logoff_message("alice", "CORP", "0x1A2B3C", "10") + '"',
    'Audit Success,11/2/2026 5:30:01 PM,Microsoft-Windows-Security-Auditing,4634,Logoff,"'
    + _logoff_message("alice", "CORP", "0x1A2B00", "3") + '"',
    'Audit Success,13/45/2026 9:99:00 AM,Microsoft-Windows-Security-Auditing,4624,Logon,"'
    + _logon_message("dave", "CORP", "0x99", "10", "203.0.113.11") + '"',
]) + "\r\n"

# Get-WinEvent ... | Export-Csv -NoTypeInformation: every cell quoted, the message first, TimeCreated in the culture
GET_WINEVENT_HEADER = ('"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId",'
                       '"ProviderName","ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId",'
                       '"TimeCreated","ContainerLog","MatchedQueryIds","Bookmark","LevelDisplayName",'
                       '"OpcodeDisplayName","TaskDisplayName","KeywordsDisplayNames","Properties"')


def _winevent_row(message: str, event_id: str, when: str) -> str:
    cells = [message, event_id, "2", "", "0", "12544", "0", "-9214364837600034816", "88123",
             "Microsoft-Windows-Security-Auditing", "54849625-5478-4994-a5ba-3e3b0328c30d", "Security", "712", "1234",
             "TS02.corp.example.com", "", when, "Security", "System.UInt32[]",
             "System.Diagnostics.Eventing.Reader.EventBookmark", "Information", "Info", "Logon", "System.Collections."
             "ObjectModel.ReadOnlyCollection`1[System.String]", "System.Collections.Generic.List`1[System.Diagnostics."
             "Eventing.Reader.EventProperty]"]
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


GET_WINEVENT_CSV = "\n".join([
    GET_WINEVENT_HEADER,
    _winevent_row(_logon_message("李大華", "CORP", "0x5566", "10", "2001:db8::40"), "4624", "11/2/2026 1:00:00 PM"),
    _winevent_row("User initiated logoff:\n\nSubject:\n\tSecurity ID:\t\tCORP\\李大華\n\tAccount Name:\t\t李大華\n"
                  "\tAccount Domain:\t\tCORP\n\tLogon ID:\t\t0x5566\n\nThis event is generated when a logoff is "
                  "initiated.", "4647", "11/2/2026 2:00:00 PM"),
]) + "\n"


def _evtx(event_id: int, when: str, data: dict[str, Any]) -> str:
    return json.dumps({"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                                 "System": {"Provider": {"#attributes": {
                                     "Name": "Microsoft-Windows-Security-Auditing"}},
                                     "EventID": event_id, "Version": 2, "Level": 0, "Task": 12544,
                                     "TimeCreated": {"#attributes": {"SystemTime": when}},
                                     "EventRecordID": 1, "Channel": "Security", "Computer": "TS01.corp.example.com"},
                                 "EventData": data}}, ensure_ascii=False)


EVTX_JSONL = "\n".join([
    _evtx(4624, "2026-11-02T00:15:02.123456Z", {"TargetUserName": "王小明", "TargetDomainName": "CORP",
                                                "TargetLogonId": "0x1A2B3C", "LogonType": 10,
                                                "IpAddress": "2001:db8:5::7", "IpPort": "0"}),
    _evtx(4624, "2026-11-02T00:15:03.000000Z", {"TargetUserName": "svc_backup", "TargetDomainName": "CORP",
                                                "TargetLogonId": "0x777", "LogonType": 3, "IpAddress": "10.1.1.5"}),
    _evtx(4672, "2026-11-02T00:15:02.200000Z", {"SubjectUserName": "王小明", "SubjectLogonId": "0x1A2B3C"}),
    _evtx(4647, "2026-11-02T09:00:00.000000Z", {"TargetUserName": "王小明", "TargetDomainName": "CORP",
                                                "TargetLogonId": "0x1a2b3c"}),
    _evtx(4647, "2026-11-02T09:10:00.000000Z", {"TargetUserName": "carol", "TargetDomainName": "CORP",
                                                "TargetLogonId": "0x999"}),
    # Winlogbeat: the same facts under winlog.event_data
    json.dumps({"@timestamp": "2026-11-02T01:30:00.000Z", "event": {"code": "4625", "provider":
                "Microsoft-Windows-Security-Auditing"}, "winlog": {"event_id": "4625", "channel": "Security",
                "computer_name": "TS01.corp.example.com", "event_data": {"TargetUserName": "mallory",
                "TargetDomainName": "CORP", "LogonType": "10", "IpAddress": "198.51.100.66",
                "FailureReason": "%%2313", "Status": "0xc000006d"}}}),
    '{"Event": {"System": {"EventID": 4624',
]) + "\n"


def test_windows_event_viewer_csv(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "Security.csv", EVENT_VIEWER_CSV, "auto", "--gateway", "TS01",
                                     "--date-order", "mdy")  # en-US, every day 12 or less
    assert report["sources"] == ["windows-security"]
    f = report["files"][0]
    assert (f["lines_read"], f["recognised"], f["malformed"], f["not_this_source"]) == (
        len(EVENT_VIEWER_CSV.splitlines()), 3, 1, 0)
    (s,) = sessions
    assert (s["account"], s["start_time"], s["end_time"]) == ("CORP\\alice", "2026-11-02T08:15:02+08:00",
                                                              "2026-11-02T17:30:00+08:00")
    assert (s["channel"], s["source_ip"], s["gateway_id"]) == ("rdp_direct", "203.0.113.7", "TS01")
    assert s["source_line"] == "2"
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"]) == ("CORP\\mallory", "198.51.100.66")
    assert failed["reason"] == "Unknown user name or bad password.; logon type 3"
    assert report["time_zone"]["events_with_assumed_zone"] == 3


def test_windows_get_winevent_export_csv(tmp_path: Path) -> None:
    _, sessions, _ = _run(tmp_path, "rdp.csv", GET_WINEVENT_CSV, "windows-security", "--tz", "Asia/Taipei",
                          "--date-order", "mdy")
    (s,) = sessions
    assert (s["account"], s["person_id"], s["source_ip"]) == ("CORP\\李大華", "李大華", "2001:db8::40")
    assert (s["start_time"], s["end_time"], s["gateway_id"]) == ("2026-11-02T13:00:00+08:00",
                                                                 "2026-11-02T14:00:00+08:00", "TS02.corp.example.com")


def test_windows_evtx_json_and_winlogbeat(tmp_path: Path) -> None:
    events, sessions, report = _run(tmp_path, "security.jsonl", EVTX_JSONL)
    f = report["files"][0]
    # 4624 type 3 and 4672 are not relevant; carol's 4647 has no type-10 logon in the file
    assert (f["recognised"], f["not_relevant"], f["malformed"]) == (3, 3, 1)
    (s,) = sessions
    assert (s["account"], s["source_ip"], s["start_time"], s["end_time"]) == (
        "CORP\\王小明", "2001:db8:5::7", "2026-11-02T08:15:02+08:00", "2026-11-02T17:00:00+08:00")
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["gateway_id"], failed["time_zone"]) == (
        "CORP\\mallory", "TS01.corp.example.com", "stated")


def test_sources_lists_the_vendor_sources() -> None:
    result = ccaudit("sources")
    assert result.code == 0
    for name in ("globalprotect", "cisco-asa", "windows-security", "entra-signins", "logging timestamp",
                 "Sign-in logs > Download", "evtx_dump"):
        assert name in result.text
