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
    assert rows[2][3:5] == ["9A00 (2026-11-30)", "9B00 (2026-11-30)"]
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
