from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportInput, Result
from ccaudit.reports.report_to_xlsx import write_deficiencies_xlsx, write_xlsx
from ccaudit.reports.xlsx_sheets import cell
from ccaudit.settings import Settings

from .conftest import BIG_CHECK_ROWS


@pytest.fixture(scope="module")
def inp(result_dir: Path, previous_dir: Path, settings: Settings) -> ReportInput:
    return from_result_dir.load(result_dir, settings, previous=previous_dir)


def _values(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_checklist_has_one_row_per_requirement_in_catalog_order(inp: ReportInput, tmp_path: Path) -> None:
    path = write_xlsx(inp, tmp_path / "c.xlsx", "zh-TW")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.title == "查核清單"
    assert [c.value for c in ws[3]][:7] == [
        "項次", "條文編號", "領域", "條文內容", "條文內容（英文）", "義務", "查核結果"]
    ids = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    assert ids == [r.id for r in inp.data.requirements]
    assert ws.cell(row=4, column=7).value == "不符合"
    results = {ws.cell(row=r, column=7).value for r in range(4, ws.max_row + 1)}
    assert results >= {"符合", "不符合", "不適用", "待確認"}
    # frozen header, filter, validation, print set-up
    assert ws.freeze_panes == "C4"
    assert ws.auto_filter.ref == f"A3:{ws.cell(row=3, column=ws.max_column).column_letter}{ws.max_row}"
    validation = ws.data_validations.dataValidation[0]
    assert validation.type == "list" and "改善中" in (validation.formula1 or "")
    assert str(validation.sqref) == f"G4:G{ws.max_row}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["E"].hidden  # the other language: grouped, shown with the outline's "+"
    assert "2026" in str(ws["A1"].value)
    assert inp.data.source.findings_sha256 and inp.data.source.findings_sha256 in str(ws["A2"].value)
    names = wb.sheetnames
    assert names[:5] == ["查核清單", "缺失改善", "建議事項", "查核證據清單", "報告資訊"]
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    assert len(names) == 5 + len(inp.data.offending)
    wb.close()


def test_english_workbook_uses_english_labels(inp: ReportInput, tmp_path: Path) -> None:
    sheets = _values(write_xlsx(inp, tmp_path / "e.xlsx", "en"))
    rows = sheets["Checklist"]
    assert rows[2][6] == "Result" and rows[3][6] == Result.NON_COMPLIANT.label("en")
    assert rows[3][3] == inp.data.requirements[0].text.en


def test_offending_sheets_are_truncated_and_firm_data_stays_text(inp: ReportInput, tmp_path: Path) -> None:
    path = write_xlsx(inp, tmp_path / "c.xlsx", "zh-TW", max_rows=100)
    wb = openpyxl.load_workbook(path)
    big = inp.data.offending[0]
    ws = wb[wb.sheetnames[5]]
    assert big.check_id.startswith(ws.title[:20])
    assert f"{BIG_CHECK_ROWS:,}" in str(ws["A2"].value)
    assert ws.max_row == 3 + 100
    assert ws["C4"].value == "=cmd|' /C calc'!A0" and ws["C4"].data_type == "s"
    assert ws["C5"].value == "bad\ufffdchar"
    wb.close()


def test_deficiencies_sheet_lists_shall_items_not_met(inp: ReportInput, tmp_path: Path) -> None:
    sheets = _values(write_deficiencies_xlsx(inp, tmp_path / "d.xlsx", "zh-TW"))
    rows = sheets["缺失改善"][3:]
    expected = [r.id for r in inp.data.requirements if r.result is Result.NON_COMPLIANT]
    assert [r[1] for r in rows] == expected
    assert all(r[7] == "未改善" for r in rows)
    assert [r[1] for r in sheets["建議事項"][3:]] == [
        r.id for r in inp.data.requirements if r.result is Result.OBSERVATION]


def test_same_input_gives_the_same_workbook(inp: ReportInput, tmp_path: Path) -> None:
    a = write_xlsx(inp, tmp_path / "a.xlsx", "zh-TW")
    b = write_xlsx(inp, tmp_path / "b.xlsx", "zh-TW")
    assert _values(a) == _values(b)
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a, read_only=True)
    assert wb.properties.created is not None and wb.properties.created.isoformat().startswith("2026-11-30")
    wb.close()


def test_cell_text_is_what_excel_accepts() -> None:
    assert cell(None) == "" and cell("a\x00b") == "a\ufffdb"
    assert len(cell("x" * 40_000)) == 32_767


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook_without_losing_anything(inp: ReportInput, tmp_path: Path) -> None:
    path = write_xlsx(inp, tmp_path / "in" / "checklist.xlsx", "zh-TW", max_rows=50)
    out = tmp_path / "out"
    profile = (tmp_path / "lo-profile").as_uri()
    run = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert run.returncode == 0, run.stderr
    ours, theirs = _values(path), _values(out / "checklist.xlsx")
    assert list(theirs) == list(ours)
    for name, rows in ours.items():
        back = theirs[name]
        norm = [[v if v is not None else "" for v in r] for r in back if any(v not in (None, "") for v in r)]
        mine = [[v if v is not None else "" for v in r] for r in rows if any(v not in (None, "") for v in r)]
        assert [r[: len(m)] for r, m in zip(norm, mine, strict=True)] == mine, name
