"""An offending list longer than a sheet holds continues on further sheets; a list cut by --max-rows
says exactly where the other rows are. A sheet's size is a parameter, so a few rows stand in for
Excel's 1,048,576."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from ccaudit.cli.main import app
from ccaudit.reports import from_result_dir
from ccaudit.reports.report_to_xlsx import write_xlsx
from ccaudit.settings import Settings

ROWS = 25


def _sheets(path: Path) -> dict[str, list[list[str]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def test_a_list_longer_than_a_sheet_continues_on_further_sheets(
    make_result_dir: Callable[..., Path], settings: Settings, tmp_path: Path
) -> None:
    inp = from_result_dir.load(make_result_dir("r", big=ROWS), settings)
    big = inp.data.offending[0]
    sheets = _sheets(write_xlsx(inp, tmp_path / "c.xlsx", "en", max_rows=None, sheet_rows=13))  # 10 rows each
    parts = [name for name in sheets if name.startswith(big.check_id[:20])]
    assert parts == [big.check_id[:31], f"{big.check_id[:27]} (2)", f"{big.check_id[:27]} (3)"]
    rows = [row for name in parts for row in sheets[name][3:]]
    assert [next(c for c in row if c.startswith("設備-")) for row in rows] == [f"設備-{i:05d}" for i in range(ROWS)]
    first, last = sheets[parts[0]][1][0], sheets[parts[-1]][1][0]
    assert "rows 1–10 on this sheet" in first and "continued on the next sheet" in first
    assert "rows 21–25 on this sheet" in last and "continued" not in last
    assert all(sheets[name][2] == sheets[parts[0]][2] for name in parts)  # the header row on each


def test_a_cut_list_says_where_the_other_rows_are(
    make_result_dir: Callable[..., Path], settings: Settings, tmp_path: Path
) -> None:
    results = make_result_dir("r", big=ROWS)
    inp = from_result_dir.load(results, settings)
    big = inp.data.offending[0]
    sheets = _sheets(write_xlsx(inp, tmp_path / "c.xlsx", "zh-TW", max_rows=5))
    assert len(sheets[big.check_id[:31]]) == 3 + 5
    line = sheets[big.check_id[:31]][1][0]
    where = f"r/offending/{big.check_id}.csv"
    assert f"其餘 {ROWS - 5} 筆見 {where}" in line and "--max-rows all" in line
    assert (results.parent / where).is_file()


def test_max_rows_all_and_a_bad_value(make_result_dir: Callable[..., Path], tmp_path: Path) -> None:
    results = make_result_dir("r", big=ROWS)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["report", str(results), "--out", str(out), "--max-rows", "all"])
    assert run.exit_code == 0, run.output
    report = from_result_dir.read_inspection(results)[0]
    big = next(c.check_id for f in report.findings for c in f.checks if c.offending_count == ROWS)
    assert len(_sheets(out / "checklist.xlsx")[big[:31]]) == 3 + ROWS
    bad = CliRunner().invoke(app, ["report", str(results), "--out", str(out), "--max-rows", "many"])
    assert bad.exit_code != 0 and "--max-rows takes a number of rows or all" in bad.output
