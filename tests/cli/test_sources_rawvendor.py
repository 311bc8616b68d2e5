"""Vendor-format leftovers of raw exports (docs/sources.md): Microsoft Sentinel's AdditionalExtensions read as CEF and
Sentinel define it, names typed at a log-in that spell the keys after them, the event's own time in Sentinel's ASA
records, OpenVPN behind a syslog relay, and the bound on GlobalProtect's web-interface header. Fixtures are written
here from the vendors' documented formats, asserting what an auditor checks: who, from where, when, which session."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.hostile_raw import FILE_NAMES, LOGS, fortigate, sample
from tests.cli.parsed_output import events as _events
from tests.cli.parsed_output import parse_text as _parse
from tests.cli.parsed_output import report as _report
from tests.cli.parsed_output import rows as _rows

from ccaudit.rawsources import globalprotect, sqlkit
from ccaudit.rawsources.evidence import Derived
from ccaudit.rawsources.parse import ParseRequest, parse

# --- 1. Sentinel's AdditionalExtensions: a ';' inside a value ---------------------------------------------------------

def _fgt_csl(action: str, epoch: int, extra: list[str], *, client: str | None = None) -> dict[str, str]:
    """A FortiGate IPsec XAuth event (MESGID_CONN_UPDOWN) as Sentinel's CommonSecurityLog keeps it: the CEF keys with a
    column of their own as columns, FortiOS's own keys in AdditionalExtensions, 'k=v;k=v', FTNTFGT written
    FortinetFortiGate. FortiOS writes every field of the log ID (N/A when unused)."""
    ext = ["FortinetFortiGatelogid=0101037138", "cat=event:vpn", "FortinetFortiGatesubtype=vpn",
           "FortinetFortiGatevd=root", f"FortinetFortiGateeventtime={epoch}", "FortinetFortiGatetz=+0800",
           "FortinetFortiGateremip=198.51.100.20" if client is None else "FortinetFortiGatelocip=192.0.2.1"]
    record = {"TimeGenerated": "2026-11-02T03:00:05Z", "DeviceVendor": "Fortinet", "DeviceProduct": "Fortigate",
              "DeviceEventClassID": "37138", "Activity": f"event:vpn {action}", "DeviceAction": action,
              "DestinationUserName": "N/A", "DeviceExternalID": "FG100FTK20000001", "Computer": "FGT-TPE",
              "AdditionalExtensions": ";".join(ext + extra)}
    if client is not None:
        record["DestinationIP"] = client
    return record


def _xauth(name: str, tunnel: str = "88002", duration: str = "0", vip: str = "10.10.0.9") -> list[str]:
    return [f"FortinetFortiGatexauthuser={name}", "FortinetFortiGatexauthgroup=VPN-XAuth",
            f"FortinetFortiGateassignip={vip}", "FortinetFortiGatevpntunnel=FCT_0", "FortinetFortiGatetunnelip=N/A",
            f"FortinetFortiGatetunnelid={tunnel}", "FortinetFortiGatetunneltype=ipsec",
            f"FortinetFortiGateduration={duration}"]


def test_a_sentinel_fortigate_value_cannot_set_the_keys_after_it(tmp_path: Path) -> None:
    # An XAuth name is whatever the client sends. In AdditionalExtensions nothing escapes a ';', so 'erin;tunnelid=999'
    # could be a name or two pairs: the record is reported (the key then appears twice), never read as erin's tunnel.
    # CEF escapes '=' in a value ('\='): 'frank;duration\=99999' is one name, and sets nothing else.
    records = [
        _fgt_csl("tunnel-up", 1793584800, _xauth("erin;tunnelid=999;duration=99999;remip=6.6.6.6;user=mallory")),
        _fgt_csl("tunnel-up", 1793584860, _xauth("frank;tunnelid\\=999;duration\\=99999;remip\\=6.6.6.6",
                                                  tunnel="88003", vip="10.10.0.10")),
        # a name with spaces and '=' (a CEF value holds spaces): the rest of the record is still its own
        _fgt_csl("tunnel-up", 1793584920,
                 _xauth("grace assignip=7.7.7.7 tunnelid=5", tunnel="88004", vip="10.10.0.11")),
        # FortiOS 6.0 puts the client in dst (DestinationIP) and writes no remip: a remip in a value is a second one
        _fgt_csl("tunnel-up", 1793584980, _xauth("heidi;remip=6.6.6.6", tunnel="88005", vip="10.10.0.12"),
                 client="203.0.113.50"),
        _fgt_csl("tunnel-down", 1793588460, _xauth("frank;tunnelid\\=999;duration\\=99999;remip\\=6.6.6.6",
                                                    tunnel="88003", duration="3600", vip="10.10.0.10")),
        # a name ending in a backslash (CEF writes it '\\'): it escapes no quote, the keys and columns after it are read
        _fgt_csl("tunnel-up", 1793589000, _xauth("ivan\\\\", tunnel="88006", vip="10.10.0.13")),
    ]
    out, said = _parse(tmp_path, "CommonSecurityLog.json", json.dumps(records, indent=1))
    report = _report(out)["files"][0]
    assert (report["source"], report["recognised"], report["malformed"]) == ("fortigate", 4, 2)
    assert [(m["problem"], m["lines"]) for m in report["malformed_lines"]] == [
        ("a key appears twice (remip): a value may hold it; not read", [38]),  # heidi's record
        ("a key appears twice (tunnelid): a value may hold it; not read", [2])]  # erin's
    assert "a key appears twice (tunnelid)" in said
    got = [(e["kind"], e["account"], e["source_ip"], e["assigned_ip"], e["session_key"], e["duration_s"])
           for e in _events(out)]
    assert got == [
        ("session_start", "frank;tunnelid=999;duration=99999;remip=6.6.6.6", "198.51.100.20", "10.10.0.10",
         "FG100FTK20000001|root|88003", ""),
        ("session_start", "grace assignip=7.7.7.7 tunnelid=5", "198.51.100.20", "10.10.0.11",
         "FG100FTK20000001|root|88004", ""),
        ("session_end", "frank;tunnelid=999;duration=99999;remip=6.6.6.6", "198.51.100.20", "10.10.0.10",
         "FG100FTK20000001|root|88003", "3600"),
        ("session_start", "ivan\\\\", "198.51.100.20", "10.10.0.13", "FG100FTK20000001|root|88006", "")]
    sessions = _rows(out / "remote_sessions.csv")
    assert [(s["account"], s["start_time"], s["end_time"]) for s in sessions] == [
        ("frank;tunnelid=999;duration=99999;remip=6.6.6.6", "2026-11-02T10:01:00+08:00", "2026-11-02T11:01:00+08:00"),
        ("grace assignip=7.7.7.7 tunnelid=5", "2026-11-02T10:02:00+08:00", ""),
        ("ivan\\\\", "2026-11-02T11:10:00+08:00", "")]


def test_the_same_records_exported_as_csv_are_read_alike(tmp_path: Path) -> None:
    # the portal's Export > CSV of the same query: AdditionalExtensions quoted; the ';' reading is the same
    records = [_fgt_csl("tunnel-up", 1793584800, _xauth("erin;tunnelid=999")),
               _fgt_csl("tunnel-up", 1793584860, _xauth("frank;tunnelid\\=999", tunnel="88003", vip="10.10.0.10"))]
    header = ["TimeGenerated [UTC]", "DeviceVendor", "DeviceProduct", "DeviceEventClassID", "Activity", "DeviceAction",
              "DestinationUserName", "DeviceExternalID", "Computer", "AdditionalExtensions"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for r in records:
        writer.writerow([r["TimeGenerated"] if n.startswith("TimeGenerated") else r[n] for n in header])
    out, said = _parse(tmp_path, "CommonSecurityLog.csv", text.getvalue())
    assert "a key appears twice (tunnelid)" in said
    assert [(e["account"], e["session_key"], e["source_line"]) for e in _events(out)] == [
        ("frank;tunnelid=999", "FG100FTK20000001|root|88003", "3")]


def _gp_csl(event: str, user: str, received: str, duration: str = "0") -> dict[str, str]:
    """Strata Logging Service's GlobalProtect CEF as Sentinel keeps it: PanOS* keys in AdditionalExtensions."""
    ext = ";".join(["PanOSDeviceSN=012801096514", f"PanOSEventIDValue={event}", "PanOSTunnelType=ssl",
                    f"PanOSSourceUserName={user}", "PanOSPublicIPv4=203.0.113.7", "PanOSPrivateIPv4=10.31.0.12",
                    "PanOSEventStatus=success", f"PanOSLoginDuration={duration}", "PanOSDeviceName=PA-VM"])
    return {"TimeGenerated": "2026-11-02T09:30:00Z", "DeviceVendor": "Palo Alto Networks", "DeviceProduct": "LF",
            "DeviceVersion": "2.0", "DeviceEventClassID": "GLOBALPROTECT", "Activity": "globalprotect",
            "LogSeverity": "3", "AdditionalExtensions": ext, "DeviceExternalID": "012801096514",
            "DeviceName": "PA-VM", "ReceiptTime": received, "DeviceTimeZone": "UTC"}


def test_a_sentinel_globalprotect_value_cannot_set_the_keys_after_it(tmp_path: Path) -> None:
    # Written back as the CEF line it was, each value is escaped as CEF writes it: a name holding
    # ' PanOSPublicIPv4=6.6.6.6' (spaces) is a name; one holding ';PanOSPublicIPv4=6.6.6.6' is reported, not read
    records = [
        _gp_csl("gateway-connected", "corp\\\\alice PanOSPublicIPv4=6.6.6.6 PanOSEventIDValue=gateway-logout",
                "Nov 02 2026 00:15:04"),
        _gp_csl("gateway-connected", "bob;PanOSPublicIPv4=6.6.6.6", "Nov 02 2026 00:16:04"),
        _gp_csl("gateway-logout", "carol;PanOSLoginDuration\\=99999", "Nov 02 2026 01:00:04", "600"),
    ]
    out, said = _parse(tmp_path, "CommonSecurityLog-PAN.json", json.dumps(records, indent=1))
    assert "a key appears twice (PanOSPublicIPv4)" in said
    got = [(e["kind"], e["account"], e["source_ip"], e["utc_time"], e["duration_s"]) for e in _events(out)]
    assert got == [
        ("session_start", "corp\\alice PanOSPublicIPv4=6.6.6.6 PanOSEventIDValue=gateway-logout", "203.0.113.7",
         "2026-11-02T00:15:04Z", "0"),
        ("session_end", "carol;PanOSLoginDuration=99999", "203.0.113.7", "2026-11-02T01:00:04Z", "600")]


# --- 1b. a name typed at a log-in that spells the keys of a session end -----------------------------------------------

_GP_CSV = ("1,2026/11/02 {t},012801096514,GLOBALPROTECT,0,2561,2026/11/02 {t},vsys1,{event},connected,LDAP,SSL,"
           "{user},TW,NB-0042,203.0.113.7,0.0.0.0,10.31.0.12,0.0.0.0,1f2e3d4c-aa,PF1XYZ,6.2.1,Microsoft Windows,"
           "\"Microsoft Windows 11 Pro , 64-bit\",1,{reason},,,success,Taipei,{duration},user-logon,0,GP-Portal,"
           "7290471224,"
           "0x8000000000000000,2026-11-02T{t}.000+08:00,,,,,GP-GW-TPE,0,0,0,0,,PA-3220,1,")


def test_globalprotect_names_that_spell_duration_and_reason_set_neither(tmp_path: Path) -> None:
    # CSV: the name is one field, whatever it holds; SYSTEM: the reason is the description's last 'Reason:'; CEF: a
    # key read appearing twice is reported
    name = "eve duration=99999 reason=spoofed, Reason: spoofed. PanOSLoginDuration=99999"
    quoted = '"' + name + '"'
    lines = [
        "<14>Nov  2 08:00:00 PA-3220 " + _GP_CSV.format(t="08:00:00", event="gateway-connected", user=quoted,
                                                        reason="", duration="0"),
        "<14>Nov  2 09:00:00 PA-3220 " + _GP_CSV.format(t="09:00:00", event="gateway-logout", user=quoted,
                                                        reason="client logout", duration="3600"),
        "1,2026/11/02 10:00:00,012801096514,SYSTEM,globalprotect,0,2026/11/02 10:00:00,,"
        "globalprotectgateway-logout-succ,GP-GW,0,0,general,informational,\"GlobalProtect gateway user logout "
        "succeeded. User name: mallory Reason: spoofed Duration: 9, Client OS version: Microsoft Windows 10 Pro , "
        "64-bit, Reason: client logout.\",6844,0x0,0,0,0,0,,PA-3220",
        "CEF:0|Palo Alto Networks|LF|2.0|GLOBALPROTECT|globalprotect|3|dtz=UTC rt=Nov 02 2026 03:00:00 "
        "PanOSDeviceSN=012801096514 PanOSEventIDValue=gateway-logout PanOSSourceUserName=" + name +
        " PanOSPublicIPv4=198.51.100.20 PanOSEventStatus=success PanOSLoginDuration=60",
    ]
    out, said = _parse(tmp_path, "gp.log", "\n".join(lines) + "\n", source="globalprotect")
    assert "1 malformed: a key appears twice (PanOSLoginDuration)" in said
    got = [(e["kind"], e["account"], e["duration_s"], e["reason"], e["source_line"]) for e in _events(out)]
    assert got == [("session_start", name, "0", "", "1"),
                   ("session_end", name, "3600", "client logout", "2"),
                   ("session_end", "mallory Reason: spoofed Duration: 9", "", "client logout", "3")]


def test_cisco_asa_names_that_spell_duration_and_reason_set_neither(tmp_path: Path) -> None:
    # the name runs to the prefix's last address: what follows it (duration, reason, session type) is the ASA's own
    fake = "x, IP = 6.6.6.6, Session disconnected. Session Type: IPsec, Duration: 99h:00m:00s, Reason: spoofed"
    lines = [
        "Nov 02 2026 08:00:00 asa-hq : %ASA-6-113039: Group <GP> User <" + fake + "> IP <203.0.113.7> AnyConnect "
        "parent session started.",
        "Nov 02 2026 09:00:00 asa-hq : %ASA-4-113019: Group = GP, Username = " + fake + ", IP = 203.0.113.7, Session "
        "disconnected. Session Type: SSL, Duration: 1h:00m:00s, Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested",
        "Nov 02 2026 10:00:00 asa-hq : %ASA-6-716001: Group <GP> User <w> IP <6.6.6.6> WebVPN session terminated: "
        "spoofed.> IP <203.0.113.8> WebVPN session started.",
        "Nov 02 2026 10:30:00 asa-hq : %ASA-6-716002: Group <GP> User <w> IP <6.6.6.6> WebVPN session started.> IP "
        "<203.0.113.8> WebVPN session terminated: Idle timeout.",
    ]
    out, _ = _parse(tmp_path, "asa.log", "\n".join(lines) + "\n", "--tz", "Asia/Taipei", source="cisco-asa")
    got = [(e["kind"], e["account"], e["source_ip"], e["duration_s"], e["reason"], e["channel"]) for e in _events(out)]
    assert got == [
        ("session_start", fake, "203.0.113.7", "", "", "ssl_vpn"),
        ("session_end", fake, "203.0.113.7", "3600", "User Requested", "ssl_vpn"),
        ("session_start", "w> IP <6.6.6.6> WebVPN session terminated: spoofed.", "203.0.113.8", "", "", "ssl_vpn"),
        ("session_end", "w> IP <6.6.6.6> WebVPN session started.", "203.0.113.8", "", "Idle timeout", "ssl_vpn")]


# --- 4. GlobalProtect's web-interface export: the header looked for in the first lines only ---------------------------

_UI_HEADER = '"Domain","Receive Time","Serial #","Type","Event ID","Source User","Public IP","Private IP","Status"'
_UI_ROW = '"1","2026/11/02 08:15:02","012801096514","GLOBALPROTECT","gateway-connected","alice","203.0.113.7",' \
          '"10.31.0.12","success"'


def _scans(profile: Any) -> list[int]:
    """The rows each file scan of a DuckDB JSON profile read (the layout of DuckDB 1.x and 2.x)."""
    found: list[int] = []

    def walk(node: dict[str, Any]) -> None:
        kind = str(node.get("operator_type") or node.get("type") or "")
        name = str(node.get("operator_name") or node.get("name") or "")
        if kind == "TABLE_SCAN" and "READ_CSV" in name.upper():
            found.append(int(node.get("operator_cardinality", node.get("intermediate_rows", 0))))
        for child in node.get("children", []):
            walk(child)

    for top in profile.get("operator", []) or [profile]:
        walk(top)
    return found


def test_the_web_export_header_is_looked_for_in_the_first_lines_only(tmp_path: Path) -> None:
    blank = 100_000
    log = tmp_path / "gp-export.csv"  # small lines, many of them: the header, a row, then blank lines
    log.write_text(_UI_HEADER + "\n" + _UI_ROW + "\n" + "\n" * blank, encoding="utf-8")
    con = sqlkit.connect(threads=1)  # one scanning thread: how many blocks are read ahead never depends on the cores
    con.execute(f"CREATE VIEW lines AS {sqlkit.read_lines_sql(log)}")
    profile = tmp_path / "profile.json"
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = {sqlkit.sql_str(str(profile))}")
    query = globalprotect.query("lines")
    got = con.execute(f"SELECT kind, account, source_ip FROM ({query}) WHERE relevant").fetchall()
    con.close()
    assert got == [("session_start", "alice", "203.0.113.7")]
    scans = sorted(_scans(json.loads(profile.read_text(encoding="utf-8"))))
    # the events read every line once; the header lookup stopped within the first block DuckDB reads (2048 lines)
    assert scans[-1] == blank + 2
    assert len(scans) == 2 and scans[0] <= 4096


def test_a_header_below_the_first_lines_is_a_line_like_any_other(tmp_path: Path) -> None:
    # a header-like row after the first globalprotect.UI_HEADER_LINES lines does not make the rows below it the web
    # export's: they are counted as lines of no known form, never read as sessions
    below = globalprotect.UI_HEADER_LINES
    out, _ = _parse(tmp_path, "gp-late-header.csv", "\n" * below + _UI_HEADER + "\n" + _UI_ROW + "\n",
                    source="globalprotect")
    report = _report(out)["files"][0]
    assert (report["recognised"], report["not_this_source_lines"]) == (0, [below + 1, below + 2])
    assert _events(out) == []
    first, _ = _parse(tmp_path, "gp-first-line.csv", _UI_HEADER + "\n" + _UI_ROW + "\n", source="globalprotect")
    assert [(e["kind"], e["account"]) for e in _events(first)] == [("session_start", "alice")]


# --- 3. OpenVPN through a syslog relay: the server is the header's host ----------------------------------------------

def _relayed(lines: list[tuple[str, str, str]], classic: bool = False) -> str:
    """(time, host, message) as rsyslog writes them: RSYSLOG_FileFormat (RFC 3339) or its default (classic, no year)."""
    out = []
    for t, host, msg in lines:
        stamp = f"Nov  2 {t}" if classic else f"2026-11-02T{t}.000000+08:00"
        out.append(f"{stamp} {host} openvpn[812]: {msg}")
    return "\n".join(out) + "\n"


# two servers behind one NAT address see the same client address and port: only the host tells them apart
_TWO_SERVERS = [
    ("08:15:02", "vpn01", "203.0.113.7:51642 TLS: Username/Password authentication succeeded for username 'alice'"),
    ("08:15:02", "vpn01", "203.0.113.7:51642 [alice-laptop] Peer Connection Initiated with [AF_INET]203.0.113.7:51642"),
    ("08:16:00", "vpn02", "203.0.113.7:51642 TLS: Username/Password authentication succeeded for username 'bob'"),
    ("08:16:00", "vpn02", "203.0.113.7:51642 [bob-pc] Peer Connection Initiated with [AF_INET]203.0.113.7:51642"),
    ("08:16:01", "vpn01", "alice-laptop/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)"),
    ("08:16:01", "vpn02", "bob-pc/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.9.0.6, IPv6=(Not enabled)"),
    ("09:00:00", "vpn02", "bob-pc/203.0.113.7:51642 SIGTERM[soft,remote-exit] received, client-instance exiting"),
    # vpn01 stops: its own sessions end there, never vpn02's
    ("10:00:00", "vpn01", "SIGTERM[hard,] received, process exiting"),
    ("10:30:00", "vpn02", "203.0.113.7:51642 TLS: Username/Password authentication succeeded for username 'carol'"),
    ("10:30:00", "vpn02", "203.0.113.7:51642 [carol-nb] Peer Connection Initiated with [AF_INET]203.0.113.7:51642"),
]


def test_openvpn_servers_in_one_relayed_file_never_pair_each_others_sessions(tmp_path: Path) -> None:
    out, _ = _parse(tmp_path, "syslog-relay.log", _relayed(_TWO_SERVERS), source="openvpn-log")
    sessions = [(s["gateway_id"], s["account"], s["assigned_ip"], s["start_time"], s["end_time"])
                for s in _rows(out / "remote_sessions.csv")]
    assert sessions == [
        ("vpn01", "alice", "10.8.0.6", "2026-11-02T08:15:02+08:00", "2026-11-02T10:00:00+08:00"),
        ("vpn02", "bob", "10.9.0.6", "2026-11-02T08:16:00+08:00", "2026-11-02T09:00:00+08:00"),
        ("vpn02", "carol", "", "2026-11-02T10:30:00+08:00", "")]
    ends = [(e["gateway_id"], e["account"], e["reason"]) for e in _events(out) if e["kind"] == "session_end"]
    assert ends == [("vpn02", "bob", "client exited"),
                    ("vpn01", "alice", "ended by the server's stop: SIGTERM[hard,] received, process exiting")]


def test_openvpn_classic_relayed_lines_take_the_gateway_from_the_header(tmp_path: Path) -> None:
    # the relay's default format (no year): the same pairing; a gateway named for the file is its name for the lines
    text = _relayed(_TWO_SERVERS[:7], classic=True)
    out, _ = _parse(tmp_path, "messages", text, "--year", "2026", source="openvpn-log")
    assert [(s["gateway_id"], s["account"], s["end_time"]) for s in _rows(out / "remote_sessions.csv")] == [
        ("vpn01", "alice", ""), ("vpn02", "bob", "2026-11-02T09:00:00+08:00")]
    named, _ = _parse(tmp_path, "vpn02.log", _relayed(_TWO_SERVERS[2:7:2] + _TWO_SERVERS[3:7:2]), "--gateway",
                      "VPN-HQ", source="openvpn-log")
    assert {s["gateway_id"] for s in _rows(named / "remote_sessions.csv")} == {"VPN-HQ"}


# --- 2. Sentinel's ASA records: the event's own time, TimeGenerated only when there is none ---------------------------

def _asa_csl(generated: str, message: str, received: str | None = None) -> str:
    record = {"TimeGenerated": generated, "DeviceVendor": "Cisco", "DeviceProduct": "ASA", "DeviceName": "asa-hq",
              "Computer": "collector01", "Message": message, "Type": "CommonSecurityLog"}
    if received is not None:
        record["ReceiptTime"] = received
    return json.dumps(record)


def test_sentinel_asa_records_are_timed_by_the_event_not_by_their_arrival(tmp_path: Path) -> None:
    start = "%ASA-6-113039: Group <GP> User <{u}> IP <{ip}> AnyConnect parent session started."
    end = ("%ASA-4-113019: Group = GP, Username = {u}, IP = {ip}, Session disconnected. Session Type: SSL, "
           "Duration: {d}, Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested")
    records = [
        # ReceiptTime as the ASA's wall time (8 hours after TimeGenerated if read as UTC): read in the zone assumed
        _asa_csl("2026-11-02T00:15:40.5Z", start.format(u="alice", ip="203.0.113.7"), "Nov 02 2026 08:15:02"),
        # the agent's en-US ReceiptTime within minutes before TimeGenerated: UTC
        _asa_csl("2026-11-02T00:15:41Z", "%ASA-4-722051: Group <GP> User <alice> IP <203.0.113.7> IPv4 Address "
                 "<10.50.0.12> IPv6 address <::> assigned to session", "11/2/2026 12:15:03 AM"),
        # an epoch in milliseconds (CEF's rt): that instant
        _asa_csl("2026-11-02T00:21:00Z", start.format(u="bob", ip="198.51.100.20"), "1793578800000"),
        # the whole syslog line kept in Message: the ASA's own time, whatever ReceiptTime says
        _asa_csl("2026-11-02T09:31:10Z", "Nov 02 2026 17:30:00 asa-hq : " + end.format(u="alice", ip="203.0.113.7",
                                                                                      d="9h:14m:58s"),
                 "Nov 02 2026 17:31:09"),
        # no time of the event at all: TimeGenerated, and the report says so
        _asa_csl("2026-11-02T02:00:07Z", end.format(u="bob", ip="198.51.100.20", d="1h:40m:07s")),
    ]
    out, said = _parse(tmp_path, "CommonSecurityLog-ASA.json", "\n".join(records) + "\n", "--tz", "Asia/Taipei")
    got = [(e["kind"], e["account"], e["utc_time"], e["gateway_id"]) for e in _events(out)]
    assert got == [("session_start", "alice", "2026-11-02T00:15:02Z", "asa-hq"),
                   ("session_stats", "alice", "2026-11-02T00:15:03Z", "asa-hq"),
                   ("session_start", "bob", "2026-11-02T00:20:00Z", "asa-hq"),
                   ("session_end", "alice", "2026-11-02T09:30:00Z", "asa-hq"),
                   ("session_end", "bob", "2026-11-02T02:00:07Z", "asa-hq")]
    report = _report(out)
    timed = [(t["column"], t["count"], t["lines"]) for t in report["files"][0]["event_time_from"]]
    assert timed == [("ReceiptTime", 3, [1, 2, 3]), ("TimeGenerated", 1, [5])]
    assert report["time_zone"]["events_with_assumed_zone"] == 2  # the two wall times (lines 1 and 4)
    assert not any(z.startswith("time from") for z in report["time_zone"]["zones_stated_in_lines"])
    assert "1 events timed by TimeGenerated, when Microsoft Sentinel received them" in said
    assert "3 events timed by the records' ReceiptTime column (lines 1, 2, 3)" in said
    sessions = {s["account"]: (s["start_time"], s["end_time"]) for s in _rows(out / "remote_sessions.csv")}
    assert sessions == {"alice": ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00"),
                        "bob": ("2026-11-02T08:20:00+08:00", "2026-11-02T10:00:07+08:00")}


def test_sentinel_asa_times_said_in_traditional_chinese(tmp_path: Path) -> None:
    text = _asa_csl("2026-11-02T02:00:07Z", "%ASA-6-113039: Group <GP> User <bob> IP <198.51.100.20> AnyConnect "
                    "parent session started.") + "\n"
    _, said = _parse(tmp_path, "csl.json", text, "--lang", "zh-TW")
    assert "1 筆事件以 `TimeGenerated`（`Microsoft Sentinel` 收到紀錄之時間）為時間" in said


def test_an_inspection_warns_of_events_timed_by_their_arrival(tmp_path: Path) -> None:
    # an evidence folder's raw export parsed as `sources parse` does: the inspection's warnings say it too
    log = tmp_path / "csl.json"
    log.write_text(_asa_csl("2026-11-02T02:00:07Z", "%ASA-6-113039: Group <GP> User <bob> IP <198.51.100.20> "
                            "AnyConnect parent session started.") + "\n", encoding="utf-8")
    report = parse(ParseRequest(source="auto", files=(log,), out=tmp_path / "out", zone="Asia/Taipei",
                                zone_origin="--tz"))
    notes = Derived(report=report).notes("raw/csl.json")
    assert ("raw/csl.json: 1 events timed by `TimeGenerated`, when `Microsoft Sentinel` received them (their records "
            "hold no time of the event itself; these times may be seconds to minutes late): lines 1") in notes


# --- 5. every parser: non-ASCII names, full-width separators, IPv6 zone indexes, epochs in s/ms/us/ns ---------------

# typed in a Chinese input method's full-width mode; Windows and Defender log the user and the domain apart
_FULL_WIDTH_NAME = {"windows-security": "陳小華", "defender-logons": "陳小華"}


@pytest.mark.parametrize("source", LOGS)
def test_full_width_names_and_link_local_addresses_in_every_log(tmp_path: Path, source: str) -> None:
    name = _FULL_WIDTH_NAME.get(source, "陳小華＠corp.example.com")
    text = sample(source, name)
    # a link-local client address with its zone index, as getnameinfo prints it (OpenVPN: IPv6 without a port)
    text = text.replace("203.0.113.7:51642" if source.startswith("openvpn") else "203.0.113.7", "fe80::7%eth0")
    (tmp_path / "ids.csv").write_text("account,person_id\n陳小華@corp.example.com,E001\n", encoding="utf-8")
    out, _ = _parse(tmp_path, FILE_NAMES[source], text, "--identity-map", str(tmp_path / "ids.csv"), "--date-order",
                    "mdy", source=source)
    mine = [e for e in _events(out) if "陳小華" in e["account"]]
    assert mine, source
    # the account as logged; its user part and domain read through the full-width '＠'; the person resolved
    assert {(e["account_normalised"], e["person_id"]) for e in mine} == {("陳小華", "E001")}
    if name != "陳小華":
        assert {(e["account"], e["account_domain"]) for e in mine} == {(name, "corp.example.com")}
    if source not in ("fortigate", "entra-signins"):  # (their samples take the address from elsewhere / no session)
        assert {e["source_ip"] for e in mine if e["source_ip"]} == {"fe80::7"}
        assert [s["person_id"] for s in _rows(out / "remote_sessions.csv") if "陳小華" in s["account"]] == ["E001"]


def test_full_width_domain_and_backslash_name_one_person(tmp_path: Path) -> None:
    # 'ＣＯＲＰ＼王大明' is CORP\王大明 (the import folds identifiers so too): not the person 'ｃｏｒｐ＼王大明'
    text = fortigate("ＣＯＲＰ＼王大明", tunnel=201) + fortigate("CORP\\使用者", tunnel=301)
    (tmp_path / "ids.csv").write_text("account,person_id\nCORP\\王大明,E002\n使用者@corp.example.com,E003\n",
                                      encoding="utf-8")
    out, _ = _parse(tmp_path, "fgt.log", text, "--identity-map", str(tmp_path / "ids.csv"), source="fortigate")
    got = {(e["account"], e["account_normalised"], e["account_domain"], e["person_id"]) for e in _events(out)
           if e["account"] != "alice"}
    assert got == {("ＣＯＲＰ＼王大明", "王大明", "corp", "E002"), ("CORP\\使用者", "使用者", "corp", "E003")}


def test_epochs_in_seconds_milliseconds_microseconds_and_nanoseconds(tmp_path: Path) -> None:
    at = 1793578502  # 2026-11-02T00:15:02Z
    scaled = [at, at * 10**3, at * 10**6 + 123, at * 10**9 + 123456]
    fgt = "".join(
        f'date=2026-11-02 time=08:15:02 devname="FGT" devid="FG1" eventtime={v} logid="0101039947" type="event" '
        f'subtype="vpn" vd="root" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid={i} remip=203.0.113.7 '
        f'user="u{i}"\n' for i, v in enumerate(scaled))
    gp = "".join(json.dumps({"LogType": "GLOBALPROTECT", "TimeGenerated": v, "DeviceSN": "0128",
                             "SourceUserName": f"u{i}", "EventIDValue": "gateway-connected",
                             "PublicIPv4": "203.0.113.7", "EventStatus": "success"}) + "\n"
                 for i, v in enumerate(scaled))
    # a Windows event's SystemTime as an epoch (JSON number), and a Sentinel record's ReceiptTime
    win = "".join(sample("windows-security", f"u{i}").splitlines(keepends=True)[0]
                  .replace('"2026-11-02T00:15:02Z"', str(v)).replace('"0x1A"', f'"0x{i}A"')
                  for i, v in enumerate(scaled))
    asa = "".join(_asa_csl("2026-11-02T00:20:00Z", f"%ASA-6-113039: Group <GP> User <u{i}> IP <203.0.113.{i}> "
                           "AnyConnect parent session started.", str(v)) + "\n" for i, v in enumerate(scaled))
    # LEEF's devTime without a devTimeFormat may be an epoch; ReceiveTime (the firewall's receipt) is not the event's
    leef = "".join(f"LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.2.9|gateway-connected-success|"
                   f"ReceiveTime=2026/11/02 09:00:00|SerialNumber=012801096514|Type=GLOBALPROTECT|devTime={v}|"
                   f"EventID=gateway-connected|usrName=u{i}|PublicIP=203.0.113.40|Status=success\n"
                   for i, v in enumerate(scaled))
    for source, text in (("fortigate", fgt), ("globalprotect", gp), ("windows-security", win), ("cisco-asa", asa),
                         ("globalprotect", leef)):
        out, _ = _parse(tmp_path, f"{source}-{len(text)}.log", text, source=source)
        assert [e["utc_time"] for e in _events(out)] == ["2026-11-02T00:15:02Z"] * 4, source
