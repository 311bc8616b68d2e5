"""An Intune or Jamf Pro CSV export with a quoted cell never closed (a device name typed with a quote, a file cut
short) is refused with ccaudit's own words, naming the file, the line the cell starts on and its column, in English
and Traditional Chinese, exit 2, nothing imported; a valid export whose quoted cells hold line breaks still has
every row read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit
from tests.cli.test_sources_device_inspect import PROFILE
from tests.cli.test_sources_devices import IDMAP, INTUNE_NOV, JAMF_CSV


def _quoted(text: str) -> list[str]:
    """The export as the admin center writes it: every cell quoted, CRLF line ends."""
    return [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in csv.reader(io.StringIO(text))]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


BARE = INTUNE_NOV.split("\n")
QUOTED = _quoted(INTUNE_NOV)


@pytest.mark.parametrize(("lines", "said"), [
    # a device name typed with a quote, in an export that quotes nothing
    ([*BARE[:2], BARE[2].replace("MD-GALAXY-002", '"MD-GALAXY-002', 1), *BARE[3:]],
     "line 3, column 2 ('Device name'): a quoted cell is never closed"),
    # every cell quoted, one closing quote lost
    ([*QUOTED[:2], QUOTED[2].replace('"MD-GALAXY-002"', '"MD-GALAXY-002', 1), *QUOTED[3:]],
     "line 3, column 2 ('Device name'): a quoted cell is never closed"),
    # a quote inside a quoted cell, not doubled
    ([*QUOTED[:2], QUOTED[2].replace('"Dave Ho"', '"Dave "Ho"', 1), *QUOTED[3:]],
     "line 3, column 10 ('Primary user display name'): a quoted cell is never closed"),
    # a valid cell with a line break before the broken one: the broken one's own line
    ([*QUOTED[:1], QUOTED[1].replace('"MD-IPHONE-001"', '"MD-IPHONE\r\n001"', 1),
      QUOTED[2].replace('"Dave Ho"', '"Dave Ho', 1), *QUOTED[3:]],
     "line 4, column 10 ('Primary user display name'): a quoted cell is never closed"),
], ids=["bare-export", "quoted-export", "quote-inside-a-cell", "after-a-valid-line-break"])
def test_an_unclosed_quote_is_refused_naming_file_line_and_column(tmp_path: Path, lines: list[str], said: str) -> None:
    path = tmp_path / "DevicesWithInventory.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert f"DevicesWithInventory.csv: {said}" in result.err
    assert "nothing was imported" in result.err
    assert not (tmp_path / "out").exists()


def test_the_refusal_in_traditional_chinese(tmp_path: Path) -> None:
    path = tmp_path / "jamf.csv"
    lines = JAMF_CSV.split("\n")
    path.write_text("\n".join([lines[0], lines[1].replace("業務部-iPad-01", '"業務部-iPad-01', 1), *lines[2:]]),
                    encoding="utf-8")
    result = ccaudit("sources", "parse", "jamf", path, "--out", tmp_path / "out", "--lang", "zh-TW")
    assert result.code == 2
    assert "jamf.csv：第 2 行第 1 欄（'Mobile Device Name'）：引號儲存格未結束" in result.err


def test_inspect_refuses_the_export_by_name_and_line_with_nothing_imported(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    broken = [*QUOTED[:3], QUOTED[3].replace('"Unknown"', '"Unknown', 1)]
    (evidence / "DevicesWithInventory_2026-11-30.csv").write_bytes("\r\n".join(broken).encode("utf-8"))
    (evidence / "identity_map.csv").write_text(IDMAP, encoding="utf-8")
    (evidence / "firm_profile.csv").write_text(PROFILE, encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2
    assert "DevicesWithInventory_2026-11-30.csv: line 4, column 11 ('Serial number'): a quoted cell is never closed" \
        in result.err
    assert not (tmp_path / "results").exists()


def test_every_row_of_a_valid_export_with_quoted_line_breaks_is_read(tmp_path: Path) -> None:
    # the admin center quotes every cell; a device name and a user's display name hold line breaks
    lines = [*QUOTED[:1], QUOTED[1].replace('"MD-IPHONE-001"', '"MD-IPHONE\r\n001"', 1),
             QUOTED[2].replace('"Dave Ho"', '"Dave\nHo"', 1), *QUOTED[3:]]
    path = tmp_path / "DevicesWithInventory.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = ccaudit("sources", "parse", "intune", path, "--out", tmp_path / "out")
    assert result.code == 0, result.text
    report = json.loads((tmp_path / "out" / "device_parse_report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["records"] == 3
    devices = _rows(tmp_path / "out" / "company_mobile_devices.csv")
    assert sorted((d["device_id"], d["device_name"], d["source_row"]) for d in devices) == [
        ("F2LXK0AAHG7F", "MD-IPHONE\r\n001", "2"), ("R58N91ABCDE", "MD-GALAXY-002", "3")]
    assert [b["device_name"] for b in _rows(tmp_path / "out" / "byod_register.csv")] == ["王小明的iPhone"]
