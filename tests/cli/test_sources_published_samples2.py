"""Second round of vendors' and other projects' published samples (docs/sources.md, *Published sample logs tried*):
each form ccaudit first read wrongly, as a fixture written here from the format fact (not copied), asserting what an
auditor would check: the user, the instant, the address, the kind, the device and its owner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli.inprocess import ccaudit
from tests.cli.parsed_output import events as _events
from tests.cli.parsed_output import parse_text as _parse
from tests.cli.parsed_output import report as _report
from tests.cli.parsed_output import rows as _rows


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


def _pan_cef(event: str, at: str, high_res: str, *, host_id: str = "PanOSHostID=f7290ebd", duration: str = "0") -> str:
    # Palo Alto's CEF configuration guide, GlobalProtect format, as a PAN-OS 11.2 firewall sent it: event in
    # PanOSEventID (not ...Value), rt and PanOSLogTimeStamp with ' GMT', and two fields named PanOSDeviceSN (the
    # firewall's serial, empty here, then after PanOSHostID the endpoint's)
    return (f"{at[:15]} PA-VM CEF: 0|Palo Alto Networks|PAN-OS|11.2.3-h3|0|GLOBALPROTECT|1|rt={at} "
            f"PanOSDeviceSN= PanOSLogTimeStamp={at} PanOSVirtualSystem=vsys1 PanOSEventID={event} "
            "PanOSStage=tunnel PanOSAuthMethod= PanOSTunnelType=SSLVPN PanOSSourceUserName=corp\\\\carol "
            "PanOSSourceRegion=TW PanOSEndpointDeviceName=LAPTOP-13H78GN8 PanOSPublicIPv4=198.51.100.30 "
            "PanOSPublicIPv6=0.0.0.0 PanOSPrivateIPv4=10.0.1.1 PanOSPrivateIPv6=0.0.0.0 "
            f"{host_id} PanOSDeviceSN=5CD0238Y2V PanOSGlobalProtectClientVersion=6.0.7 "
            'PanOSEndpointOSType=Windows PanOSEndpointOSVersion="Microsoft Windows 10 Home , 64-bit" '
            "PanOSCountOfRepeats=1 PanOSEventStatus=success PanOSGPGatewayLocation= "
            f"PanOSLoginDuration={duration} PanOSPortal=GlobalProtectGW PanOSSequenceNo=7466115433603530760 "
            f"PanOSActionFlags=0x0 PanOSTimeGeneratedHighResolution={high_res} PanOSGateway=")


def test_globalprotect_cef_in_the_configuration_guides_format(tmp_path: Path) -> None:
    lines = [_pan_cef("gateway-connected", "Jan 31 2026 16:23:47 GMT", "2026-01-31T08:23:47.763-08:00"),
             _pan_cef("gateway-setup-ssl", "Jan 31 2026 16:23:48 GMT", "2026-01-31T08:23:48.001-08:00"),
             _pan_cef("gateway-logout", "Jan 31 2026 18:00:00 GMT", "2026-01-31T10:00:00.000-08:00",
                      duration="5773"),
             # a third PanOSDeviceSN, or a second one anywhere else, is still a key twice: not read
             _pan_cef("gateway-connected", "Jan 31 2026 19:00:00 GMT", "2026-01-31T11:00:00.000-08:00",
                      host_id="PanOSDeviceSN=X PanOSHostID=f7290ebd")]
    out, _ = _parse(tmp_path, "pan-cef.log", "\n".join(lines) + "\n")
    report = _report(out)["files"][0]
    assert (report["recognised"], report["not_relevant"]) == (2, 1)
    assert [(m["code"], m["lines"]) for m in report["malformed_lines"]] == [("problem_duplicate_key", [4])]
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"], e["gateway_id"])
            for e in _events(out)] == [
        ("session_start", "corp\\carol", "198.51.100.30", "10.0.1.1", "2026-01-31T16:23:47Z", "PA-VM"),
        ("session_end", "corp\\carol", "198.51.100.30", "", "2026-01-31T18:00:00Z", "PA-VM")]


def test_globalprotect_from_sentinel_common_security_log_exported_as_json(tmp_path: Path) -> None:
    # Strata Logging Service's CEF kept by Microsoft Sentinel: the header and rt, dtz, deviceExternalId, dvchost as
    # columns, the PanOS* keys in AdditionalExtensions ('k=v;k=v'); a CONFIG record of the same export is not a
    # GlobalProtect event (Sentinel's PaloAltoCDL sample data holds such records)
    def record(event: str, received: str, duration: str = "0") -> dict[str, str]:
        ext = ";".join(["ProfileToken=xxxxx", "PanOSDeviceSN=012801096514", f"PanOSEventIDValue={event}",
                        "PanOSStage=connected", "PanOSTunnelType=ipsec", "PanOSSourceUserName=corp\\\\alice",
                        "PanOSEndpointDeviceName=NB-0042", "PanOSPublicIPv4=203.0.113.7", "PanOSPrivateIPv4=10.31.0.12",
                        "PanOSEndpointOSType=Intel Mac OS", "PanOSEventStatus=success",
                        f"PanOSLoginDuration={duration}", "PanOSDeviceName=PA-VM"])
        return {"TimeGenerated": "2026-11-02T09:30:00Z", "DeviceVendor": "Palo Alto Networks", "DeviceProduct": "LF",
                "DeviceVersion": "2.0", "DeviceEventClassID": "GLOBALPROTECT", "Activity": "globalprotect",
                "LogSeverity": "3", "AdditionalExtensions": ext, "DeviceExternalID": "012801096514",
                "DeviceName": "PA-VM", "ReceiptTime": received, "DeviceTimeZone": "UTC", "SourceUserName": "",
                "Type": "CommonSecurityLog"}

    config = {"DeviceVendor": "Palo Alto Networks", "DeviceProduct": "LF", "DeviceEventClassID": "CONFIG",
              "Activity": "config", "AdditionalExtensions": "ProfileToken=xxxxx;PanOSEventTime=Jul 25 2019 23:30:12",
              "DeviceAction": "commit-all", "ReceiptTime": "Mar 01 2026 20:35:54", "DeviceTimeZone": "UTC"}
    records = [config, record("gateway-connected", "Nov 02 2026 00:15:04"),
               record("gateway-logout", "Nov 02 2026 09:00:04", "32100")]
    out, _ = _parse(tmp_path, "CommonSecurityLog-PAN.json", json.dumps(records, indent=2))
    report = _report(out)["files"][0]
    assert (report["source"], report["recognised"], report["malformed"]) == ("globalprotect", 2, 0)
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"], e["gateway_id"])
            for e in _events(out)] == [
        ("session_start", "corp\\alice", "203.0.113.7", "10.31.0.12", "2026-11-02T00:15:04Z", "PA-VM"),
        ("session_end", "corp\\alice", "203.0.113.7", "", "2026-11-02T09:00:04Z", "PA-VM")]


_CSL_ASA_HEADER = ('TenantId,"TimeGenerated [UTC]",DeviceVendor,DeviceProduct,DeviceVersion,DeviceEventClassID,'
                   'Activity,LogSeverity,AdditionalExtensions,DeviceAddress,DeviceName,Message,ReceiptTime,Computer,'
                   'Type')


def _csl_asa_row(at: str, msg_id: str, message: str) -> str:
    quoted = '"' + message.replace('"', '""') + '"'
    return (f'"t1","{at}",Cisco,ASA,,{msg_id},,Low,,"192.168.1.1","asa-tpe",{quoted},"{at.replace(",", "")}",'
            '"asa-tpe",CommonSecurityLog')


def test_cisco_asa_from_sentinel_common_security_log_csv_and_json(tmp_path: Path) -> None:
    # Microsoft Sentinel's own ASA sample data is its portal's CSV export of CommonSecurityLog: the syslog message in
    # Message ('%ASA-6-113005:  AAA ...', two spaces), TimeGenerated [UTC] as the browser writes it; a JSON export
    # from the API has ISO times. A day-first time without AM/PM ('05/07/2026, 14:05:00') is not guessed.
    rows = [
        _CSL_ASA_HEADER,
        _csl_asa_row("7/5/2026, 2:04:24.792 PM", "113005", "%ASA-6-113005:  AAA user authentication Rejected : "
                     "reason = Invalid password : server = 192.168.1.254 : user = mallory : user IP = 198.51.100.66"),
        _csl_asa_row("7/5/2026, 2:05:00.100 PM", "113039", "%ASA-6-113039:  Group <GP> User <alice> IP <203.0.113.7> "
                     "AnyConnect parent session started."),
        _csl_asa_row("7/5/2026, 4:05:00.100 PM", "113019", "%ASA-4-113019:  Group = GP, Username = alice, "
                     "IP = 203.0.113.7, Session disconnected. Session Type: AnyConnect-Parent, Duration: 2h:00m:00s, "
                     "Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested"),
        _csl_asa_row("05/07/2026, 14:06:00", "113039", "%ASA-6-113039: Group <GP> User <bob> IP <203.0.113.8> "
                     "AnyConnect parent session started."),
        # a cell holding a line break: the row runs on to the next line, and the rows after it keep their lines
        _csl_asa_row("7/5/2026, 5:00:00.000 PM", "722037", "%ASA-4-722037: Group <GP> User <alice> IP "
                     "<203.0.113.7> SVC closing connection: Transport closing.\nsecond line"),
        _csl_asa_row("7/5/2026, 5:01:00.000 PM", "716039", "%ASA-6-716039: Group <GP> User <eve> IP <198.51.100.9> "
                     "Authentication: rejected, Session Type: WebVPN.")]
    out, _ = _parse(tmp_path, "CommonSecurityLog-ASA.csv", "\n".join(rows) + "\n")
    report = _report(out)["files"][0]
    assert (report["source"], report["recognised"], report["not_this_source"]) == ("cisco-asa", 5, 0)
    assert report["lines_read"] == 8
    assert [(m["code"], m["lines"]) for m in report["malformed_lines"]] == [("problem_csl_time_order", [5])]
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["gateway_id"]) for e in _events(out)] == [
        ("login_failed", "mallory", "198.51.100.66", "2026-07-05T14:04:24Z", "asa-tpe"),
        ("session_start", "alice", "203.0.113.7", "2026-07-05T14:05:00Z", "asa-tpe"),
        ("session_end", "alice", "203.0.113.7", "2026-07-05T16:05:00Z", "asa-tpe"),
        ("session_stats", "alice", "203.0.113.7", "2026-07-05T17:00:00Z", "asa-tpe"),
        ("login_failed", "eve", "198.51.100.9", "2026-07-05T17:01:00Z", "asa-tpe")]
    assert [e["source_line"] for e in _events(out)] == ["2", "3", "4", "6", "8"]

    records = [{"TimeGenerated": "2026-07-05T14:05:00.1Z", "DeviceVendor": "Cisco", "DeviceProduct": "ASA",
                "DeviceEventClassID": "113039", "DeviceName": "asa-tpe", "Type": "CommonSecurityLog",
                "Message": "%ASA-6-113039: Group <GP> User <carol> IP <203.0.113.9> AnyConnect parent session "
                           "started."}]
    (tmp_path / "json").mkdir()
    out2, _ = _parse(tmp_path / "json", "CommonSecurityLog-ASA.json", json.dumps(records))
    assert [(e["kind"], e["account"], e["utc_time"], e["gateway_id"]) for e in _events(out2)] == [
        ("session_start", "carol", "2026-07-05T14:05:00Z", "asa-tpe")]


def test_openvpn_log_written_with_machine_readable_output(tmp_path: Path) -> None:
    # OpenVPN 2.5+ with --machine-readable-output writes each line as 'seconds.microseconds flags(hex) message'
    # (error.c: "%" PRIi64 ".%06ld %x %s%s%s%s"): the time is an instant, read as such whatever --tz says
    lines = ["1793578500.000100 1 OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [AEAD]",
             "1793578510.123456 1 203.0.113.7:51234 VERIFY OK: depth=0, CN=alice",
             "1793578510.223456 1 203.0.113.7:51234 [alice] Peer Connection Initiated with [AF_INET]203.0.113.7:51234",
             "1793578510.323456 1 alice/203.0.113.7:51234 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)",
             "1793582110.000001 1 alice/203.0.113.7:51234 SIGTERM[soft,remote-exit] received, client-instance exiting"]
    out, _ = _parse(tmp_path, "server.log", "\n".join(lines) + "\n", "--tz", "America/New_York")
    assert _report(out)["files"][0]["source"] == "openvpn-log"
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"]) for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "10.8.0.6", "2026-11-02T00:15:10Z"),
        ("session_end", "alice", "203.0.113.7", "", "2026-11-02T01:15:10Z")]


def test_jamf_classic_api_records_in_its_default_xml(tmp_path: Path) -> None:
    # the Classic API answers XML unless asked for JSON: a record's lists as <size>N</size> and their items; a
    # record with a DTD or entities is refused, not expanded
    device = (
        '<?xml version="1.0" encoding="UTF-8"?><mobile_device><general><id>12</id><name>TPE-iPad-12</name>'
        "<last_inventory_update_utc>2026-11-02T08:15:00.000+0800</last_inventory_update_utc><managed>true</managed>"
        "<device_ownership_level>Institutional</device_ownership_level>"
        "<last_enrollment_utc>2026-01-01T08:00:00.000+0800</last_enrollment_utc><os_type>iOS</os_type>"
        "<serial_number>DMQXYZ12AB</serial_number><model>iPad Pro (11-inch)</model></general><location>"
        "<username>alice</username><email_address>alice@corp.example.com</email_address></location>"
        "<applications><size>2</size><application><application_name>Microsoft Outlook</application_name>"
        "<application_short_version>4.2345.0</application_short_version>"
        "<identifier>com.microsoft.Office.Outlook</identifier></application><application>"
        "<application_name>Slack</application_name><application_short_version>23.10</application_short_version>"
        "<identifier>com.tinyspeck.chatlyio</identifier></application></applications></mobile_device>")
    out, said = _parse(tmp_path, "mobiledevice-12.xml", device)
    assert [(d["device_id"], d["status"], d["primary_user"], d["issued_on"]) for d in
            _rows(out / "company_mobile_devices.csv")] == [
        ("DMQXYZ12AB", "in_use", "alice@corp.example.com", "2026-01-01")]
    assert [(a["device_id"], a["app_id"], a["version"]) for a in _rows(out / "device_apps.csv")] == [
        ("DMQXYZ12AB", "com.microsoft.Office.Outlook", "4.2345.0"), ("DMQXYZ12AB", "com.tinyspeck.chatlyio", "23.10")]
    assert "1 company devices" in said

    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "xx">]><mobile_device><general><name>&x;</name>'
                    "</general></mobile_device>", encoding="utf-8")
    refused = ccaudit("sources", "parse", "jamf", bomb, "--out", tmp_path / "out2")
    assert refused.code == 2 and "DTD or entities" in refused.text and "Traceback" not in refused.text


def test_fortigate_from_sentinel_common_security_log_exported_as_csv(tmp_path: Path) -> None:
    # the portal's Export > CSV (all columns) of the same records: 'TimeGenerated [UTC]', AdditionalExtensions quoted
    # (its values hold spaces and ';'), the header naming the columns in the query's order
    header = ["TenantId", "TimeGenerated [UTC]", "DeviceVendor", "DeviceProduct", "DeviceEventClassID", "Activity",
              "AdditionalExtensions", "DeviceAction", "DestinationIP", "DestinationUserName", "DeviceExternalID",
              "Computer", "Type"]
    ext = ";".join(["FortinetFortiGatelogid=0101039947", "cat=event:vpn", "FortinetFortiGatesubtype=vpn",
                    "FortinetFortiGatevd=root", "FortinetFortiGateeventtime=1793578502", "FortinetFortiGatelogdesc=SSL "
                    "VPN tunnel up", "FortinetFortiGatetunneltype=ssl-tunnel", "FortinetFortiGatetunnelid=77",
                    "FortinetFortiGatetunnelip=10.212.134.9"])
    row = ["t1", "11/2/2026, 12:15:03.000 AM", "Fortinet", "Fortigate", "39947", "event:vpn tunnel-up", ext,
           "tunnel-up", "203.0.113.7", "alice", "FG100FTK20000001", "FGT-TPE", "CommonSecurityLog"]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, row])
    out, _ = _parse(tmp_path, "CommonSecurityLog-FGT.csv", text.getvalue())
    assert [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["utc_time"], e["source_line"])
            for e in _events(out)] == [
        ("session_start", "alice", "203.0.113.7", "10.212.134.9", "2026-11-02T00:15:02Z", "2")]


def test_entra_sign_ins_from_defender_advanced_hunting_csv(tmp_path: Path) -> None:
    # Defender XDR's advanced hunting table of Entra sign-ins (AADSignInEventsBeta, now EntraIdSignInEvents) exported
    # as CSV: Timestamp in UTC, AccountUpn, ErrorCode, Application, AuthenticationRequirement, IPAddress. It names no
    # MFA method: a multi-factor sign-in stays without one (not guessed), a failure is a failed login.
    header = ("Timestamp,Application,ApplicationId,LogonType,ErrorCode,CorrelationId,AccountDisplayName,AccountUpn,"
              "DeviceName,OSPlatform,IsManaged,IsCompliant,AuthenticationRequirement,ClientAppUsed,Browser,"
              "ConditionalAccessStatus,IPAddress,Country,City,RequestId,ReportId")
    rows = ['2026-11-02T00:15:41.6195833Z,Palo Alto Networks - GlobalProtect,0af06dc6,"[""interactiveUser""]",0,d79f,'
            "Alice,alice@corp.example.com,,Windows10,0,0,multiFactorAuthentication,Browser,Edge 120,success,"
            "203.0.113.7,TW,Taipei,req1,rep1",
            '2026-11-02T01:00:00.0000000Z,Palo Alto Networks - GlobalProtect,0af06dc6,"[""interactiveUser""]",50126,'
            "d79g,Bob,bob@corp.example.com,,Windows10,0,0,singleFactorAuthentication,Browser,Edge 120,failure,"
            "198.51.100.66,TW,Taipei,req2,rep2"]
    out, _ = _parse(tmp_path, "AADSignInEventsBeta.csv", "\n".join([header, *rows]) + "\n")
    assert _report(out)["files"][0]["source"] == "entra-signins"
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["mfa_method"]) for e in _events(out)] == [
        ("sign_in", "alice@corp.example.com", "203.0.113.7", "2026-11-02T00:15:41Z", ""),
        ("login_failed", "bob@corp.example.com", "198.51.100.66", "2026-11-02T01:00:00Z", "")]


def _indented_event(event_id: str, at: str, logon_id: str) -> list[str]:
    # an event as Microsoft's documentation prints it (and Event Viewer's Details > XML View shows it): indented,
    # one element per line
    data = {"SubjectUserSid": "S-1-5-18", "TargetUserName": "Administrator", "TargetDomainName": "WIN-GG82ULGC9GO",
            "TargetLogonId": logon_id, "LogonType": "10", "IpAddress": "203.0.113.7", "IpPort": "0"}
    return ['<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">', " <System>",
            ' <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />',
            f" <EventID>{event_id}</EventID>", " <Version>2</Version>", f' <TimeCreated SystemTime="{at}" />',
            " <Channel>Security</Channel>", " <Computer>WIN-GG82ULGC9GO</Computer>", " <Security />", " </System>",
            " <EventData>", *(f' <Data Name="{k}">{v}</Data>' for k, v in data.items()), " </EventData>",
            " </Event>"]


def test_windows_events_as_indented_xml(tmp_path: Path) -> None:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Events>",
             *_indented_event("4624", "2026-11-02T00:15:02.079785200Z", "0x8dcdc"),
             *_indented_event("4634", "2026-11-02T09:00:00.000000000Z", "0x8dcdc"), "</Events>"]
    out, _ = _parse(tmp_path, "4624.xml", "\n".join(lines) + "\n")
    report = _report(out)["files"][0]
    assert (report["source"], report["lines_read"], report["recognised"]) == ("windows-security", len(lines), 2)
    assert [(e["kind"], e["account"], e["utc_time"], e["gateway_id"], e["source_line"]) for e in _events(out)] == [
        ("session_start", "WIN-GG82ULGC9GO\\Administrator", "2026-11-02T00:15:02Z", "WIN-GG82ULGC9GO", "3"),
        ("session_end", "WIN-GG82ULGC9GO\\Administrator", "2026-11-02T09:00:00Z", "WIN-GG82ULGC9GO", "23")]


def test_a_common_security_log_csv_with_a_quote_never_closed_is_counted_not_swallowed(tmp_path: Path) -> None:
    # a damaged export: a quote opened in row 2 and never closed. The rows after it are not gathered into one
    # unbounded row (a row is cut after sentinel.MAX_ROW_LINES lines): every line is counted, no traceback
    rows = [_CSL_ASA_HEADER, '"t1","7/5/2026, 2:05:00.100 PM",Cisco,ASA,,113039,,Low,,"192.168.1.1","asa-tpe","%ASA-6-']
    rows += [_csl_asa_row("7/5/2026, 2:06:00.100 PM", "113039", "%ASA-6-113039: Group <GP> User <u> IP <203.0.113.7> "
                          "AnyConnect parent session started.")] * 250
    path = tmp_path / "CommonSecurityLog-damaged.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = ccaudit("sources", "parse", "cisco-asa", path, "--out", tmp_path / "out")
    assert result.code == 0 and "Traceback" not in result.text
    report = _report(tmp_path / "out")["files"][0]
    assert report["lines_read"] == len(rows)
    assert report["recognised"] + report["not_relevant"] + report["not_this_source"] + report["malformed"] == len(rows)
