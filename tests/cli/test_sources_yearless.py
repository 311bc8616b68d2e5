"""Classic syslog times without a year (`Nov  2 08:15:02 host ...`: rsyslog's and syslog-ng's default file format,
pfSense and OPNsense for OpenVPN, a Cisco ASA without `logging timestamp` behind a relay): the year comes from
--year, the file's own dated lines, the date in its name or its modification time, and the report says which; a
Dec -> Jan change of year in the file is followed, a line late by seconds across the new year is not one."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit

ROLLOVER = [
    # a New Year's Eve session across midnight, a statistics line written late (the relay's queue), another user
    "<166>Dec 31 23:50:02 asa-tpe : %ASA-6-113039: Group <GP> User <alice> IP <203.0.113.7> AnyConnect parent "
    "session started.",
    "<166>Jan  1 00:00:01 asa-tpe : %ASA-6-113039: Group <GP> User <bob> IP <203.0.113.8> AnyConnect parent session "
    "started.",
    "<164>Dec 31 23:59:59 asa-tpe : %ASA-4-722051: Group <GP> User <alice> IP <203.0.113.7> IPv4 Address "
    "<10.50.0.5> IPv6 address <::> assigned to session",
    "<164>Jan  1 02:00:00 asa-tpe : %ASA-4-113019: Group = GP, Username = alice, IP = 203.0.113.7, Session "
    "disconnected. Session Type: SSL, Duration: 2h:09m:58s, Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested",
]

PFSENSE = [
    # pfSense / OPNsense: syslog's header time only, OpenVPN's own time suppressed
    "Nov  2 08:15:02 fw01 openvpn[76395]: 203.0.113.7:51642 TLS: Username/Password authentication succeeded for "
    "username 'alice'",
    "Nov  2 08:15:02 fw01 openvpn[76395]: 203.0.113.7:51642 [alice] Peer Connection Initiated with "
    "[AF_INET]203.0.113.7:51642",
    "Nov  2 08:15:03 fw01 openvpn[76395]: alice/203.0.113.7:51642 MULTI_sva: pool returned IPv4=10.8.0.6, "
    "IPv6=(Not enabled)",
    "Nov  2 17:30:00 fw01 openvpn[76395]: alice/203.0.113.7:51642 SIGTERM[soft,remote-exit] received, "
    "client-instance exiting",
]


def _parse(tmp_path: Path, name: str, lines: list[str], *args: str,
           modified: dt.datetime | None = None) -> tuple[list[dict[str, str]], list[dict[str, str]], dict[str, Any],
                                                         str]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if modified:
        os.utime(path, (modified.timestamp(), modified.timestamp()))
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    with (out / "remote_sessions.csv").open(encoding="utf-8", newline="") as fh:
        sessions = list(csv.DictReader(fh))
    return events, sessions, json.loads((out / "parse_report.json").read_text(encoding="utf-8")), result.text


def test_the_year_turns_at_new_year_and_a_late_line_keeps_the_old_one(tmp_path: Path) -> None:
    events, sessions, report, text = _parse(tmp_path, "asa-2026-01-01.log", ROLLOVER)
    assert [e["event_time"] for e in events] == ["2025-12-31T23:50:02+08:00", "2026-01-01T00:00:01+08:00",
                                                 "2025-12-31T23:59:59+08:00", "2026-01-01T02:00:00+08:00"]
    alice = next(s for s in sessions if s["account"] == "alice")
    assert (alice["start_time"], alice["end_time"], alice["assigned_ip"]) == (
        "2025-12-31T23:50:02+08:00", "2026-01-01T02:00:00+08:00", "10.50.0.5")
    year = report["files"][0]["year"]
    assert (year["read_as"], year["times"], year["rollovers"]) == ("2025-2026", 4, 1)
    assert year["from"] == "the date in the file's name (2026-01-01): its last time on or before it"
    assert "4 syslog times without a year read in 2025-2026, 1 year change(s)" in text


def test_the_year_given_is_the_first_lines(tmp_path: Path) -> None:
    events, _, report, _ = _parse(tmp_path, "asa.log", ROLLOVER, "--year", "114")  # ROC 114 = 2025
    assert events[0]["utc_time"] == "2025-12-31T15:50:02Z" and events[-1]["utc_time"] == "2025-12-31T18:00:00Z"
    assert report["files"][0]["year"]["from"] == "--year: 2025 for the file's first time"


def test_pfsense_openvpn_log_takes_the_year_of_its_modification_time(tmp_path: Path) -> None:
    # last written 30 November 2026: its last line, 2 November, is of 2026 (not 2025, not 2027)
    _, sessions, report, text = _parse(tmp_path, "openvpn.log", PFSENSE, "--gateway", "FW01",
                                       modified=dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    (alice,) = sessions
    assert (alice["start_time"], alice["end_time"], alice["assigned_ip"], alice["gateway_id"]) == (
        "2026-11-02T08:15:02+08:00", "2026-11-02T17:30:00+08:00", "10.8.0.6", "FW01")
    assert report["files"][0]["malformed"] == 0
    assert report["files"][0]["year"]["from"].startswith("the file's modification time (2026-11-30)")
    assert "give --year if the file was copied more than a year after it was written" in text


def test_a_log_modified_in_january_reads_its_november_lines_as_last_year(tmp_path: Path) -> None:
    _, sessions, _, _ = _parse(tmp_path, "openvpn.log", PFSENSE,
                               modified=dt.datetime(2027, 1, 15, tzinfo=dt.UTC))
    assert sessions[0]["start_time"] == "2026-11-02T08:15:02+08:00"


def test_29_february_of_a_common_year_is_no_time_and_said_in_zh_tw(tmp_path: Path) -> None:
    leap = [ROLLOVER[0].replace("Dec 31 23:50:02", "Feb 28 09:00:00"),
            ROLLOVER[1].replace("Jan  1 00:00:01", "Feb 29 09:00:00")]
    _, _, report, text = _parse(tmp_path, "asa.log", leap, "--year", "2026", "--lang", "zh-TW")
    f = report["files"][0]
    assert (f["recognised"], f["malformed"], f["malformed_lines"][0]["problem"]) == (1, 1, "no readable time")
    assert "未含年份之 syslog 時間以 2026 年解讀" in text and "檔案第一筆時間為 2026 年" in text


def test_a_year_that_is_no_year_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "asa.log"
    path.write_text(ROLLOVER[0] + "\n", encoding="utf-8")
    result = ccaudit("sources", "parse", "auto", path, "--out", tmp_path / "out", "--year", "26")
    assert result.code == 2 and "--year '26': expected a year between 1990 and 2100" in result.text
