from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ccaudit.cli.main import app
from ccaudit.reports.generate import FORMATS, parse_formats
from ccaudit.reports.model import ReportError


def test_formats_parse() -> None:
    assert parse_formats("all") == list(FORMATS)
    assert parse_formats("pdf, xlsx,pdf") == ["pdf", "xlsx"]
    with pytest.raises(ReportError, match="unknown format docx"):
        parse_formats("docx")


def test_report_command_writes_the_formats_asked_for(result_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    formats = "xlsx,json,csv,oscal,deficiencies,html"
    args = ["--lang", "en", "--out", str(out), "--max-rows", "4", "--format", formats]
    run = CliRunner().invoke(app, ["report", str(result_dir), *args])
    assert run.exit_code == 0, run.output
    assert {p.name for p in out.iterdir()} == {
        "checklist.xlsx", "deficiencies.xlsx", "findings-report.json", "csv", "oscal", "report.html"}
    oscal = {p.name for p in (out / "oscal").iterdir()}
    assert oscal == {"catalog.json", "assessment-results.json", "poam.json"}
    doc = json.loads((out / "findings-report.json").read_text(encoding="utf-8"))
    assert all(o["rows_included"] <= 4 for o in doc["offending"])
    wb = openpyxl.load_workbook(out / "checklist.xlsx", read_only=True)
    assert wb.sheetnames[0] == "Checklist"
    wb.close()
    assert "digest" in run.output


def test_compare_command_writes_a_workbook_and_a_page(make_result_dir: object, tmp_path: Path) -> None:
    a = make_result_dir("a")  # type: ignore[operator]
    b = make_result_dir("b", firm="另一證券", firm_id="9B00", shift=2, big=3)  # type: ignore[operator]
    run = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "cmp")])
    assert run.exit_code == 0, run.output
    wb = openpyxl.load_workbook(tmp_path / "cmp" / "compare.xlsx", read_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    assert rows[2][3:7] == ["9A00 (2026-11-30)", "9A00 (2026-11-30)：不符合筆數", "9B00 (2026-11-30)",
                            "9B00 (2026-11-30)：不符合筆數"]
    assert rows[3][0] == "12.1.1" and rows[3][3] == "不符合"
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "9B00" in page and "多家公司查核結果比較" in page


@pytest.mark.parametrize("extra", [[], ["--format", "docx"], ["--on", "yesterday"]])
def test_bad_input_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]) -> None:
    from ccaudit.cli import main as cli_main

    argv = ["ccaudit", "report", str(tmp_path), "--out", str(tmp_path / "o"), *extra]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    assert exit_info.value.code == 2


def test_compare_tells_two_runs_of_one_firm_apart_and_shows_row_changes(
    make_result_dir: object, tmp_path: Path
) -> None:
    a = make_result_dir("before", big=40)  # type: ignore[operator]
    b = make_result_dir("after", big=25)  # type: ignore[operator]
    run = CliRunner().invoke(app, ["compare", str(a), str(b), "--lang", "en", "--out", str(tmp_path / "cmp")])
    assert run.exit_code == 0, run.output
    wb = openpyxl.load_workbook(tmp_path / "cmp" / "compare.xlsx", read_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    head = rows[2]
    assert head[3] == "9A00 (2026-11-30) · before" and head[5] == "9A00 (2026-11-30) · after"
    assert head[4] == "9A00 (2026-11-30) · before: offending rows"
    assert head[-1] == "Offending rows: 9A00 (2026-11-30) · after vs 9A00 (2026-11-30) · before"
    first = next(r for r in rows[3:] if r[4] == "40")  # the requirement behind the big check
    assert first[6] == "25" and first[-1] == "-15"
    assert all(r[-1] == "0" for r in rows[3:] if r[4] == r[6] and r[4])
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "9A00 (2026-11-30) · after" in page and "<td class=\"num\">-15</td>" in page
