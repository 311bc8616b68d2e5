"""Line numbers are those a user's editor shows: a line ends at a line feed (CRLF is one line end), and a carriage
return alone inside a line (a message field holding one, a name typed with one) is a character of that line, so it
shifts no later line. Checked where a user looks: `sources parse`'s events and report, and an inspection's offending
rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit
from tests.cli.test_sources_compressed import FGT_DOWN, FGT_OTHER, FGT_UP

# a FortiGate admin event whose message holds a CR (a field copied from a web form), then the VPN events
ADMIN = ('date=2026-11-02 time=08:00:00 devname="FGT-HQ-01" devid="FG100FTK20000001" eventtime=1793577600 '
         'logid="0100032001" type="event" subtype="system" level="information" vd="root" user="admin" '
         'action="login" msg="Administrator admin logged in\rfrom GUI"\n')


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _log(line_end: str) -> bytes:
    text = ADMIN + FGT_OTHER + FGT_UP + FGT_DOWN
    return text.replace("\n", line_end).encode("utf-8")


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_sources_parse_numbers_lines_after_a_lone_cr_as_an_editor_does(tmp_path: Path, line_end: str) -> None:
    log = tmp_path / "fgt.log"
    log.write_bytes(_log(line_end))
    result = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    events = _rows(tmp_path / "out" / "remote_access_events.csv")
    # bob's start is line 2, alice's start line 3 and her end line 4, as `grep -n` and an editor number them
    assert [(e["account"], e["kind"], e["source_line"]) for e in events] == [
        ("bob", "session_start", "2"), ("alice", "session_start", "3"), ("alice", "session_end", "4")]
    report = json.loads((tmp_path / "out" / "parse_report.json").read_text(encoding="utf-8"))
    assert (report["files"][0]["lines_read"], report["files"][0]["malformed"]) == (4, 0)


def test_a_lone_cr_in_a_name_stays_inside_it(tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    log.write_bytes((FGT_UP.replace('user="alice"', 'user="eve\rmallory"') + FGT_OTHER).encode("utf-8"))
    result = ccaudit("sources", "parse", "fortigate", log, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    events = _rows(tmp_path / "out" / "remote_access_events.csv")
    # one name as logged, never cut into `eve` and a line `allory`
    assert [(e["account"], e["source_line"]) for e in events] == [("eve\rmallory", "1"), ("bob", "2")]


def test_inspect_cites_the_line_an_editor_shows_after_a_lone_cr(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt.log").write_bytes(_log("\n"))
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 0, result.text
    (row,) = _rows(tmp_path / "results" / "offending" / "remote_session_record_complete.csv")
    assert (row["person_id"], row["source_file"], row["source_row"]) == ("bob", "fgt.log", "2")
    manifest = json.loads((tmp_path / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = next(f for f in manifest["files"] if f["dataset"] == "raw_export")
    assert raw["rows"] == 4
    # the stored evidence is the log as handed in, its CR included
    assert (tmp_path / "results" / "evidence" / "blobs" / raw["sha256"]).read_bytes() == _log("\n")
