"""`ccaudit sources parse` on the forms of GlobalProtect, Cisco ASA / FTD and OpenVPN logs found in vendors' published
samples and other projects' test logs (PAN-OS web UI export, Strata's syslog CSV with ISO times, the 1970 High Res
Timestamp of PAN-OS 9.1-10.0, ASA IKEv2 and IKEv1 address messages, OpenVPN server stops), each fixture written
from the form's facts; and that text a user controls (names typed at a login, client host and OS strings, quoted
CSV values with commas) cannot set another field."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

FIXTURES = Path(__file__).parent / "fixtures" / "netsources"
ROTATION = Path(__file__).parent / "fixtures" / "openvpn-rotation"  # server.log.1, then server.log; other.log


def _parse(tmp_path: Path, path: Path, source: str = "auto", *args: str) -> tuple[
        list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", source, path, "--out", out, *args)
    assert result.code == 0, result.text
    rows = []
    for name in ("remote_access_events.csv", "remote_sessions.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            rows.append(list(csv.DictReader(fh)))
    return rows[0], rows[1], json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def _counts(report: dict[str, Any]) -> tuple[int, int, int, int, int]:
    f = report["files"][0]
    return f["lines_read"], f["recognised"], f["not_relevant"], f["malformed"], f["not_this_source"]


def _by_account(sessions: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {s["account"]: s for s in sessions}


# --- Palo Alto GlobalProtect -------------------------------------------------------------------------------------

def test_globalprotect_web_ui_export_is_detected_and_read_by_column_names(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FIXTURES / "globalprotect-webui-export.csv")
    assert report["sources"] == ["globalprotect"]
    assert _counts(report) == (7, 5, 2, 0, 0)  # the header row and a portal prelogin are not events
    by = _by_account(sessions)
    alice = by["corp\\alice"]
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T08:10:05+08:00", "2026-11-02T17:30:00+08:00")
    assert (alice["gateway_id"], alice["source_ip"], alice["assigned_ip"]) == ("PA-5220-TPE", "203.0.113.21",
                                                                               "10.32.0.5")
    wang = by["王小明@corp.example.com"]  # IPv6 public address, IPSec, the UI's time in the zone assumed
    assert (wang["source_ip"], wang["channel"], wang["end_time"]) == ("2001:db8:9::7", "ipsec_vpn",
                                                                      "2026-11-02T18:00:00+08:00")
    zones = {e["source_line"]: e["time_zone"] for e in events}
    assert (zones["3"], zones["5"]) == ("stated", "assumed")  # High Res Timestamp, else Generate Time


def test_globalprotect_values_a_user_controls_set_no_other_field(tmp_path: Path) -> None:
    events, sessions, _ = _parse(tmp_path, FIXTURES / "globalprotect-webui-export.csv")
    # the name typed at a failed login imitates a whole connected record: it stays one account of one failure
    (failed,) = [e for e in events if e["kind"] == "login_failed"]
    assert failed["account"].startswith("mallory,2026/11/02 08:20:00,013201005678,GLOBALPROTECT,")
    assert (failed["source_ip"], failed["source_line"]) == ("198.51.100.66", "4")
    assert [s["account"] for s in sessions] == ["corp\\alice", "王小明@corp.example.com"]
    assert not any("192.0.2.250" in (e["source_ip"], e["assigned_ip"]) for e in events)
    # a machine name and an OS string with quotes and commas: the addresses and gateway are the record's own
    wang = next(e for e in events if e["kind"] == "session_start" and e["source_line"] == "5")
    assert (wang["source_ip"], wang["assigned_ip"], wang["gateway_id"]) == ("2001:db8:9::7", "10.32.0.6",
                                                                            "PA-5220-TPE")


def test_globalprotect_strata_syslog_csv_and_the_1970_high_res_timestamp(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FIXTURES / "globalprotect-strata-syslog-csv.log")
    assert _counts(report) == (5, 4, 1, 0, 0)  # the tunnel-latency line is a step
    by = _by_account(sessions)
    carol = by["corp\\carol"]  # Strata forwards ISO times in UTC ('...Z'), serial 'no-serial', one backslash
    assert (carol["start_time"], carol["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T12:15:02+08:00")
    assert (carol["channel"], carol["assigned_ip"]) == ("ipsec_vpn", "10.33.0.8")
    # PAN-OS 10.0 writes High Res Timestamp 1970-01-01T01:00:00+01:00 when it has none: Generate Time is used
    dave = by["dave"]
    assert (dave["start_time"], dave["end_time"]) == ("2026-11-02T09:55:39+08:00", "2026-11-02T11:55:40+08:00")
    assert {e["time_zone"] for e in events if e["account"] == "dave"} == {"assumed"}


def test_globalprotect_syslog_cef_and_system_text_a_user_controls(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FIXTURES / "globalprotect-typed-values.log")
    assert _counts(report) == (7, 5, 1, 1, 0)  # the THREAT line quoting a GLOBALPROTECT record is none of its events
    # LEEF does not escape its delimiter: a line with a key twice (a name holding '|PublicIP=...|Status=...') is
    # reported, not read
    (dup,) = report["files"][0]["malformed_lines"]
    assert (dup["lines"], dup["problem"].startswith("a key appears twice")) == ([7], True)
    line = {e["source_line"]: e for e in events}
    # SYSTEM: the name typed holds ', Login from: ..., Reason: ...': kept whole; the address and reason are the
    # description's own
    assert (line["1"]["account"], line["1"]["source_ip"], line["1"]["reason"]) == (
        "alice, Login from: 192.0.2.250, Reason: hacked", "198.51.100.66",
        "Authentication failed: Invalid username or password")
    # the client's OS string holds ', Reason: ...' and ', Login from: ...': the logout's reason is the last one
    assert (line["2"]["source_ip"], line["2"]["reason"], line["3"]["reason"]) == ("203.0.113.7", "", "client logout")
    # CEF: '\\=' inside a value is no key: neither the address nor the status is the name's
    assert (line["4"]["kind"], line["4"]["source_ip"]) == ("login_failed", "198.51.100.20")
    assert line["4"]["account"] == "eve PanOSPublicIPv4=192.0.2.250 PanOSEventStatus=success"
    # CSV: a quoted name imitating a connected record, a machine name and OS string with quotes and commas
    assert (line["5"]["kind"], line["5"]["source_ip"]) == ("login_failed", "198.51.100.67")
    assert line["5"]["account"].startswith("frank,2026/11/02 13:00:00,")
    assert [s["account"] for s in sessions] == ["corp\\bob"]
    assert all("192.0.2.250" not in (e["source_ip"], e["assigned_ip"]) for e in events)


# --- Cisco ASA / FTD ----------------------------------------------------------------------------------------------

def test_cisco_asa_ikev2_ikev1_and_other_published_forms(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FIXTURES / "cisco-asa-published-forms.log")
    assert _counts(report) == (16, 14, 1, 1, 0)  # 751026 (client type) is not an event
    assert report["files"][0]["malformed_lines"] == [{"problem": "no IP", "count": 1, "lines": [16],
                                                      "code": "problem_no_ip", "params": {}}]
    by = _by_account(sessions)
    grace = by["grace"]  # a relay's 'host CiscoASA[999]:' tag, Group/User/IP without angle brackets
    assert (grace["gateway_id"], grace["source_ip"], grace["assigned_ip"]) == ("relay01", "203.0.113.60", "10.60.0.5")
    heidi = by["heidi@corp.example.com"]  # IKEv2 (751025 gives the address), 'Group=g, Username=u' without spaces
    assert (heidi["start_time"], heidi["end_time"], heidi["assigned_ip"]) == (
        "2026-11-02T08:10:00+08:00", "2026-11-02T15:00:00+08:00", "172.16.58.30")
    # 113039 says 'AnyConnect parent session', but its tunnel is IKEv2 (751025): an IPsec session, on every line
    assert heidi["channel"] == "ipsec_vpn"
    assert {e["channel"] for e in events if e["account"] == "heidi@corp.example.com"} == {"ipsec_vpn"}
    assert by["grace"]["channel"] == "ssl_vpn"  # an AnyConnect session with no IKEv2 line stays SSL
    kinds = {e["source_line"]: e["kind"] for e in events}
    assert [kinds[n] for n in ("6", "7", "8")] == ["session_stats"] * 3  # lost, resumed, replaced: not ends
    ivan = by["ivan"]  # IKEv1: 713228's assigned address, the start from 113019's duration
    assert (ivan["start_time"], ivan["channel"], ivan["assigned_ip"]) == ("2026-11-02T10:00:00+08:00", "ipsec_vpn",
                                                                          "172.30.223.157")
    judy = [e for e in events if e["account"] == "judy"]  # authorization rejected; 'user IP = None'; no user IP
    assert [(e["kind"], e["source_ip"], e["reason"]) for e in judy] == [("login_failed", "", "Unspecified"),
                                                                          ("login_failed", "", "AAA failure")]


def test_cisco_asa_malformed_lines_and_their_problem_in_zh_tw(tmp_path: Path) -> None:
    # the problem's note says itself in the reader's language; the report keeps the English for machines
    result = ccaudit("sources", "parse", "cisco-asa", FIXTURES / "cisco-asa-published-forms.log",
                     "--out", tmp_path / "out", "--lang", "zh-TW")
    assert result.code == 0, result.text
    assert "1 行格式不符：無 IP 位址（第 16 行）" in result.text
    assert "no IP" not in result.text
    english = ccaudit("sources", "parse", "cisco-asa", FIXTURES / "cisco-asa-published-forms.log",
                      "--out", tmp_path / "en", "--lang", "en")
    assert "1 malformed: no IP (lines 16)" in english.text


def test_cisco_asa_a_name_typed_at_a_failed_login_sets_no_address(tmp_path: Path) -> None:
    events, _, _ = _parse(tmp_path, FIXTURES / "cisco-asa-published-forms.log", "cisco-asa")
    failed = {e["source_line"]: e for e in events if e["kind"] == "login_failed"}
    # 113005: the name holds ' : user IP = 192.0.2.250'; the ASA's own user IP is the last one on the line
    assert (failed["13"]["account"], failed["13"]["source_ip"]) == ("x : user IP = 192.0.2.250", "198.51.100.77")
    # 716039 (WebVPN): the name holds '> IP <192.0.2.250> ...'; the address is the last '> IP <...>'
    assert failed["14"]["account"].startswith("mallory> IP <192.0.2.250>")
    assert (failed["14"]["source_ip"], failed["14"]["reason"]) == ("198.51.100.78",
                                                                   "Authentication: rejected, Session Type: WebVPN")
    assert all("192.0.2.250" not in (e["source_ip"], e["assigned_ip"]) for e in events)


# --- OpenVPN -----------------------------------------------------------------------------------------------------

def test_openvpn_server_stop_restart_and_crash_end_the_open_sessions(tmp_path: Path) -> None:
    events, sessions, report = _parse(tmp_path, FIXTURES / "openvpn-2.6-server-stop.log", "auto",
                                      "--gateway", "VPN-01")
    assert report["sessions"]["without_end"] == 0  # nothing left open forever
    assert report["sessions"]["ended_by_server_stop"] == 4
    notes = [s["note"] for s in sessions]
    assert notes[0] == "ended by the server's stop: SIGTERM[hard,] received, process exiting" and notes[1] == ""
    assert notes[4].startswith("server started again without a logged stop")
    spans = [(s["account"], s["start_time"], s["end_time"]) for s in sessions]
    assert spans == [
        ("alice", "2026-11-02T08:15:02+08:00", "2026-11-02T12:00:00+08:00"),   # SIGTERM[hard,] ... process exiting
        ("bob-pc", "2026-11-02T08:20:00+08:00", "2026-11-02T09:00:00+08:00"),  # its own end, before the stop
        ("eve' for username 'alice", "2026-11-02T09:10:00+08:00", "2026-11-02T12:00:00+08:00"),
        ("alice", "2026-11-02T12:06:00+08:00", "2026-11-02T14:00:00+08:00"),   # SIGHUP[hard,] ... restarting
        ("bob-pc", "2026-11-02T14:10:00+08:00", "2026-11-02T16:00:00+08:00"),  # start-up banner, no stop logged
    ]
    ends = {(e["account"], e["source_line"]): e["reason"] for e in events if e["kind"] == "session_end"}
    assert ends[("alice", "16")] == "ended by the server's stop: SIGTERM[hard,] received, process exiting"
    assert ends[("eve' for username 'alice", "16")].startswith("ended by the server's stop")
    assert ends[("bob-pc", "9")] == "client exited"
    assert "server started again without a logged stop" in ends[("bob-pc", "24")]


def test_openvpn_text_a_client_sends_makes_no_event(tmp_path: Path) -> None:
    events, sessions, _ = _parse(tmp_path, FIXTURES / "openvpn-2.6-server-stop.log", "openvpn-log")
    # 'peer info:' values a client chooses, holding an exit and a connection line: neither is an event
    assert not {"6", "8"} & {e["source_line"] for e in events}
    assert "mallory-pc" not in {s["account"] for s in sessions}
    assert all(e["source_ip"] != "192.0.2.99" for e in events)
    # a user name with quotes in it is kept whole, not cut at its first quote into another user's name
    eve = next(s for s in sessions if s["source_ip"] == "192.0.2.30")
    assert (eve["account"], eve["person_id"], eve["assigned_ip"]) == ("eve' for username 'alice",
                                                                     "eve' for username 'alice", "10.8.0.9")


def test_openvpn_status_a_user_name_holding_the_separator_is_read_whole(tmp_path: Path) -> None:
    # OpenVPN 2.5+ keeps a typed user name's commas and writes the status file unquoted: the row has more fields
    # than its header, and the extra ones are the name's, not another user's name followed by other columns
    _, sessions, report = _parse(tmp_path, FIXTURES / "openvpn-status-v2-typed-username.log")
    assert report["files"][0]["malformed"] == 0
    by = {s["source_ip"]: s for s in sessions}
    kiosk = by["198.51.100.9"]
    assert (kiosk["account"], kiosk["person_id"], kiosk["assigned_ip"]) == ("alice,192.0.2.250", "alice,192.0.2.250",
                                                                            "10.8.0.9")
    assert kiosk["start_time"] == "2026-11-02T08:30:00+08:00"
    assert by["203.0.113.7"]["account"] == "alice"


def test_openvpn_a_stop_in_the_next_rotated_file_ends_the_session_the_rotation_cut(tmp_path: Path) -> None:
    # server.log.1 ends with alice (and carol) connected; server.log, the next rotation, holds carol's own end and then
    # the server's stop: alice ended at that stop, not "still connected". other.log is another server's log (another
    # name): its earlier stop ends nobody's session here.
    rot = ROTATION
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "openvpn-log", rot / "server.log.1", rot / "server.log", rot / "other.log",
                     "--out", out, "--lang", "zh-TW")
    assert result.code == 0, result.text
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = {s["account"]: s for s in csv.DictReader(fh)}
    alice = sessions["alice"]
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-03T06:00:00+08:00")
    assert alice["note"] == (f"ended by the server's stop in {rot / 'server.log'} line 3: "
                             "SIGTERM[hard,] received, process exiting")
    assert sessions["carol-pc"]["end_time"] == "2026-11-03T00:00:05+08:00"  # its own end, across the rotation
    assert sessions["dave-pc"]["end_time"] == ""  # still connected when the log ends
    report = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))
    assert (report["sessions"]["ended_by_server_stop"], report["sessions"]["without_end"]) == (1, 1)
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        ends = [(e["account"], e["source_file"], e["source_line"]) for e in csv.DictReader(fh)
                if e["kind"] == "session_end"]
    assert ("alice", str(rot / "server.log"), "3") in ends  # the end on the stop line, as in its own file
    assert "1 筆連線因伺服器本身停止或重新啟動而結束" in result.text


def test_openvpn_a_restart_without_a_logged_stop_ends_the_cut_session_whatever_the_files_order(tmp_path: Path) -> None:
    # a crash: the next file starts with the start-up banner; the files handed in newest first
    (tmp_path / "vpn.log.1").write_text(
        (ROTATION / "server.log.1").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "vpn.log").write_text(
        "2026-11-03 06:05:00 OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [DCO]\n"
        "2026-11-03 06:05:01 Initialization Sequence Completed\n", encoding="utf-8")
    _, sessions, report = _parse(tmp_path, tmp_path / "vpn.log", "openvpn-log", tmp_path / "vpn.log.1")
    by = _by_account(sessions)
    assert by["alice"]["end_time"] == by["carol-pc"]["end_time"] == "2026-11-03T06:05:00+08:00"
    assert by["alice"]["note"].startswith(f"server started again without a logged stop in {tmp_path / 'vpn.log'} "
                                          "line 1")
    assert report["sessions"]["without_end"] == 0


def test_openvpn_rotations_in_an_evidence_folder_end_the_cut_session_at_the_next_files_stop(tmp_path: Path) -> None:
    # each raw export of a folder is parsed alone: the rotation's stop still ends the session server.log.1 left open
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("server.log.1", "server.log"):
        (evidence / name).write_text((ROTATION / name).read_text(encoding="utf-8"), encoding="utf-8")
    with (evidence / "server.log").open("a", encoding="utf-8") as fh:  # a start naming no client: malformed
        fh.write("2026-11-03 08:00:00 203.0.113.50:1000 Peer Connection Initiated with [AF_INET]203.0.113.50:1000\n")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results, "--lang", "zh-TW")
    assert result.code == 0, result.text
    import duckdb

    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    rows = dict(con.execute("SELECT person_id, CAST(end_time AS VARCHAR) FROM remote_sessions").fetchall())
    con.close()
    assert rows["alice"] is not None and rows["alice"].startswith("2026-11-03 06:00:00")  # the stop
    assert rows["carol-pc"] is not None and rows["carol-pc"].startswith("2026-11-03 00:00:05")  # her own end
    assert rows["dave-pc"] is None
    assert "server.log.1：2 筆因紀錄輪替而截斷之連線，其結束見於 server.log" in result.text
    assert "server.log.1：1 筆連線因伺服器本身停止或重新啟動而結束" in result.text
    assert "server.log：1 行無用戶端名稱（第 7 行）" in result.text  # the problem in the reader's language
    assert "閘道 （未指定）" in result.text and "none named" not in result.text
