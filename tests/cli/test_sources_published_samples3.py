"""Third round of published samples (docs/sources.md, *Published sample logs tried*): each form ccaudit first read
wrongly, as a fixture written here from the format fact (own values, never the sample's text), asserting what an
auditor would check: the user, the instant, the address, the kind, the device and its owner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli.inprocess import ccaudit
from tests.cli.parsed_output import events as _events
from tests.cli.parsed_output import parse_text as _parse
from tests.cli.parsed_output import rows as _rows


def _status_v1(clients: int) -> str:
    # status-version 1 (the default): only the section headers name the format; a client row is 'CN,ADDR:PORT,
    # bytes,bytes,ctime', a routing row 'VIRTUAL,CN,ADDR:PORT,ctime'
    rows = [f"user{n:02d}@corp.example.com,198.51.100.{n}:{40000 + n},{1000 * n},{2000 * n},"
            f"Mon Nov  2 08:{n:02d}:00 2026" for n in range(1, clients + 1)]
    routes = [f"10.8.0.{n + 1},user{n:02d}@corp.example.com,198.51.100.{n}:{40000 + n},Mon Nov  2 09:00:00 2026"
              for n in range(1, clients + 1)]
    return "\n".join(["OpenVPN CLIENT LIST", "Updated,Mon Nov  2 09:00:05 2026",
                      "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since", *rows,
                      "ROUTING TABLE", "Virtual Address,Common Name,Real Address,Last Ref", *routes,
                      "GLOBAL STATS", "Max bcast/mcast queue length,0", "END"]) + "\n"


def test_openvpn_status_v1_with_many_clients_is_recognised(tmp_path: Path) -> None:
    # a version 1 status file of a busy server is mostly client and routing rows, which name no section: its
    # few header lines alone were under the share a format must fit, so it was refused even when named
    out, said = _parse(tmp_path, "openvpn-status.log", _status_v1(12), "--tz", "Asia/Taipei")
    starts = [e for e in _events(out) if e["kind"] == "session_start"]
    assert len(starts) == 12 and "openvpn-status" in said
    assert (starts[0]["account"], starts[0]["source_ip"], starts[0]["assigned_ip"], starts[0]["utc_time"]) == (
        "user01@corp.example.com", "198.51.100.1", "10.8.0.2", "2026-11-02T00:01:00Z")
    named = ccaudit("sources", "parse", "openvpn-status", tmp_path / "openvpn-status.log", "--out", tmp_path / "n")
    assert named.code == 0, named.text


def test_openvpn_status_v1_bridged_client_has_no_mac_for_an_address(tmp_path: Path) -> None:
    # a bridged (dev tap) server's routing table names a client by its MAC address: not an IPv6 address;
    # cached routes end in 'C'; a client routing a subnet (iroute) has it there too
    text = "\n".join([
        "OpenVPN CLIENT LIST", "Updated,Mon Nov  2 09:00:05 2026",
        "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since",
        "carol,203.0.113.40:50001,10,20,Mon Nov  2 08:30:00 2026",
        "dave,203.0.113.41:50002,10,20,Mon Nov  2 08:31:00 2026",
        "ROUTING TABLE", "Virtual Address,Common Name,Real Address,Last Ref",
        "0a:1b:2c:3d:4e:5f,carol,203.0.113.40:50001,Mon Nov  2 09:00:00 2026",
        "10.30.0.0/24,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "10.8.0.9C,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "10.8.0.10,dave,203.0.113.41:50002,Mon Nov  2 09:00:00 2026",
        "GLOBAL STATS", "END"]) + "\n"
    out, _ = _parse(tmp_path, "openvpn-status.log", text, "--tz", "Asia/Taipei")
    assert sorted((e["account"], e["assigned_ip"]) for e in _events(out) if e["kind"] == "session_start") == [
        ("carol", ""), ("dave", "10.8.0.10")]


def test_openvpn_access_server_log_sent_to_syslog(tmp_path: Path) -> None:
    # Access Server writing its log to syslog: the relay's header (local time, no year), then Twisted's
    # '[-] OVPN n OUT: ...' with no time of its own, the core's line quoted with the core's time (UTC, which is
    # dropped: the header's time is read); 2.4+ name the assigned address in 'MULTI: primary virtual IP for'
    lines = [
        "Nov  2 08:15:01 vpn-as openvpnas: [-] OVPN 0 OUT: \"Mon Nov  2 00:15:01 2026 203.0.113.7:51642 TLS: "
        "Username/Password authentication succeeded for username 'alice'\"",
        "Nov  2 08:15:02 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 00:15:02 2026 203.0.113.7:51642 [alice] "
        "Peer Connection Initiated with [AF_INET]203.0.113.7:51642'",
        "Nov  2 08:15:02 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 00:15:02 2026 alice/203.0.113.7:51642 "
        "MULTI: primary virtual IP for alice/203.0.113.7:51642: 172.27.224.5'",
        "Nov  2 09:00:01 vpn-as openvpnas: [-] OVPN 1 OUT: \"Mon Nov  2 01:00:01 2026 198.51.100.66:50000 "
        "SENT CONTROL [mallory]: 'AUTH_FAILED' (status=1)\"",
        "Nov  2 17:30:00 vpn-as openvpnas: [-] OVPN 0 OUT: 'Mon Nov  2 09:30:00 2026 alice/203.0.113.7:51642 "
        "SIGTERM[soft,remote-exit] received, client-instance exiting'",
    ]
    out, _ = _parse(tmp_path, "openvpnas.log", "\n".join(lines) + "\n", "--tz", "Asia/Taipei", "--year", "2026")
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"]) for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "172.27.224.5", "2026-11-02T00:15:02Z"),
        ("login_failed", "mallory", "198.51.100.66", "", "2026-11-02T01:00:01Z"),
        ("session_end", "alice", "203.0.113.7", "", "2026-11-02T09:30:00Z")]


_EZ_HEADER = ("RecordNumber,EventRecordId,TimeCreated,EventId,Level,Provider,Channel,ProcessId,ThreadId,Computer,"
              "ChunkNumber,UserId,MapDescription,UserName,RemoteHost,PayloadData1,PayloadData2,PayloadData3,"
              "PayloadData4,PayloadData5,PayloadData6,ExecutableInfo,HiddenRecord,SourceFile,Keywords,"
              "ExtraDataOffset,Payload")


def _ez_payload(**data: str) -> str:
    return json.dumps({"EventData": {"Data": [{"@Name": k, "#text": v} for k, v in data.items()]}})


def _ez_row(no: int, time: str, event: int, summary: str, payload: str) -> list[str]:
    return [str(no), str(no), time, str(event), "LogAlways", "Microsoft-Windows-Security-Auditing", "Security", "612",
            "700", "RDS-TPE-02.corp.example.com", "1", "", summary, "-\\-", "", "", "", "", "", "", "", "-", "False",
            "D:\\triage\\Security.evtx", "Audit success", "0", payload]


def test_windows_security_from_evtxecmd_csv(tmp_path: Path) -> None:
    # Eric Zimmerman's EvtxECmd (KAPE) CSV: its own columns, TimeCreated in UTC without a zone and seven decimals,
    # the event's EventData as JSON text in the last column, Payload ('Data' a list of @Name/#text)
    rows = [
        _ez_row(1, "2026-11-02 00:15:02.1234567", 4624, "Successful logon", _ez_payload(
            TargetUserName="alice", TargetDomainName="CORP", TargetLogonId="0x4A1F", LogonType="10",
            IpAddress="203.0.113.7", IpPort="50123")),
        _ez_row(2, "2026-11-02 01:00:01.0000000", 4625, "Failed logon", _ez_payload(
            TargetUserName="mallory", TargetDomainName="CORP", Status="0xc000006d", FailureReason="%%2313",
            LogonType="10", IpAddress="198.51.100.66")),
        _ez_row(3, "2026-11-02 09:30:00.5000000", 4634, "An account was logged off", _ez_payload(
            TargetUserName="alice", TargetDomainName="CORP", TargetLogonId="0x4A1F", LogonType="10")),
        _ez_row(4, "2026-11-02 09:31:00.0000000", 4624, "Successful logon", _ez_payload(
            TargetUserName="svc-backup", TargetDomainName="CORP", TargetLogonId="0x5B2", LogonType="3",
            IpAddress="10.0.0.9")),
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([_EZ_HEADER.split(","), *rows])
    out, _ = _parse(tmp_path, "20261130_EvtxECmd_Output.csv", buffer.getvalue())
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in _events(out)] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z", "RDS-TPE-02.corp.example.com"),
        ("login_failed", "CORP\\mallory", "198.51.100.66", "2026-11-02T01:00:01Z", "RDS-TPE-02.corp.example.com"),
        ("session_end", "CORP\\alice", "", "2026-11-02T09:30:00Z", "RDS-TPE-02.corp.example.com")]
    sessions = _rows(out / "remote_sessions.csv")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\alice", "2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")]


def test_windows_security_from_evtxecmd_json_with_a_session_manager_record(tmp_path: Path) -> None:
    # EvtxECmd --json: one object per line, TimeCreated with its offset, EventId a number, the LocalSessionManager's
    # UserData in Payload too
    logon = {"Computer": "RDS-TPE-02", "EventId": 4624, "TimeCreated": "2026-11-02T00:15:02.1234567+00:00",
             "Channel": "Security", "MapDescription": "Successful logon", "PayloadData1": "Target: CORP\\alice",
             "Payload": _ez_payload(TargetUserName="alice", TargetDomainName="CORP", TargetLogonId="0x4A1F",
                                    LogonType="10", IpAddress="203.0.113.7")}
    lsm = {"Computer": "RDS-TPE-02", "EventId": 24, "TimeCreated": "2026-11-02T03:00:00.0000000+00:00",
           "Channel": "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
           "PayloadData1": "User: CORP\\alice",
           "Payload": json.dumps({"UserData": {"EventXML": {"@xmlns": "Event_NS", "User": "CORP\\alice",
                                                            "SessionID": "3", "Address": "203.0.113.7"}}})}
    lsm_start = dict(lsm, EventId=21, TimeCreated="2026-11-02T00:15:03.0000000+00:00")
    text = "\n".join(json.dumps(r) for r in (logon, lsm_start, lsm)) + "\n"
    out, _ = _parse(tmp_path, "Security_EvtxECmd.json", text)
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"]) for e in _events(out)] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z"),
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:03Z"),
        ("session_end", "CORP\\alice", "203.0.113.7", "2026-11-02T03:00:00Z")]
    sessions = _rows(out / "remote_sessions.csv")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("CORP\\alice", "2026-11-02T08:15:02+08:00", "2026-11-02T11:00:00+08:00")]


def test_jamf_classic_mobile_device_apps_take_the_version_when_the_short_version_is_empty(tmp_path: Path) -> None:
    # Jamf Pro Classic API GET /JSSResource/mobiledevices/id/N (JSON): an app's application_short_version is often ""
    # beside its application_version; an institutional device; the last enrolment 0/"" (not known)
    record = {"mobile_device": {
        "general": {"id": 7, "device_name": "TPE-IPAD-07", "serial_number": "DMPX1234ABCD",
                    "last_inventory_update_utc": "2026-11-30T01:02:03.456+0000",
                    "last_inventory_update_epoch": 1795914123456, "model": "iPad Air (5th generation)",
                    "os_type": "iPadOS", "device_ownership_level": "Institutional", "last_enrollment_epoch": 0,
                    "last_enrollment_utc": "", "managed": True, "supervised": True},
        "location": {"username": "alice", "email_address": "alice@corp.example.com"},
        "applications": [
            {"application_name": "Authenticator", "application_version": "6.8.1",
             "application_short_version": "", "identifier": "com.example.authenticator"},
            {"application_name": "Mail+", "application_version": "1200", "application_short_version": "12.0",
             "identifier": "com.example.mailplus"}]}}
    out, _ = _parse(tmp_path, "mobiledevice-7.json", json.dumps(record, indent=2), "--tz", "UTC")
    assert [(d["device_id"], d["status"], d["primary_user"], d["issued_on"])
            for d in _rows(out / "company_mobile_devices.csv")] == [
        ("DMPX1234ABCD", "in_use", "alice@corp.example.com", "")]
    assert [(a["app_id"], a["version"]) for a in _rows(out / "device_apps.csv")] == [
        ("com.example.authenticator", "6.8.1"), ("com.example.mailplus", "12.0")]


def test_jamf_classic_device_list_is_refused_naming_the_requests_that_give_devices(tmp_path: Path) -> None:
    # GET /JSSResource/mobiledevices answers a list with serial numbers and users but no ownership, enrolment or
    # apps; it was refused as a Jamf Pro API record missing sections, naming the wrong request
    listing = {"mobile_devices": [
        {"id": 1, "name": "TPE-IPAD-07", "device_name": "TPE-IPAD-07", "udid": "0f1e2d3c", "serial_number": "DMPX1234",
         "managed": True, "supervised": True, "model": "iPad Air", "model_identifier": "iPad13,16",
         "username": "alice"}]}
    path = tmp_path / "mobiledevices.json"
    path.write_text(json.dumps(listing), encoding="utf-8")
    result = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out")
    assert result.code == 2 and "mobiledevices.json" in result.text
    assert "/JSSResource/mobiledevices/id/N" in result.text and "Classic API list of devices" in result.text
    zh = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert zh.code == 2 and "未載明擁有權" in zh.text


def test_jamf_classic_computer_apps_without_bundle_ids_are_each_listed(tmp_path: Path) -> None:
    # GET /JSSResource/computers/id/N: a Mac's software.applications often carry bundle_id "" (older inventory);
    # every such app was one app ID '' and all but one were dropped
    record = {"computer": {
        "general": {"id": 3, "name": "TPE-MBP-03", "serial_number": "C02XK1ABCDEF",
                    "last_contact_time_utc": "2026-11-29T02:00:00.000+0000",
                    "remote_management": {"managed": True}},
        "location": {"username": "bob", "email_address": "bob@corp.example.com"},
        "hardware": {"model": "MacBook Pro (14-inch, 2023)", "os_name": "macOS"},
        "software": {"applications": [
            {"name": "Numbers.app", "path": "/Applications/Numbers.app", "version": "14.2", "bundle_id": ""},
            {"name": "Teams.app", "path": "/Applications/Teams.app", "version": "24.1", "bundle_id": ""},
            {"name": "Zoom.app", "path": "/Applications/Zoom.app", "version": "6.2", "bundle_id": "us.zoom.xos"}]}}}
    out, said = _parse(tmp_path, "computer-3.json", json.dumps(record), "--tz", "UTC")
    assert [(a["device_id"], a["app_id"], a["version"]) for a in _rows(out / "device_apps.csv")] == [
        ("C02XK1ABCDEF", "Numbers.app", "14.2"), ("C02XK1ABCDEF", "Teams.app", "24.1"),
        ("C02XK1ABCDEF", "us.zoom.xos", "6.2")]
    assert "3 installed apps on 1 devices" in said


def test_fortigate_failed_ssl_vpn_login_has_no_address_where_fortios_writes_null(tmp_path: Path) -> None:
    # FortiOS's SSL-VPN login failure (logid 0101039426) carries tunnelip=(null): no address was assigned, and
    # '(null)' is no address (it was written as the assigned IP)
    lines = [
        'date=2026-11-02 time=09:00:01 devname="FGT-TPE" devid="FGT60F0000000001" logid="0101039426" type="event" '
        'subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" '
        'tunneltype="ssl-web" tunnelid=0 remip=198.51.100.66 tunnelip=(null) user="mallory" group="N/A" '
        'dst_host="N/A" reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"',
    ]
    out, _ = _parse(tmp_path, "fgt.log", "\n".join(lines) + "\n", "--tz", "Asia/Taipei")
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"]) for e in _events(out)] == [
        ("login_failed", "mallory", "198.51.100.66", "")]


def test_cisco_asa_aaa_rejection_in_the_older_message_form(tmp_path: Path) -> None:
    # 113005 as releases before 8.4 wrote it ('Rejected: reason = r: server = s, User = u', a user IP after it in
    # Wazuh's ruleset samples) was a failed login with neither user nor address; the current form still reads
    lines = [
        "Nov 02 2026 09:00:01: %ASA-6-113005: AAA user authentication Rejected: reason = AAA failure: "
        "server = 192.0.2.10, User = mallory: user IP = 198.51.100.66",
        "Nov 02 2026 09:05:00: %ASA-6-113005: AAA user authentication Rejected: reason = AAA failure: "
        "server = 192.0.2.10, User = trudy",
        "Nov 02 2026 09:10:00: %ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : "
        "server = 192.0.2.10 : user = oscar : user IP = 198.51.100.67",
    ]
    out, _ = _parse(tmp_path, "asa.log", "\n".join(lines) + "\n", "--tz", "Asia/Taipei")
    assert [(e["kind"], e["account"], e["source_ip"], e["reason"]) for e in _events(out)] == [
        ("login_failed", "mallory", "198.51.100.66", "AAA failure"),
        ("login_failed", "trudy", "", "AAA failure"),
        ("login_failed", "oscar", "198.51.100.67", "AAA failure")]


def test_windows_security_from_wazuh_agent_events_without_the_alert_around_them(tmp_path: Path) -> None:
    # the Wazuh agent's eventchannel event as the manager receives it (archives' full_log, wazuh-logtest's input):
    # {"win": {"system": ..., "eventdata": ...}}, camelCase names, logonType a number; alerts.json wraps it in "data"
    def event(event_id: str, at: str, **data: object) -> str:
        return json.dumps({"win": {"system": {"providerName": "Microsoft-Windows-Security-Auditing",
                                              "eventID": event_id, "systemTime": at, "channel": "Security",
                                              "computer": "RDS-TPE-03"}, "eventdata": data}})
    text = "\n".join([
        event("4624", "2026-11-02T00:15:02.1234567Z", targetUserName="alice", targetDomainName="CORP",
              targetLogonId="0x7d4f4", logonType=10, ipAddress="203.0.113.7"),
        event("4634", "2026-11-02T09:30:00.0000000Z", targetUserName="alice", targetDomainName="CORP",
              targetLogonId="0x7d4f4", logonType=10)]) + "\n"
    out, _ = _parse(tmp_path, "wazuh-events.json", text)
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in _events(out)] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z", "RDS-TPE-03"),
        ("session_end", "CORP\\alice", "", "2026-11-02T09:30:00Z", "RDS-TPE-03")]


def test_intune_reports_export_job_gives_ownership_as_a_code_and_in_words(tmp_path: Path) -> None:
    # Graph's deviceManagement/reports/exportJobs (Microsoft's documented request: reportName Devices, select
    # ownerType, ...; localizationType LocalizedValuesAsAdditionalColumn, the default) writes an enum's code in the
    # column (ownerType 1 company, 2 personal, 0 unknown) and its words in <column>_loc: every device was of unknown
    # ownership
    header = ('"DeviceName","managementAgent","ownerType","ownerType_loc","OS","LastContact","UPN","DeviceId",'
              '"SerialNumber"\n')
    rows = ('"TPE-IPHONE-01","5","1","Corporate","iOS/iPadOS","2026-11-30 09:12:44.0000000",'
            '"alice@corp.example.com","dev-0001","F2LXK0AAHG7F"\n'
            '"BYOD-PIXEL-02","5","2","Personal","Android","2026-11-29 08:00:00.0000000","bob@corp.example.com",'
            '"dev-0002","PX8AAAA"\n'
            '"LAB-IPAD-03","5","0","Unknown","iOS/iPadOS","2026-11-29 08:00:00.0000000","","dev-0003","DMPQ123"\n')
    out, said = _parse(tmp_path, "Devices_export.csv", header + rows, "--tz", "UTC")
    assert [d["device_id"] for d in _rows(out / "company_mobile_devices.csv")] == ["F2LXK0AAHG7F"]
    assert [(d["device_id"], d["person_id"]) for d in _rows(out / "byod_register.csv")] == [("PX8AAAA", "bob")]
    assert "1 of unknown ownership" in said
    # the codes alone (the _loc columns dropped by whoever trimmed the file) still say the ownership
    codes_only = (header.replace(',"ownerType_loc"', "")
                  + "".join(r.replace(',"Corporate"', "").replace(',"Personal"', "").replace(',"Unknown"', "") + "\n"
                            for r in rows.splitlines()))
    (tmp_path / "codes").mkdir()
    out2, _ = _parse(tmp_path / "codes", "Devices_export.csv", codes_only, "--tz", "UTC")
    assert [d["device_id"] for d in _rows(out2 / "company_mobile_devices.csv")] == ["F2LXK0AAHG7F"]


def test_openvpn_log_in_rfc5424_as_opnsense_writes_it(tmp_path: Path) -> None:
    # OPNsense (syslog-ng) writes its OpenVPN log, locally and to a remote syslog, in RFC 5424: '<PRI>1 TIME HOST
    # APP PROCID MSGID [SD] MSG', the program named per server instance (openvpn_server1), structured data or '-'
    # before the message: every line was refused as unreadable
    head = "<29>1 2026-11-02T{t}+08:00 fw.corp.example openvpn_server1 63290 - {sd} "
    lines = [
        head.format(t="08:15:01", sd='[meta sequenceId="1"]') + "203.0.113.7:51642 TLS: Username/Password "
        "authentication succeeded for username 'alice'",
        head.format(t="08:15:02.250", sd='[meta sequenceId="2" note="a \\] inside"]') + "203.0.113.7:51642 [alice] "
        "Peer Connection Initiated with [AF_INET]203.0.113.7:51642",
        head.format(t="08:15:02.300", sd="-") + "alice/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.8.0.6, "
        "IPv6=(Not enabled)",
        head.format(t="17:30:00", sd='[meta sequenceId="4"]') + "alice/203.0.113.7:51642 SIGTERM[soft,remote-exit] "
        "received, client-instance exiting",
    ]
    out, _ = _parse(tmp_path, "openvpn_20261102.log", "\n".join(lines) + "\n")
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"], e["gateway_id"])
            for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "10.8.0.6", "2026-11-02T00:15:02Z", "fw.corp.example"),
        ("session_end", "alice", "203.0.113.7", "", "2026-11-02T09:30:00Z", "fw.corp.example")]


def _xml_event(event_id: int, at: str, **data: str) -> str:
    fields = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in data.items())
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider "
            "Name='Microsoft-Windows-Security-Auditing'/><EventID>" + str(event_id) + "</EventID><TimeCreated "
            f"SystemTime='{at}'/><Channel>Security</Channel><Computer>RDS-TPE-04</Computer></System><EventData>"
            f"{fields}</EventData></Event>")


def test_windows_security_xml_events_relayed_by_syslog_with_a_header_before_them(tmp_path: Path) -> None:
    # Windows events forwarded as XML by a syslog agent keep the relay's header ('2025-02-01T23:30:33+08:00 HOST
    # <Event ...>'), as a published parser test's line shows: every such line was refused as unreadable
    lines = [
        "2026-11-02T08:15:03+08:00 RDS-TPE-04 " + _xml_event(
            4624, "2026-11-02T00:15:02.499045800Z", TargetUserName="alice", TargetDomainName="CORP",
            TargetLogonId="0x1fc0ed", LogonType="10", IpAddress="203.0.113.7"),
        "<14>Nov  2 17:30:01 RDS-TPE-04 " + _xml_event(
            4634, "2026-11-02T09:30:00.000000000Z", TargetUserName="alice", TargetDomainName="CORP",
            TargetLogonId="0x1fc0ed", LogonType="10"),
    ]
    out, _ = _parse(tmp_path, "relay.log", "\n".join(lines) + "\n")
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in _events(out)] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z", "RDS-TPE-04"),
        ("session_end", "CORP\\alice", "", "2026-11-02T09:30:00Z", "RDS-TPE-04")]


def test_entra_diagnostic_sign_ins_relayed_by_syslog_with_a_header_before_them(tmp_path: Path) -> None:
    # a diagnostic setting's SignInLogs records forwarded line by line by a syslog relay keep its header before the
    # object ('2025-02-02T00:27:59+08:00 HOST {"time": ..., "category": "NonInteractiveUserSignInLogs", ...}', as a
    # published parser test's line shows): both were read as nothing
    def record(at: str, upn: str, ip: str, code: int, requirement: str, methods: list[str]) -> str:
        return json.dumps({"time": at, "operationName": "Sign-in activity", "category": "SignInLogs",
                           "resultType": str(code), "callerIpAddress": ip, "properties": {
                               "createdDateTime": at, "userPrincipalName": upn, "ipAddress": ip,
                               "appDisplayName": "GlobalProtect VPN", "status": {"errorCode": code},
                               "authenticationRequirement": requirement, "isInteractive": True,
                               "authenticationDetails": [{"authenticationMethod": m, "succeeded": True}
                                                         for m in methods]}})
    lines = [
        "2026-11-02T08:14:41+08:00 LOGHOST01 " + record("2026-11-02T00:14:40.6955459+00:00", "alice@corp.example.com",
                                                         "203.0.113.7", 0, "multiFactorAuthentication",
                                                         ["Password", "Mobile app notification"]),
        "<14>Nov  2 09:00:01 LOGHOST01 azure-signins[42]: " + record(
            "2026-11-02T01:00:00Z", "mallory@corp.example.com", "198.51.100.66", 50126, "singleFactorAuthentication",
            []),
    ]
    out, _ = _parse(tmp_path, "signins-relay.log", "\n".join(lines) + "\n", "--year", "2026")
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["mfa_method"]) for e in _events(out)] == [
        ("sign_in", "alice@corp.example.com", "203.0.113.7", "2026-11-02T00:14:40Z", "push"),
        ("login_failed", "mallory@corp.example.com", "198.51.100.66", "2026-11-02T01:00:00Z", "")]


def test_windows_security_json_relayed_by_syslog_with_a_header_before_it(tmp_path: Path) -> None:
    # NXLog's to_syslog_ietf or rsyslog forwarding an agent's JSON: RFC 5424's header, then the event as JSON
    event = {"win": {"system": {"providerName": "Microsoft-Windows-Security-Auditing", "eventID": "4624",
                                "systemTime": "2026-11-02T00:15:02.1Z", "computer": "RDS-TPE-05"},
                     "eventdata": {"targetUserName": "alice", "targetDomainName": "CORP", "targetLogonId": "0x7d4f4",
                                   "logonType": "10", "ipAddress": "203.0.113.7"}}}
    line = "<14>1 2026-11-02T08:15:03+08:00 RDS-TPE-05 nxlog 1234 - - " + json.dumps(event) + "\n"
    out, _ = _parse(tmp_path, "rds-relay.log", line)
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in _events(out)] == [
        ("session_start", "CORP\\alice", "203.0.113.7", "2026-11-02T00:15:02Z", "RDS-TPE-05")]


def test_intune_remote_action_audits_from_graph(tmp_path: Path) -> None:
    # Graph's deviceManagement/remoteActionAudits (the resource behind Devices > Monitor > Device actions, properties
    # as Microsoft documents them): requestDateTime, actionState, initiatedByUserPrincipalName, action factoryReset or
    # removeCompanyData (a retire); the wipe had no readable time and was not a reset
    devices = ('"Device ID","Device name","Ownership","Serial number","Primary user UPN","Last check-in"\n'
               '"dev-0001","TPE-IPHONE-01","Corporate","F2LXK0AAHG7F","alice@corp.example.com",'
               '"2026-11-30 09:12:44.0000000"\n')
    audits = {"value": [
        {"@odata.type": "#microsoft.graph.remoteActionAudit", "id": "a1", "deviceDisplayName": "TPE-IPHONE-01",
         "initiatedByUserPrincipalName": "admin@corp.example.com", "action": "factoryReset",
         "requestDateTime": "2026-11-20T03:00:00.0000000Z", "actionState": "done", "managedDeviceId": "dev-0001"},
        {"@odata.type": "#microsoft.graph.remoteActionAudit", "id": "a2", "deviceDisplayName": "TPE-IPHONE-01",
         "initiatedByUserPrincipalName": "admin@corp.example.com", "action": "removeCompanyData",
         "requestDateTime": "2026-11-25T03:00:00.0000000Z", "actionState": "done", "managedDeviceId": "dev-0001"}]}
    (tmp_path / "devices.csv").write_text(devices, encoding="utf-8")
    (tmp_path / "remoteActionAudits.json").write_text(json.dumps(audits, indent=2), encoding="utf-8")
    result = ccaudit("sources", "parse", "intune", tmp_path / "devices.csv", tmp_path / "remoteActionAudits.json",
                     "--out", tmp_path / "out", "--tz", "UTC")
    assert result.code == 0, result.text
    assert [(r["device_id"], r["reset_at"], r["method"], r["initiated_by"])
            for r in _rows(tmp_path / "out" / "device_resets.csv")] == [
        ("F2LXK0AAHG7F", "2026-11-20T11:00:00+08:00", "wipe", "admin@corp.example.com")]
    assert "1 completed resets (1 retires not counted" in result.text
