"""Small, valid raw exports of every source with one attacker-chosen value (a user name, a device name) in them,
for tests/cli/test_sources_hostile.py. Each `sample(source, name)` is a file the source recognises: a session
that starts and ends (or a sign-in, a device record) whose user is `name`, beside a plain one for `alice`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

SOURCES = ("fortigate", "globalprotect", "cisco-asa", "openvpn-log", "openvpn-status", "windows-security",
           "entra-signins", "defender-logons", "intune", "jamf")
LOGS = SOURCES[:8]  # the ones that become remote_access_events and remote_sessions
FILE_NAMES = {"fortigate": "fgt.log", "globalprotect": "pan-gp.log", "cisco-asa": "asa.log",
              "openvpn-log": "openvpn.log", "openvpn-status": "openvpn-status.log",
              "windows-security": "Security.jsonl", "entra-signins": "InteractiveSignIns.json",
              "defender-logons": "DeviceLogonEvents.csv", "intune": "DevicesWithInventory.csv",
              "jamf": "MobileDevices.csv"}


def _csv_cell(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


def _kv(value: str) -> str:
    """A FortiOS quoted value: a quote inside it escaped (a backslash is written as it is: user="CORP\\alice")."""
    return '"' + value.replace('"', '\\"') + '"'


def fortigate(name: str, tunnel: int = 101) -> str:
    """A session of `name` (tunnel `tunnel`) and one of alice (tunnel `tunnel` + 1), each up and down."""
    def line(t: str, epoch: int, logid: str, action: str, user: str, tunnel: int, extra: str = "") -> str:
        return (f'date=2026-11-02 time={t} devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime={epoch} '
                f'tz="+0800" logid="{logid}" type="event" subtype="vpn" level="information" vd="root" '
                f'action="{action}" tunneltype="ssl-tunnel" tunnelid={tunnel} remip=203.0.113.10 '
                f'tunnelip=10.212.134.10 user={_kv(user)} group="VPN" reason="N/A"{extra}')
    return "\n".join([
        line("08:00:00", 1793577600, "0101039947", "tunnel-up", name, tunnel),
        line("09:00:00", 1793581200, "0101039948", "tunnel-down", name, tunnel, " duration=3600"),
        line("08:10:00", 1793578200, "0101039947", "tunnel-up", "alice", tunnel + 1),
        line("09:10:00", 1793581800, "0101039948", "tunnel-down", "alice", tunnel + 1, " duration=3600"),
    ]) + "\n"


def _gp(receive: str, event: str, user: str, duration: str) -> str:
    fields = ["1", receive, "012801096514", "GLOBALPROTECT", "0", "2561", receive, "vsys1", event, "connected",
              "LDAP", "SSL", user, "TW", "NB-0042", "203.0.113.7", "0.0.0.0", "10.31.0.12", "0.0.0.0",
              "1f2e3d4c-aa", "PF1XYZ", "6.2.1", "Microsoft Windows", "Windows 11", "1", "", "", "", "success",
              "Taipei", duration, "user-logon", "0", "GP-Portal", "7290471224", "0x8000000000000000", "", "", "",
              "", "", "GP-GW-TPE", "0", "0", "0", "0", "", "PA-3220", "1", ""]
    return ",".join(_csv_cell(f) for f in fields)


def globalprotect(name: str) -> str:
    return "\n".join([
        _gp("2026/11/02 08:15:02", "gateway-connected", name, "0"),
        _gp("2026/11/02 09:15:02", "gateway-logout", name, "3600"),
        _gp("2026/11/02 08:20:00", "gateway-connected", "alice", "0"),
        _gp("2026/11/02 09:20:00", "gateway-logout", "alice", "3600"),
    ]) + "\n"


def cisco_asa(name: str) -> str:
    def start(t: str, user: str) -> str:
        return (f"<166>Nov 02 2026 {t} asa-hq : %ASA-6-113039: Group <GP-AnyConnect> User <{user}> "
                "IP <203.0.113.7> AnyConnect parent session started.")

    def end(t: str, user: str) -> str:
        return (f"<166>Nov 02 2026 {t} asa-hq : %ASA-4-113019: Group = GP-AnyConnect, Username = {user}, "
                "IP = 203.0.113.7, Session disconnected. Session Type: SSL, Duration: 1h:00m:00s, Bytes xmt: 1, "
                "Bytes rcv: 2, Reason: User Requested")
    return "\n".join([start("08:15:02", name), end("09:15:02", name), start("08:20:00", "alice"),
                      end("09:20:00", "alice")]) + "\n"


def openvpn_log(name: str) -> str:
    return "\n".join([
        "2026-11-02 08:00:00 OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [AEAD]",
        "2026-11-02 08:00:00 Initialization Sequence Completed",
        f"2026-11-02 08:15:02 203.0.113.7:51642 TLS: Username/Password authentication succeeded for username "
        f"'{name}'",
        "2026-11-02 08:15:02 203.0.113.7:51642 [laptop-1] Peer Connection Initiated with [AF_INET]203.0.113.7:51642",
        "2026-11-02 08:15:02 laptop-1/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)",
        "2026-11-02 08:20:00 203.0.113.8:51643 TLS: Username/Password authentication succeeded for username 'alice'",
        "2026-11-02 08:20:00 203.0.113.8:51643 [laptop-2] Peer Connection Initiated with [AF_INET]203.0.113.8:51643",
        "2026-11-02 09:15:00 laptop-1/203.0.113.7:51642 SIGTERM[soft,remote-exit] received, client-instance exiting",
        "2026-11-02 09:20:00 laptop-2/203.0.113.8:51643 SIGTERM[soft,remote-exit] received, client-instance exiting",
    ]) + "\n"


def openvpn_status(name: str) -> str:
    rows = [["CLIENT_LIST", name, "203.0.113.7:51642", "10.8.0.6", "", "1", "2", "2026-11-02 08:15:02",
             "1793578502", name, "0", "0", "AES-256-GCM"],
            ["CLIENT_LIST", "laptop-2", "203.0.113.8:51643", "10.8.0.7", "", "1", "2", "2026-11-02 08:20:00",
             "1793578800", "alice", "1", "1", "AES-256-GCM"]]
    return "\n".join([
        "TITLE,OpenVPN 2.5.11 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD]",
        "TIME,2026-11-02 09:00:00,1793581200",
        "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,"
        "Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher",
        *(",".join(row) for row in rows),
        "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)",
        "GLOBAL_STATS,Max bcast/mcast queue length,0",
        "END",
    ]) + "\n"


def _evtx(event_id: int, when: str, data: dict[str, object]) -> str:
    system = {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}}, "EventID": event_id,
              "TimeCreated": {"#attributes": {"SystemTime": when}}, "EventRecordID": 1, "Channel": "Security",
              "Computer": "TS01.corp.example.com"}
    return json.dumps({"Event": {"System": system, "EventData": data}}, ensure_ascii=False)


def windows_security(name: str) -> str:
    def logon(when: str, user: str, logon_id: str) -> str:
        return _evtx(4624, when, {"TargetUserName": user, "TargetDomainName": "CORP", "TargetLogonId": logon_id,
                                  "LogonType": 10, "IpAddress": "203.0.113.7", "IpPort": "0"})

    def logoff(when: str, user: str, logon_id: str) -> str:
        return _evtx(4647, when, {"TargetUserName": user, "TargetDomainName": "CORP", "TargetLogonId": logon_id})
    return "\n".join([logon("2026-11-02T00:15:02Z", name, "0x1A"), logoff("2026-11-02T01:15:02Z", name, "0x1A"),
                      logon("2026-11-02T00:20:00Z", "alice", "0x2B"),
                      logoff("2026-11-02T01:20:00Z", "alice", "0x2B")]) + "\n"


def _signin(when: str, upn: str) -> str:
    return json.dumps({
        "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100", "createdDateTime": when, "userDisplayName": upn,
        "userPrincipalName": upn, "userId": "d7cc485d", "appDisplayName": "GlobalProtect VPN",
        "ipAddress": "203.0.113.7", "clientAppUsed": "Browser", "conditionalAccessStatus": "success",
        "isInteractive": True, "authenticationRequirement": "multiFactorAuthentication",
        "status": {"errorCode": 0, "failureReason": "Other."},
        "location": {"city": "Taipei", "state": "Taipei", "countryOrRegion": "TW"},
        "authenticationDetails": [{"authenticationStepDateTime": when, "authenticationMethod": "Password",
                                   "succeeded": True}]}, ensure_ascii=False)


def entra_signins(name: str) -> str:
    return "\n".join([_signin("2026-11-02T00:14:40Z", name), _signin("2026-11-02T00:19:40Z", "alice")]) + "\n"


DEFENDER_HEADER = ("Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,"
                   "Protocol,FailureReason,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP,RemoteIPType,RemotePort,"
                   "ReportId")


def defender_logons(name: str) -> str:
    def row(when: str, user: str, logon_id: str) -> str:
        cells = [when, "9f1c0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b", "ts01.corp.example.com", "LogonSuccess",
                 "RemoteInteractive", "corp", user, "S-1-5-21-1-2-3-1105", "Negotiate", "", "false", logon_id,
                 "NB-0042", "203.0.113.7", "Public", "51642", "11"]
        return ",".join(_csv_cell(c) for c in cells)
    return "\n".join([DEFENDER_HEADER, row("2026-11-02T00:15:02.1234567Z", name, "1715004"),
                      row("2026-11-02T00:20:00.0000000Z", "alice", "1715005")]) + "\n"


INTUNE_HEADER = ("Device ID,Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN,"
                 "Primary user display name,Serial number,IMEI,Model,Manufacturer,Enrollment date")


def intune(name: str) -> str:
    def row(device_id: str, device: str, ownership: str, upn: str, serial: str) -> str:
        cells = [device_id, device, "Intune", ownership, "Compliant", "iOS/iPadOS", "17.6.1",
                 "2026-11-28 09:12:44.0000000", upn, upn, serial, "", "iPhone 15", "Apple",
                 "2025-02-01 10:00:00.0000000"]
        return ",".join(_csv_cell(c) for c in cells)
    return "\n".join([INTUNE_HEADER, row("6c1f-0001", name, "Corporate", name, "F2LXK0AAHG7F"),
                      row("6c1f-0002", name, "Personal", name, "F2LXK0AAHG7G"),
                      row("6c1f-0003", "MD-IPHONE-3", "Corporate", "alice@corp.example.com.tw", "F2LXK0AAHG7H")]) + "\n"


JAMF_HEADER = ("Mobile Device Name,Serial Number,Model,Username,Email Address,Last Inventory Update,Last Enrollment,"
               "Managed,Supervised,Device Ownership Level")


def jamf(name: str) -> str:
    def row(device: str, serial: str, user: str, ownership: str) -> str:
        cells = [device, serial, "iPad (10th generation)", user, "", "2026-11-28 at 9:15 AM", "2025-06-02 at 10:00 AM",
                 "Managed", "Supervised", ownership]
        return ",".join(_csv_cell(c) for c in cells)
    return "\n".join([JAMF_HEADER, row(name, "DMPXK1AAQ1GC", name, "Institutional"),
                      row(name, "DMPXK1AAQ1GD", name, "Personal"),
                      row("iPad-3", "DMPXK1AAQ1GE", "alice", "Institutional")]) + "\n"


BUILDERS: dict[str, Callable[[str], str]] = {
    "fortigate": fortigate, "globalprotect": globalprotect, "cisco-asa": cisco_asa, "openvpn-log": openvpn_log,
    "openvpn-status": openvpn_status, "windows-security": windows_security, "entra-signins": entra_signins,
    "defender-logons": defender_logons, "intune": intune, "jamf": jamf}


def sample(source: str, name: str) -> str:
    """A raw export of `source` with `name` as a user (and, for device exports, a device) name."""
    return BUILDERS[source](name)


def header_only(source: str) -> str:
    """The file as an export with no record writes it (CSV: the header line; logs: a line of no event)."""
    return {"defender-logons": DEFENDER_HEADER + "\n", "intune": INTUNE_HEADER + "\n", "jamf": JAMF_HEADER + "\n",
            "openvpn-status": "\n".join([*openvpn_status("x").splitlines()[:3], "END"]) + "\n",
            "entra-signins": "[]\n"}.get(source, "")
