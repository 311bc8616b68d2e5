"""Zone abbreviations after a log's times: one that names a single offset (JST) is read as it and the report says so;
one that names several (CST: China, US Central or Cuba; a Cisco `MSK/MSD` pair) or none known (an administrator's
`TPE`) is never guessed: the file is refused unless the firm states the zone (--tz, tz: in evidence.yaml, the
gateway's zone), and then read in it, saying so, in English and Traditional Chinese."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _asa(zone: str) -> str:
    """Cisco ASA EMBLEM lines whose legacy time carries the zone `clock timezone` names."""
    return "\n".join([
        f"<166>41: asa-hq: Nov 02 2026 08:15:02 {zone}: %ASA-session-6-113039: Group <GP-Staff> User <alice> "
        "IP <203.0.113.7> AnyConnect parent session started.",
        f"<166>42: asa-hq: Nov 02 2026 17:30:00 {zone}: %ASA-session-4-113019: Group = GP-Staff, Username = alice, "
        "IP = 203.0.113.7, Session disconnected. Session Type: SSL, Duration: 9h:14m:58s, Bytes xmt: 1, Bytes rcv: 2, "
        "Reason: User Requested",
    ]) + "\n"


# journalctl -o short-full on a server whose zone is Asia/Taipei: systemd writes its abbreviation, CST
JOURNAL = "\n".join([
    "Mon 2026-11-02 08:15:02 CST vpn01 openvpn-server@server[812]: 203.0.113.7:51642 TLS: Username/Password "
    "authentication succeeded for username 'hank'",
    "Mon 2026-11-02 08:15:02 CST vpn01 openvpn-server@server[812]: 203.0.113.7:51642 [hank-nb] Peer Connection "
    "Initiated with [AF_INET]203.0.113.7:51642",
    "Mon 2026-11-02 09:30:00 CST vpn01 openvpn-server@server[812]: hank-nb/203.0.113.7:51642 "
    "SIGTERM[soft,remote-exit] received, client-instance exiting",
]) + "\n"


def _parse(tmp_path: Path, name: str, text: str, *args: str) -> tuple[int, str, list[dict[str, str]], dict[str, Any]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    if result.code:
        return result.code, result.err, [], {}
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = list(csv.DictReader(fh))
    return 0, result.out, sessions, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def test_an_abbreviation_naming_one_zone_is_read_as_its_offset(tmp_path: Path) -> None:
    code, out, sessions, report = _parse(tmp_path, "asa.log", _asa("JST"))
    assert code == 0, out
    (alice,) = sessions
    assert (alice["start_time"], alice["end_time"]) == ("2026-11-02T07:15:02+08:00", "2026-11-02T16:30:00+08:00")
    (entry,) = report["time_zone"]["abbreviations"]
    assert (entry["text"], entry["read_as"], entry["meaning"], entry["events"]) == (
        "JST", "+09:00", "Japan Standard Time", 2)
    assert report["time_zone"]["events_with_assumed_zone"] == 0  # stated by the line, not assumed
    assert "2 times stated JST (from line 1): read as +09:00, Japan Standard Time" in out
    _, zh, _, _ = _parse(tmp_path / "zh", "asa.log", _asa("JST"), "--lang", "zh-TW")
    assert "2 筆時間標示為 JST（自第 1 行起）：以 +09:00（日本標準時間）解讀" in zh


def test_cst_is_never_guessed_without_a_zone_stated(tmp_path: Path) -> None:
    code, err, _, _ = _parse(tmp_path, "server.log", JOURNAL)
    assert code == 2
    assert "server.log: its times are stated in CST (line 2), which may be China Standard Time +08:00" in err
    assert "US Central Standard Time -06:00 or Cuba Standard Time -05:00; ccaudit never guesses which" in err
    assert "--tz" in err and not (tmp_path / "out" / "remote_sessions.csv").exists()
    code, zh, _, _ = _parse(tmp_path / "zh", "server.log", JOURNAL, "--lang", "zh-TW")
    assert code == 2
    assert "其時間標示為 CST（第 2 行），可能為中國標準時間 +08:00" in zh and "ccaudit 不會猜測為何者" in zh


def test_cst_is_read_in_the_zone_stated_and_the_report_says_it_was_not_guessed(tmp_path: Path) -> None:
    code, out, sessions, report = _parse(tmp_path, "server.log", JOURNAL, "--tz", "Asia/Taipei", "--gateway", "VPN1")
    assert code == 0, out
    (hank,) = sessions
    assert (hank["start_time"], hank["end_time"]) == ("2026-11-02T08:15:02+08:00", "2026-11-02T09:30:00+08:00")
    (entry,) = report["time_zone"]["abbreviations"]
    assert (entry["text"], entry["read_as"], entry["read_in"], entry["zone_from"]) == ("CST", None, "Asia/Taipei",
                                                                                      "--tz")
    assert "times stated CST (from line 2), which may be China Standard Time +08:00" in out
    assert "never guessed, read in Asia/Taipei (--tz)" in out
    # the same log from a server in Chicago
    code, _, chicago, _ = _parse(tmp_path / "us", "server.log", JOURNAL, "--tz", "America/Chicago")
    assert chicago[0]["start_time"] == "2026-11-02T22:15:02+08:00"


def test_a_standard_and_summer_pair_or_an_unknown_name_is_never_guessed(tmp_path: Path) -> None:
    code, err, _, _ = _parse(tmp_path / "pair", "asa.log", _asa("MSK/MSD"))
    assert code == 2 and "stated in MSK/MSD (line 1), which may be either of the two zones named" in err
    code, err, _, _ = _parse(tmp_path / "tpe", "asa.log", _asa("TPE"))  # `clock timezone TPE 8`
    assert code == 2 and "stated in TPE (line 1), which may be any zone (it is no abbreviation ccaudit knows" in err
    code, _, sessions, _ = _parse(tmp_path / "tpe-tz", "asa.log", _asa("TPE"), "--tz", "Asia/Taipei")
    assert code == 0 and sessions[0]["start_time"] == "2026-11-02T08:15:02+08:00"


def test_inspect_refuses_cst_by_file_and_reads_it_in_the_zone_evidence_yaml_states(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "server.log").write_text(JOURNAL, encoding="utf-8")
    (evidence / "evidence.yaml").write_text("files:\n  server.log: {source: openvpn-log, gateway: VPN1}\n",
                                            encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r1")
    assert result.code == 2
    assert "server.log (raw export): server.log: its times are stated in CST" in result.err
    assert "tz: for the file in evidence.yaml" in result.err
    (evidence / "evidence.yaml").write_text("files:\n  server.log: {source: openvpn-log, gateway: VPN1}\n"
                                            "gateways:\n  VPN1: {tz: Asia/Taipei}\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r2")
    assert result.code == 0, result.text
    assert "server.log: 2 time(s) stated CST, which may be China Standard Time" in result.text
    assert "never guessed, read in Asia/Taipei" in result.text
