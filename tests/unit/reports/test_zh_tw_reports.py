"""A zh-TW report says everything in Chinese: reasons from their codes, offending-row headers, the
proposed improvements (each check's own advice), the print footer and the OSCAL prose; the
deficiencies sheet has its 改善情形 drop-down and a date rule on 預定完成日."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from ccaudit.checks.loader import CheckLibrary
from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportInput, Result
from ccaudit.reports.remediation_to_poam import remediation_to_poam
from ccaudit.reports.report_to_oscal import report_to_oscal
from ccaudit.reports.report_to_xlsx import write_deficiencies_xlsx, write_xlsx
from ccaudit.settings import Settings


@pytest.fixture(scope="module")
def inp(result_dir: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> ReportInput:
    """The shared result folder, its first non-compliant finding given its reasons as codes."""
    folder = tmp_path_factory.mktemp("coded") / "results"
    shutil.copytree(result_dir, folder)
    doc = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    finding = next(f for f in doc["findings"] if f["status"] == "non_compliant")
    check = finding["checks"][0]["check_id"]
    finding["reason_codes"] = [
        {"code": "offending_not_compensated", "params": {"check_id": check, "count": 7}},
        {"code": "attestation_missing", "params": {}},
    ]
    (folder / "findings.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return from_result_dir.load(folder, settings)


def _first_deficiency(inp: ReportInput) -> tuple[str, str]:
    row = next(r for r in inp.data.requirements if r.result is Result.NON_COMPLIANT and r.reason_codes[0].code
               == "offending_not_compensated")
    return row.id, row.checks[0].check_id


def test_notes_say_the_coded_reasons_in_chinese(inp: ReportInput, tmp_path: Path) -> None:
    req_id, check_id = _first_deficiency(inp)
    title_zh = CheckLibrary.load().get(check_id).meta.title.zh_tw
    ws = openpyxl.load_workbook(write_xlsx(inp, tmp_path / "c.xlsx", "zh-TW"))["查核清單"]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == req_id)
    notes = str(row[14])
    assert f"{title_zh}：7 筆不符合，未有補償性措施" in notes and "檢視期間內無人工確認" in notes
    assert "offending row" not in notes
    assert ws.oddFooter.right.text == "第 &P 頁，共 &N 頁"


def test_deficiencies_propose_each_checks_own_advice_with_a_status_list_and_a_date_rule(
    inp: ReportInput, tmp_path: Path,
) -> None:
    req_id, check_id = _first_deficiency(inp)
    advice = CheckLibrary.load().get(check_id).meta.remediation.zh_tw
    ws = openpyxl.load_workbook(write_deficiencies_xlsx(inp, tmp_path / "d.xlsx", "zh-TW"))["缺失改善"]
    header = [c.value for c in ws[3]]
    line = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == req_id)
    assert line[header.index("改善措施")] == advice
    rules = {str(v.sqref).split(":")[0][0]: v for v in ws.data_validations.dataValidation}
    status_col = openpyxl.utils.get_column_letter(header.index("改善情形") + 1)
    due_col = openpyxl.utils.get_column_letter(header.index("預定完成日") + 1)
    assert rules[status_col].type == "list"
    assert rules[status_col].formula1 == '"未改善,改善中,已改善,風險承擔"'
    assert rules[due_col].type == "date" and rules[due_col].errorStyle in (None, "stop")  # stop is the default


def test_offending_sheets_have_chinese_headers(inp: ReportInput, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_xlsx(inp, tmp_path / "c.xlsx", "zh-TW", max_rows=5), read_only=True)
    sheet = wb[inp.data.offending[0].check_id[:31]]
    header = next(r for i, r in enumerate(sheet.iter_rows(values_only=True)) if i == 2)
    assert list(header) == ["查核對象", "員工編號", "缺失說明", "來源檔案", "來源列", "來源檔案 SHA-256"]
    english = openpyxl.load_workbook(write_xlsx(inp, tmp_path / "e.xlsx", "en", max_rows=5), read_only=True)
    header = next(r for i, r in enumerate(english[sheet.title].iter_rows(values_only=True)) if i == 2)
    assert header[0] == "subject"  # English reports keep the workspace's column names


def test_oscal_prose_follows_the_language(inp: ReportInput) -> None:
    req_id, _ = _first_deficiency(inp)
    results = json.loads(report_to_oscal(inp.data, "zh-TW").oscal_serialize_json())
    finding = next(f for f in results["assessment-results"]["results"][0]["findings"]
                   if f["target"]["target-id"] == f"art{req_id}")
    assert finding["title"] == f"{req_id} 不符合" and "筆不符合，未有補償性措施" in finding["description"]
    poam = json.loads(remediation_to_poam(inp.data, lang="zh-TW").oscal_serialize_json())
    risk = next(r for r in poam["plan-of-action-and-milestones"]["risks"] if r["title"].startswith(req_id))
    assert risk["remediations"][0]["title"] != "(to be filled in by the firm)"
    assert all("offending row" not in r["description"] for r in poam["plan-of-action-and-milestones"]["risks"])


def test_an_audits_measures_and_carried_over_attestations_are_said_in_the_language() -> None:
    from ccaudit.reports import texts
    from ccaudit.reports.model import AttestationNote, RequirementRow, Texts

    row = RequirementRow(
        id="12.1.1", text=Texts(en="t", zh="t"), obligation="shall", result=Result.COMPENSATED,
        compensating_measures=["CM-1: weekly restore test (approved by CISO on 2026-09-01, review by 2027-06-30)"],
        measure_details=[Texts(en="CM-1: weekly restore test (approved by CISO on 2026-09-01, review by 2027-06-30)",
                               zh="CM-1：weekly restore test（CISO 於 2026-09-01 核准，檢視期限 2027-06-30）")],
        attestation=AttestationNote(result="met", by="林主任", on="2026-11-15", carried_over=True),
    )
    assert texts.measure_lines(row, "zh-TW")[0].startswith("CM-1：") and "核准" in texts.measure_lines(row, "zh-TW")[0]
    assert "（自前一年度延續，尚待重新確認）" in texts.note_lines(row, "zh-TW")[0]
    assert "(carried over; not yet re-confirmed)" in texts.note_lines(row, "en")[0]
