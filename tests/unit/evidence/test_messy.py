"""Evidence as officers really export it: report furniture around the table, Excel's habits, encodings
pasted together, and the many ways Taiwanese forms write a date, a yes or a nothing.

Each test reads a file through the real importer and asserts the values imported or the exact
message a firm would see; the shapes are documented in docs/evidence.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pytest
import xlsxwriter
import xlwt

from ccaudit.evidence.layout import footer_start

from .helpers import Folder, one_issue

D = dt.date
HEADER = ["員工編號", "部門", "在職狀態", "離職日期", "允許遠距辦公"]
COLUMNS = "_row, person_id, department, employment_status, terminated_on, remote_allowed"


def _rows(folder: Folder) -> list[tuple[object, ...]]:
    imported = folder.run()
    return imported.rows("people", COLUMNS)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> xlsxwriter.Workbook:
    book = xlsxwriter.Workbook(path)
    for title, rows in sheets.items():
        sheet = book.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    return book


# --- CSV: report furniture ---------------------------------------------------------------------------


def test_csv_title_repeated_header_blank_lines_and_footer(folder: Folder) -> None:
    header = ",".join(HEADER)
    folder.write("people.csv", "\n".join([
        "人員清冊,,,,", "製表日期：115/11/30,,,,", header,
        "E1,經紀業務部,在職,,Y", "", header, "E2,資訊部,離職,115/3/5,N",
        "合計,2 人,,,", "備註：本表由人資系統匯出", "以下空白", ""]))
    imported = folder.run()
    assert imported.rows("people", COLUMNS) == [
        (4, "E1", "經紀業務部", "active", None, True), (7, "E2", "資訊部", "terminated", D(2026, 3, 5), False)]
    assert imported.manifest.warnings == [
        "people.csv: rows 8-10 below the table (starting '合計': a total, notes or end marker) not imported / "
        "第 8 至 10 列為表格下方之合計、備註或結束標記（合計），未匯入"]


def test_a_marker_followed_by_data_is_not_a_footer(folder: Folder) -> None:
    folder.write("people.csv", ",".join(HEADER) + "\nE1,IT,在職,,Y\n合計,,,,\nE2,IT,在職,,N\n")
    assert one_issue(folder.fail()) == (
        "people.csv, row 3, column '在職狀態': required value is empty (expected one of active, leave, terminated)")


def test_footer_start_needs_a_marker_word_not_a_prefix() -> None:
    rows: list[list[str | None]] = [["S1", "說明文件系統", "Y"], ["S2", "總計畫平台", "N"]]
    assert footer_start(rows, 3) is None
    assert footer_start([*rows, ["Total Security Gateway", "x", "Y"]], 3) is None  # a name, not a total
    assert footer_start([*rows, ["總計：2", None, None], ["資料來源：ERP", None, None], [None, None, None]], 3) == 2
    assert footer_start([*rows, ["Total", "2", ""]], 3) == 2


# --- Excel ------------------------------------------------------------------------------------------


def test_report_workbook_title_merged_cells_hidden_rows_and_footer(folder: Folder) -> None:
    book = xlsxwriter.Workbook(folder.evidence / "人員清冊_1151130.xlsx")
    sheet = book.add_worksheet("工作表1")
    sheet.merge_range(0, 0, 0, 4, "人員清冊 Personnel register")
    sheet.write(1, 0, "製表日期：115/11/30")
    sheet.write_row(3, 0, ["員工\n編號", "部門", "在職狀態", "離職日期\n(民國年)", "允許遠距辦公(Y/N)"])
    sheet.merge_range(4, 1, 6, 1, "經紀業務部")  # one department for three people
    for r, (pid, status, left, remote) in enumerate([("E1", "在職", None, "Y"), ("E2", "離職", "115/3/5", "N"),
                                                     ("E3", "在職", None, "是")]):
        sheet.write(4 + r, 0, pid)
        sheet.write(4 + r, 2, status)
        sheet.write(4 + r, 3, left or "")
        sheet.write(4 + r, 4, remote)
    sheet.set_row(5, None, None, {"hidden": True})
    sheet.set_column(3, 3, None, None, {"hidden": True})
    sheet.write_row(8, 0, ["合計", "3 人"])
    sheet.write(9, 0, "備註：資料由人資系統匯出")
    book.close()
    imported = folder.run()
    assert imported.rows("people", COLUMNS) == [
        (5, "E1", "經紀業務部", "active", None, True), (6, "E2", "經紀業務部", "terminated", D(2026, 3, 5), False),
        (7, "E3", "經紀業務部", "active", None, True)]
    assert imported.manifest.warnings == [
        "人員清冊_1151130.xlsx: rows 9-10 below the table (starting '合計': a total, notes or end marker) not "
        "imported / 第 9 至 10 列為表格下方之合計、備註或結束標記（合計），未匯入",
        "人員清冊_1151130.xlsx: 1 row(s) hidden in Excel were imported (row 6) / "
        "Excel 中隱藏之 1 列已一併匯入（第 6 列）",
        "人員清冊_1151130.xlsx: column(s) hidden in Excel were read: 離職日期\n(民國年) / "
        "Excel 中隱藏之欄位已一併讀取：離職日期\n(民國年)",
    ]


def test_excel_error_cells_and_formulas_never_calculated_are_refused(folder: Folder) -> None:
    book = _workbook(folder.evidence / "people.xlsx", {"Sheet1": [HEADER, ["E1", "IT", "在職"], ["E2", "IT", "在職"]]})
    sheet = book.get_worksheet_by_name("Sheet1")
    sheet.write_formula(1, 4, "=VLOOKUP(A2,Remote!A:B,2,0)", None, "#N/A")
    sheet.write_formula(2, 4, '=IF(B3="IT","Y","N")', None, "Y")  # calculated: its saved result is read
    sheet.write_formula(2, 5, "=1/0", None, "#DIV/0!")  # a column the template does not use
    book.close()
    wb = openpyxl.Workbook()  # openpyxl writes formulas without results, as any program but Excel
    assert wb.active is not None
    wb.active.append(["person_id", "employment_status", "remote_allowed"])
    wb.active.append(["E3", "active", '=IF(1=1,"Y","N")'])
    wb.save(folder.evidence / "people_2.xlsx")
    error = folder.fail()
    assert [str(i) for i in error.issues] == [
        "people.xlsx, row 2, column '允許遠距辦公': the cell shows the Excel error #N/A, not a value (got '#N/A'; "
        "expected a value: correct the formula or type the value in)",
        "people_2.xlsx, row 2, column 'remote_allowed': a formula Excel never calculated: the workbook was written "
        "by a program and not opened and saved in Excel, so the value it shows is unknown (expected the workbook "
        "opened and saved in Excel (or values instead of formulas))",
    ]
    assert error.issues[0].render("zh-TW") == (
        "people.xlsx，第 2 列，「允許遠距辦公」欄：儲存格顯示 Excel 錯誤值 #N/A，而非資料（填寫值 '#N/A'；"
        "應為資料值：請修正公式或直接填入數值）")


def test_excel_serial_dates_text_dates_and_numbers_as_text(folder: Folder) -> None:
    book = _workbook(folder.evidence / "people.xlsx", {"Sheet1": [
        HEADER, ["E1", "IT", "離職", 46086, "Y"], ["E2", "IT", "離職", "115/03/05", 1], ["E3", "IT", "離職", None, 0]]})
    book.get_worksheet_by_name("Sheet1").write_datetime(3, 3, dt.datetime(2026, 3, 5), book.add_format(
        {"num_format": "yyyy/mm/dd"}))
    book.close()
    assert [r[4] for r in _rows(folder)] == [D(2026, 3, 5)] * 3


def test_sheet_chosen_by_its_header_or_asked_for(folder: Folder) -> None:
    data = [HEADER, ["E1", "IT", "在職", None, "Y"]]
    _workbook(folder.evidence / "people.xlsx", {"填表說明": [["請依欄位填寫"]], "資料": data}).close()
    assert _rows(folder) == [(2, "E1", "IT", "active", None, True)]
    _workbook(folder.evidence / "people.xlsx", {"10月": data, "11月": data}).close()
    assert one_issue(folder.fail()) == (
        "people.xlsx: sheets '10月', '11月' all look like this dataset; name the one to read in evidence.yaml "
        "(files: {people.xlsx: {sheet: NAME}})")
    folder.config({"files": {"people.xlsx": {"sheet": "11月"}}})
    assert _rows(folder) == [(2, "E1", "IT", "active", None, True)]


def test_xls_and_xlsm_are_read(folder: Folder) -> None:
    old = xlwt.Workbook()
    sheet = old.add_sheet("人員")
    for r, row in enumerate([HEADER, ["E1", "IT", "離職", "115/3/5", "Y"]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    old.save(str(folder.evidence / "people.xls"))
    _workbook(folder.evidence / "people_2.xlsm", {"Sheet1": [HEADER, ["E2", "IT", "在職", None, "N"]]}).close()
    assert _rows(folder) == [(2, "E1", "IT", "terminated", D(2026, 3, 5), True), (2, "E2", "IT", "active", None, False)]


def test_password_protected_workbook_is_refused(folder: Folder, tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    _workbook(plain, {"Sheet1": [HEADER, ["E1", "IT", "在職", None, "Y"]]}).close()
    with plain.open("rb") as source, (folder.evidence / "people.xlsx").open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("secret", target)
    error = folder.fail()
    assert one_issue(error) == (
        "people.xlsx: the workbook is password-protected (encrypted), so it cannot be read; save a copy without a "
        "password (File > Info > Protect Workbook > Encrypt with Password: clear it)")
    assert error.render("zh-TW") == (
        "證據檔案有 1 項問題，未匯入任何資料：\n"
        "  - people.xlsx：活頁簿設有開啟密碼（已加密），無法讀取；請另存一份未設密碼之檔案")


# --- CSV encodings ----------------------------------------------------------------------------------


def test_excel_unicode_text_is_utf16_and_tab_separated(folder: Folder) -> None:
    text = "\r\n".join(["\t".join(HEADER), "E1\t資訊部\t在職\t\tY", ""])
    folder.write("people.txt", text, "utf-16")  # Excel's "Unicode text": UTF-16 LE with its byte-order mark
    assert _rows(folder) == [(2, "E1", "資訊部", "active", None, True)]


def test_big5_with_microsoft_and_hkscs_characters(folder: Folder) -> None:
    folder.write("people.csv", (",".join(HEADER) + "\nE1,碁銹裏部,在職,,Y\n").encode("cp950"))
    assert _rows(folder)[0][2] == "碁銹裏部"
    folder.write("people.csv", (",".join(HEADER) + "\nE1,㗎部,在職,,Y\n").encode("big5hkscs"))
    imported = folder.run()
    assert imported.column("people", "department") == ["㗎部"]
    assert imported.manifest.warnings == [
        "people.csv: read as Big5-HKSCS; line 2 holds characters outside standard Big5 (cp950). If they are your "
        "system's own user-defined characters (造字), they were read as other characters: check the names, or "
        "export the file as UTF-8 / 第 2 行含 Big5 標準字集以外之字元，已依 Big5-HKSCS 讀取；"
        "若為自行造字，讀取結果將不正確，"
        "請改以 UTF-8 匯出"]


@pytest.mark.parametrize(("first", "second", "message"), [
    ("cp950", "utf-8", "people.csv: line 1 is Big5 and line 3 is UTF-8: the file mixes two encodings"),
    ("utf-8", "cp950", "people.csv: line 3 is Big5 and line 1 is UTF-8: the file mixes two encodings"),
])
def test_mixed_encodings_are_refused_naming_the_line(folder: Folder, first: str, second: str, message: str) -> None:
    folder.write("people.csv", (",".join(HEADER) + "\nE1,資訊部,在職,,Y\n").encode(first)
                 + "E2,經紀業務部,在職,,N\n".encode(second))
    assert one_issue(folder.fail()).startswith(message)


def test_big5_named_in_evidence_yaml_with_a_utf8_line_is_refused(folder: Folder) -> None:
    folder.write("people.csv", (",".join(HEADER) + "\n").encode("cp950") + "E1,經紀業務部,在職,,Y\n".encode())
    folder.config({"files": {"people.csv": {"encoding": "big5"}}})
    assert one_issue(folder.fail()).startswith(
        "people.csv: line 2 is UTF-8 while the rest of the file is Big5 (cp950): the file mixes two encodings")


# --- values and headers -------------------------------------------------------------------------------


def test_value_spellings_of_taiwanese_forms(folder: Folder) -> None:
    rows = [
        ('="0123"', "-", "在職", "-", "√"),          # Excel-guarded ID; placeholders; a tick
        ("E2", "N/A", "離職", "１１５／３／５", "×"),  # full-width date
        ("E3", "無", "離職", "民國115年3月5日", "Ｙ"),
        ("E4", "—", "離職", "115年3月5日", "○"),
        ("E5", "IT", "離職", "115.03.05", "有"),
        ("E6", "IT", "離職", "1150305", "無"),
        ("E7", "IT", "離職", "2026-03-05", "FALSE"),
        ("E8", "IT", "離職", "2026/3/5", "0"),
        ("E9", "IT", "在職", "不適用", "N/A"),
    ]
    folder.csv("people.csv", HEADER, rows)
    assert _rows(folder) == [
        (2, "0123", None, "active", None, True), (3, "E2", None, "terminated", D(2026, 3, 5), False),
        (4, "E3", None, "terminated", D(2026, 3, 5), True), (5, "E4", None, "terminated", D(2026, 3, 5), True),
        (6, "E5", "IT", "terminated", D(2026, 3, 5), True), (7, "E6", "IT", "terminated", D(2026, 3, 5), False),
        (8, "E7", "IT", "terminated", D(2026, 3, 5), False), (9, "E8", "IT", "terminated", D(2026, 3, 5), False),
        (10, "E9", "IT", "active", None, None),
    ]


def test_a_placeholder_is_no_value_where_one_is_required(folder: Folder) -> None:
    folder.csv("people.csv", HEADER, [("E1", "IT", "-", "", "Y")])
    error = folder.fail()
    assert one_issue(error) == (
        "people.csv, row 2, column '在職狀態': required value is empty (expected one of active, leave, terminated)")
    assert error.issues[0].render("zh-TW") == (
        "people.csv，第 2 列，「在職狀態」欄：必填欄位空白"
        "（應為下列之一：active（在職）、leave（留職停薪）、terminated（離職））")


@pytest.mark.parametrize(("text", "message"), [
    ("3/5/2026", "day and month order unknown: 3/5/2026 is 2026-03-05 read month first (US) or 2026-05-03 read "
                 "day first; ccaudit does not guess which"),
    ("15/05/2024", "day and month order unknown: 15/05/2024 is 2024-05-15 read day first only; ccaudit reads "
                   "dates written year first"),
])
def test_day_month_dates_are_refused_with_their_readings(folder: Folder, text: str, message: str) -> None:
    folder.csv("people.csv", HEADER, [("E1", "IT", "離職", text, "Y")])
    error = folder.fail()
    assert one_issue(error) == (
        f"people.csv, row 2, column '離職日期': {message} (got {text!r}; expected the year first: 2026-03-05, "
        "2026/3/5 or ROC 115/03/05)")
    assert error.issues[0].render("zh-TW") == (
        f"people.csv，第 2 列，「離職日期」欄：月日順序不明（{text}），不予推測（填寫值 {text!r}；應為年份在前之日期："
        "2026-03-05、2026/3/5 或民國 115/03/05）")


@pytest.mark.parametrize("header", [
    ["員工\n編號", "部門", "在職\n狀態", "離職日期（民國年）", "允許遠距辦公(Y/N)"],
    ["員工編號 Person ID", "部門\nDepartment", "*在職狀態", "離職日期※", "允許遠距辦公【必填】"],
    ["Person ID", "Department", "Employment status", "Terminated on", "Remote allowed"],
])
def test_header_spellings(folder: Folder, header: list[str]) -> None:
    folder.csv("people.csv", header, [("E1", "IT", "在職", "", "Y")])
    assert _rows(folder) == [(2, "E1", "IT", "active", None, True)]


def test_two_headers_of_one_field_stay_a_conflict(folder: Folder) -> None:
    folder.csv("people.csv", ["員工編號", "員工編號(舊)", "在職狀態"], [("E1", "X1", "在職")])
    assert one_issue(folder.fail()) == (
        "people.csv, row 1: columns '員工編號', '員工編號(舊)' all name the field 'person_id' (expected one column "
        "per field; remove or rename the others)")


def test_semicolons_bom_trailing_empty_columns_and_full_width_numbers(folder: Folder) -> None:
    header = ("公司代號;公司名稱;使用雲端服務;提供雲端服務;經營社群媒體官方專頁;允許員工自有行動裝置;"
              "使用物聯網設備;允許遠距辦公;定期檢視週期月數;;")
    folder.write("firm_profile.csv", "\ufeff" + header + "\n9A00;範例證券;√;Ｎ;否;無;有;Y;１２;;\n")
    imported = folder.run()
    assert imported.rows("firm_profile", "firm_id, uses_cloud, is_cloud_provider, has_official_social_pages, "
                         "allows_byod, has_iot, allows_remote_work, review_interval_months") == [
        ("9A00", True, False, False, False, True, True, 12)]


def test_a_user_defined_character_no_encoding_has_is_refused_naming_the_line(folder: Folder) -> None:
    folder.write("people.csv", (",".join(HEADER) + "\nE1,IT,在職,,Y\nE2,").encode("cp950") + b"\x81\x40"
                 + ",在職,,Y\n".encode("cp950"))
    error = folder.fail()
    assert one_issue(error) == (
        "people.csv: line 3 holds a user-defined character (造字, Big5 bytes 81 40) that no standard encoding "
        "defines; export the file as UTF-8 from the system that keeps the character, or replace it")
    assert error.render("zh-TW").endswith("people.csv：第 3 行含自行造字（Big5 碼 81 40），無標準編碼可對應；"
                                          "請由原系統以 UTF-8 匯出，或改用標準字")
