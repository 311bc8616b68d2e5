"""`ccaudit sources parse` on the fixtures in tests/cli/fixtures/netsources: GlobalProtect, Cisco ASA / FTD and
OpenVPN files written from the vendors' documented formats (PAN-OS syslog field descriptions and Strata Logging
Service CEF/LEEF references, Cisco's Secure Firewall ASA syslog messages, OpenVPN 2.3-2.6 status files and server
messages), in every form a firm's export comes in. Each test asserts what an auditor reads: the sessions paired,
their users, UTC/Taipei times and addresses, and the report's counts with line numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import ccaudit

from ccaudit.rawsources.parse import detect
from ccaudit.rawsources.sqlkit import connect

FIXTURES = Path(__file__).parent / "fixtures" / "netsources"


def _parse(tmp_path: Path, name: str, source: str = "auto", *args: str) -> tuple[
        list[dict[str, str]], dict[str, dict[str, str]], dict[str, Any]]:
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, FIXTURES / name, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = {s["account"]: s for s in csv.DictReader(fh)}
    return events, sessions, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def _counts(report: dict[str, Any]) -> tuple[int, int, int, int, int]:
    f = report["files"][0]
    return f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]


def _span(session: dict[str, str]) -> tuple[str, str]:
    return session["start_time"], session["end_time"]


def _kinds(events: list[dict[str, str]]) -> dict[str, str]:
    return {e["source_line"]: e["kind"] for e in events}


# --- Palo Alto GlobalProtect ---------------------------------------------------------------------------------------

def test_globalprotect_panos10_csv_pairs_logout_and_config_release(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "globalprotect-panos10.csv.log")
    assert report["sources"] == ["globalprotect"]
    assert _counts(report) == (15, 9, 6, 0, 0)  # prelogin, auth, getconfig, hip-report, TRAFFIC, latency: skipped
    alice = sessions["corp\\alice"]
    assert _span(alice) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:32:00+08:00")
    assert (alice["assigned_ip"], alice["gateway_id"], alice["channel"]) == ("10.31.0.12", "PA-3220-TPE", "ssl_vpn")
    # the configuration released after alice's logout is no second end
    assert _kinds(events)["12"] == "session_stats" and report["sessions"]["with_several_ends"] == 0
    wang = sessions["王小明@corp.example.com"]  # IPsec tunnel, IPv6 public address, ended by the release
    assert _span(wang) == ("2026-11-02T09:00:00+08:00", "2026-11-02T18:10:00+08:00")
    assert (wang["person_id"], wang["source_ip"], wang["channel"]) == ("王小明", "2001:db8:5::7", "ipsec_vpn")
    bob = next(e for e in events if e["account"] == "bob")  # PAN-OS 9.1.0 form: no High Res Timestamp
    assert (bob["utc_time"], bob["time_zone"]) == ("2026-11-02T02:00:00Z", "assumed")
    carol = sessions["carol"]
    assert "log rotation" in carol["note"] and carol["start_time"] == "2026-11-02T11:00:00+08:00"
    failed = [(e["account"], e["source_line"]) for e in events if e["kind"] == "login_failed"]
    assert failed == [("mallory", "9"), ("mallory", "10")]


def test_globalprotect_legacy_system_log_pairs_logouts_without_an_address(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "globalprotect-system-legacy.log")
    assert _counts(report) == (12, 6, 6, 0, 0)
    alice = sessions["corp\\alice"]
    assert _span(alice) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:31:59+08:00")
    assert (alice["source_ip"], alice["assigned_ip"], alice["gateway_id"]) == ("203.0.113.7", "10.31.0.12",
                                                                               "PA-850-HQ")
    assert (alice["source_line"], alice["note"]) == ("4", "")
    end = next(e for e in events if e["kind"] == "session_end" and e["account"] == "corp\\alice")
    assert (end["source_line"], end["reason"]) == ("10", "client logout")
    assert _kinds(events)["11"] == "session_stats"  # client configuration released after the logout
    lin = sessions["林志明"]
    assert _span(lin) == ("2026-11-02T10:00:00+08:00", "2026-11-02T20:00:00+08:00")
    assert lin["source_ip"] == "2001:db8:77::5"
    (failed,) = [e for e in events if e["kind"] == "login_failed"]
    assert (failed["account"], failed["source_ip"], failed["source_line"]) == ("admin", "198.51.100.66", "8")
    assert failed["reason"] == "Authentication failed: Invalid username or password"


def test_globalprotect_cef_from_panos_and_strata(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "globalprotect-cef.log")
    assert _counts(report) == (6, 5, 1, 0, 0)
    bob = sessions["corp\\bob"]  # PAN-OS CEF profile: GP* keys, rt in GMT
    assert _span(bob) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:15:00+08:00")
    assert (bob["source_ip"], bob["assigned_ip"]) == ("198.51.100.20", "10.31.0.30")
    carol = sessions["corp\\carol"]  # Strata: PanOS* keys, the backslash escaped twice, UTC, IPsec
    assert _span(carol) == ("2026-11-02T09:00:02+08:00", "2026-11-02T13:00:02+08:00")
    assert carol["person_id"] == "carol"
    assert carol["channel"] == "ipsec_vpn"
    eve = next(e for e in events if e["kind"] == "login_failed")
    assert (eve["account"], eve["utc_time"], eve["time_zone"]) == ("eve", "2026-11-02T00:40:00Z", "stated")


def test_globalprotect_leef_from_panos_and_strata(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "globalprotect-leef.log")
    assert _counts(report) == (5, 5, 0, 0, 0)
    assert _span(sessions["corp\\dave"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T12:15:02+08:00")
    erin = sessions["erin@corp.example.com"]  # Strata LEEF 2.0, tab-delimited, UTC
    assert (erin["start_time"], erin["source_ip"], erin["assigned_ip"]) == ("2026-11-02T13:00:01+08:00",
                                                                            "203.0.113.50", "10.31.0.50")
    frank = sessions["corp\\frank"]  # LEEF 2.0 with a space as its delimiter: values with spaces still whole
    assert (frank["start_time"], frank["channel"], frank["assigned_ip"]) == ("2026-11-02T14:30:01+08:00",
                                                                             "ipsec_vpn", "10.31.0.51")
    root = next(e for e in events if e["kind"] == "login_failed")  # a SYSTEM description in LEEF
    assert (root["account"], root["source_ip"], root["utc_time"]) == ("root", "198.51.100.66", "2026-11-02T04:20:00Z")


def test_globalprotect_https_payload_json(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "globalprotect-https-payload.json")
    assert _counts(report) == (2, 2, 0, 0, 0)
    gina = sessions["corp\\gina"]  # PAN-OS HTTP server profile: $eventid, $srcuser, $public_ip, $time_generated
    assert _span(gina) == ("2026-11-02T08:15:02+08:00", "2026-11-02T09:15:02+08:00")
    assert [e["time_zone"] for e in events] == ["stated", "assumed"]  # high_res_timestamp, then time_generated


# --- Cisco ASA / FTD -----------------------------------------------------------------------------------------------

def test_cisco_asa_session_its_connections_and_failures(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "cisco-asa-legacy-timestamp.log")
    assert _counts(report) == (25, 19, 6, 0, 0)  # 113004, 734001, 722055, 302013, 611101, 611103 skipped
    kinds = _kinds(events)
    assert [kinds.get(str(n)) for n in (1, 2, 9, 10, 11)] == [None] * 5
    alice = sessions["CORP\\alice"]
    assert _span(alice) == ("2026-11-02T08:15:01+08:00", "2026-11-02T17:30:00+08:00")
    assert (alice["assigned_ip"], alice["gateway_id"], alice["channel"]) == ("10.40.0.21", "asa-tpe-01", "ssl_vpn")
    reasons = {e["source_line"]: e["reason"] for e in events}
    assert reasons["16"] == "UDP SVC connection terminated without compression" and kinds["16"] == "session_stats"
    assert reasons["15"] == "SVC closing connection: DPD failure"
    hidden, mallory = (e for e in events if e["kind"] == "login_failed")
    assert (hidden["account"], hidden["source_ip"]) == ("", "198.51.100.66")
    assert "hidden" in hidden["reason"] and mallory["account"] == "mallory"
    wang = sessions["王小明"]  # clientless: 716002 then 113019 end it once
    assert _span(wang) == ("2026-11-02T10:00:00+08:00", "2026-11-02T12:30:00+08:00")
    assert wang["note"] == "" and kinds["20"] == "session_stats"
    frank = sessions["frank"]  # roamed to another network: his session ends from its new address
    assert (_span(frank), frank["source_ip"], frank["note"]) == (
        ("2026-11-02T13:00:00+08:00", "2026-11-02T18:00:00+08:00"), "203.0.113.70", "")
    end = next(e for e in events if e["account"] == "frank" and e["kind"] == "session_end")
    assert (end["source_ip"], end["duration_s"]) == ("198.51.100.71", "18000")
    bob = sessions["bob@corp.example.com"]  # IKEv2, 1d 2h: start from the duration
    assert (bob["start_time"], bob["channel"]) == ("2026-11-02T07:00:00+08:00", "ipsec_vpn")


def test_cisco_ftd_rfc5424_and_relay_headers(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "cisco-ftd-rfc5424.log")
    assert _counts(report) == (6, 5, 0, 0, 1)
    assert report["files"][0]["not_this_source_lines"] == [6]
    dave = sessions["dave@corp.example.com"]  # '<166>1 ... ftd-tpe-02 - - - %FTD' and a relay's RFC 3339 header
    assert (dave["gateway_id"], dave["note"]) == ("ftd-tpe-02", "")
    assert _span(dave) == ("2026-11-02T08:20:00+08:00", "2026-11-02T09:40:00+08:00")
    carol = sessions["carol"]
    assert (carol["assigned_ip"], _span(carol)) == ("10.50.0.9", ("2026-11-02T08:15:01+08:00",
                                                                  "2026-11-02T12:15:01+08:00"))
    assert all(e["time_zone"] == "stated" for e in events)


def test_cisco_asa_without_logging_timestamp_takes_the_year_given(tmp_path: Path) -> None:
    # the relay's classic time alone ('Nov  2 08:15:01 10.1.0.1 %ASA-...'): the year stated with --year
    _, sessions, report = _parse(tmp_path, "cisco-asa-relay-no-year.log", "auto", "--year", "2026")
    assert _counts(report) == (2, 2, 0, 0, 0)
    assert _span(sessions["erin"]) == ("2026-11-02T08:15:01+08:00", "2026-11-02T17:15:01+08:00")
    assert sessions["erin"]["gateway_id"] == "10.1.0.1"
    year = report["files"][0]["year"]
    assert (year["read_as"], year["times"], year["from"]) == ("2026", 2, "--year: 2026 for the file's first time")


def test_cisco_asa_emblem_format_with_classes_sequence_numbers_and_zones(tmp_path: Path) -> None:
    # `logging emblem`: '<PRI>seq: device-id: time ZONE: %ASA-class-level-id:' (also with no device-id or no time),
    # a relay's header before the ASA's own time without a year, FTD-style fields without spaces after the commas
    # (its MSK/MSD names two zones: read in the zone stated, never guessed; test_sources_zone_abbreviations.py)
    events, sessions, report = _parse(tmp_path, "cisco-asa-emblem.log", "auto", "--tz", "Asia/Taipei")
    assert _counts(report) == (7, 5, 1, 1, 0)
    assert report["files"][0]["malformed_lines"][0]["lines"] == [6]  # no time at all: bob's start cannot be placed
    alice = sessions["CORP\\alice"]
    assert (_span(alice), alice["gateway_id"], alice["assigned_ip"]) == (
        ("2026-11-02T16:15:02+08:00", "2026-11-03T01:30:00+08:00"), "asa-tpe", "10.50.0.12")
    assert {e["source_line"]: e["time_zone"] for e in events if e["account"] == "CORP\\alice"} == {
        "1": "stated", "2": "stated", "5": "stated"}
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["utc_time"], failed["gateway_id"]) == ("mallory", "2026-11-02T09:00:00Z", "")
    # a zone abbreviation other than UTC/GMT is no device, and is listed as stated in the lines (time read as assumed)
    assert (sessions["carol"]["gateway_id"], sessions["carol"]["start_time"]) == ("asa-tpe",
                                                                                  "2026-11-02T18:00:00+08:00")
    assert "MSK/MSD" in report["time_zone"]["zones_stated_in_lines"]
    assert report["files"][0]["year"]["from"] == "the file's lines that state their year"


# --- OpenVPN -------------------------------------------------------------------------------------------------------

def test_openvpn_24_log_failures_scans_and_restarts(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "openvpn-2.4-server.log", "openvpn-log", "--gateway", "VPN-01")
    assert _counts(report) == (35, 6, 29, 0, 0)
    assert list(sessions) == ["alice"]  # mallory failed: her 'Peer Connection Initiated' is no session
    alice = sessions["alice"]
    assert _span(alice) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:00:00+08:00")
    assert (alice["assigned_ip"], alice["gateway_id"], alice["note"]) == ("10.8.0.6", "VPN-01", "")
    kinds = _kinds(events)
    assert (kinds["33"], kinds["34"]) == ("session_end", "session_stats")  # inactivity timeout, then its restart
    assert "18" not in kinds and "32" not in kinds  # instances that never connected (tls-error)
    failed = [(e["account"], e["source_ip"], e["source_line"]) for e in events if e["kind"] == "login_failed"]
    assert failed == [("mallory-pc", "198.51.100.9", "20"), ("old-laptop", "203.0.113.80", "27")]
    assert report["sessions"]["not_placed_lines"] == [f"{FIXTURES / 'openvpn-2.4-server.log'}:35"]


def test_openvpn_26_log_addresses_and_deferred_failures(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, "openvpn-2.6-server.log")
    assert _counts(report) == (19, 6, 13, 0, 0)
    alice = sessions["CORP\\alice"]  # 'udp4:203.0.113.7:51642'
    assert (alice["source_ip"], alice["assigned_ip"], _span(alice)) == (
        "203.0.113.7", "10.8.0.6", ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00"))
    chen = sessions["陳美玲"]  # IPv6 without a port
    assert (chen["source_ip"], chen["assigned_ip"], chen["end_time"]) == ("2001:db8::9", "10.8.0.10",
                                                                         "2026-11-02T18:00:00+08:00")
    assert "dave" not in sessions  # deferred authentication failed after the connection line
    (dave,) = [e for e in events if e["kind"] == "login_failed"]
    assert (dave["account"], dave["source_ip"], dave["source_line"]) == ("dave", "198.51.100.33", "15")


def test_openvpn_log_with_any_syslog_tag_and_facility(tmp_path: Path) -> None:
    # OpenWrt's logread / a relay with high-precision times: 'host facility.severity tag[pid]:  message', the tag
    # set by `--syslog NAME`, two spaces before the client; multihomed servers' '(via [AF_INET]a%if)' after the peer
    lines = [
        "2026-11-02T08:15:01.100000+08:00 gw-hq(fd6d::) daemon.notice vpn-server.hq[9142]:  203.0.113.7:51642 TLS: "
        "Username/Password authentication succeeded for username 'carol'",
        "2026-11-02T08:15:02.332974+08:00 gw-hq(fd6d::) daemon.notice vpn-server.hq[9142]:  203.0.113.7:51642 "
        "[carol-nb] Peer Connection Initiated with [AF_INET]203.0.113.7:51642 (via [AF_INET]10.0.0.1%eth1)",
        "2026-11-02T08:15:03+08:00 gw-hq(fd6d::) daemon.info dnsmasq[1234]: query[A] intranet.corp from 10.8.0.6",
        "2026-11-02T09:00:00.221335+08:00 gw-hq(fd6d::) daemon.notice vpn-server.hq[9142]:  198.51.100.66:8055 "
        "SENT CONTROL [linf]: 'AUTH_FAILED' (status=1)",
    ]
    path = tmp_path / "logread.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert ccaudit("sources", "parse", "auto", path, "--out", out, "--gateway", "GW-HQ").code == 0
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    assert [(e["kind"], e["account"], e["source_ip"], e["utc_time"]) for e in events] == [
        ("session_start", "carol", "203.0.113.7", "2026-11-02T00:15:02Z"),
        ("login_failed", "linf", "198.51.100.66", "2026-11-02T01:00:00Z")]
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert _counts(report) == (4, 2, 2, 0, 0)


def test_openvpn_access_server_log(tmp_path: Path) -> None:
    # openvpnas.log: the core's line quoted after the Access Server's own time with its offset (2.x+ and older forms),
    # the server's own lines (services, web server) of the source but about no session; an auto-login profile
    events, sessions, report = _parse(tmp_path, "openvpn-access-server.log", "auto", "--gateway", "AS01")
    assert _counts(report) == (11, 4, 7, 0, 0)
    alice = sessions["alice"]
    assert (_span(alice), alice["assigned_ip"], alice["gateway_id"]) == (
        ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00"), "172.27.232.2", "AS01")
    assert sessions["bob"]["start_time"] == "2026-11-02T08:20:01+08:00"  # certificate bob_AUTOLOGIN
    assert all(e["time_zone"] == "stated" for e in events)
    failed = next(e for e in events if e["kind"] == "login_failed")
    assert (failed["account"], failed["source_ip"], failed["source_line"]) == ("mallory", "198.51.100.66", "9")


def test_openvpn_log_through_syslog_and_the_journal(tmp_path: Path) -> None:
    # (its CST names several zones: read in the zone stated, never guessed; test_sources_zone_abbreviations.py)
    events, sessions, report = _parse(tmp_path, "openvpn-syslog-wrapped.log", "auto", "--tz", "Asia/Taipei")
    # another program's line in the same syslog file (systemd, line 4) is of the form and no OpenVPN message
    assert _counts(report) == (12, 6, 6, 0, 0)
    hank = sessions["hank"]  # journalctl -o short-full: 'CST' is reported and read in --tz, 'UTC' is an instant
    assert _span(hank) == ("2026-11-02T08:15:02+08:00", "2026-11-02T09:30:00+08:00")
    assert set(report["time_zone"]["zones_stated_in_lines"]) >= {"CST", "UTC"}
    assert _span(sessions["alice"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00")
    erin = sessions["erin"]
    assert (_span(erin), erin["assigned_ip"]) == (("2026-11-02T09:00:00+08:00", "2026-11-02T12:00:00+08:00"),
                                                  "10.9.0.6")
    zones = {e["account"]: e["time_zone"] for e in events if e["kind"] == "session_start"}
    assert zones == {"alice": "assumed", "erin": "stated", "hank": "assumed"}  # OpenVPN's time vs RFC 3339


@pytest.mark.parametrize(("name", "expected"), [
    ("openvpn-status-v1-2.6.log", {"alice-laptop": ("2026-11-02T08:15:02+08:00", "203.0.113.7", "10.8.0.6"),
                                   "chen-pc": ("2026-11-02T08:40:00+08:00", "2001:db8::9", "10.8.0.10")}),
    ("openvpn-status-v2-2.3.log", {"erin-nb": ("2026-11-02T07:05:00+08:00", "203.0.113.50", "10.8.0.12")}),
    ("openvpn-status-v2-2.5.log", {"alice": ("2026-11-02T08:15:02+08:00", "203.0.113.7", "10.8.0.6"),
                                   "bob": ("2026-11-02T08:30:00+08:00", "198.51.100.20", "10.8.0.7"),
                                   "gw-branch-01": ("2026-11-01T23:00:00+08:00", "192.0.2.50", "10.8.0.8")}),
    ("openvpn-status-v3-2.6.log", {"陳美玲": ("2026-11-02T08:40:00+08:00", "2001:db8::9", "10.8.0.10"),
                                   "CORP\\dave": ("2026-11-02T08:50:00+08:00", "198.51.100.33", "10.8.0.11")}),
])
def test_openvpn_status_versions(tmp_path: Path, name: str, expected: dict[str, tuple[str, str, str]]) -> None:
    _, sessions, report = _parse(tmp_path, name)
    assert report["sources"] == ["openvpn-status"] and report["files"][0]["malformed"] == 0
    assert {a: (s["start_time"], s["source_ip"], s["assigned_ip"]) for a, s in sessions.items()} == expected
    assert all(s["end_time"] == "" for s in sessions.values())  # a snapshot shows no end


# --- detection and refusal -----------------------------------------------------------------------------------------

OWN = {"globalprotect-panos10.csv.log": "globalprotect", "globalprotect-system-legacy.log": "globalprotect",
       "globalprotect-https-payload.json": "globalprotect",
       "globalprotect-cef.log": "globalprotect", "globalprotect-leef.log": "globalprotect",
       "globalprotect-webui-export.csv": "globalprotect", "globalprotect-strata-syslog-csv.log": "globalprotect",
       "globalprotect-typed-values.log": "globalprotect",
       "cisco-asa-legacy-timestamp.log": "cisco-asa", "cisco-ftd-rfc5424.log": "cisco-asa",
       "cisco-asa-published-forms.log": "cisco-asa", "cisco-asa-relay-no-year.log": "cisco-asa",
       "cisco-asa-emblem.log": "cisco-asa",
       "openvpn-2.4-server.log": "openvpn-log", "openvpn-2.6-server.log": "openvpn-log",
       "openvpn-syslog-wrapped.log": "openvpn-log", "openvpn-access-server.log": "openvpn-log",
       "openvpn-2.6-server-stop.log": "openvpn-log",
       "openvpn-status-v2-typed-username.log": "openvpn-status", "openvpn-status-v1-2.6.log": "openvpn-status",
       "openvpn-status-v2-2.3.log": "openvpn-status", "openvpn-status-v2-2.5.log": "openvpn-status",
       "openvpn-status-v3-2.6.log": "openvpn-status"}
OTHERS = ("globalprotect", "cisco-asa", "openvpn-log", "openvpn-status", "fortigate")


def test_every_fixture_is_detected_as_its_source() -> None:
    assert set(OWN) == {p.name for p in FIXTURES.iterdir()}
    con = connect()
    assert {name: detect(con, FIXTURES / name, "auto").id for name in OWN} == OWN


@pytest.mark.parametrize("name", sorted(OWN))
def test_a_fixture_named_as_another_source_is_refused(tmp_path: Path, name: str) -> None:
    wrong = OTHERS[(OTHERS.index(OWN[name]) + 1 + len(name) % 3) % len(OTHERS)]
    assert wrong != OWN[name]
    result = ccaudit("sources", "parse", wrong, FIXTURES / name, "--out", tmp_path / "out")
    assert result.code == 2 and f"does not look like a {wrong} export" in result.text
    assert f"it looks like {OWN[name]}" in result.text and not (tmp_path / "out").exists()
