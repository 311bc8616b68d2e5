"""Every file format and CSV dialect a firm hands in, read through the real importer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from ccaudit.evidence.readers import CsvDialect, csv_error, csv_row_numbers, file_format

from .helpers import Folder, one_issue

D = dt.datetime
PEOPLE = ["person_id", "employment_status", "terminated_on", "remote_allowed"]
PEOPLE_ZH = ["員工編號", "在職狀態", "離職日期", "允許遠距辦公"]
PEOPLE_ROWS = [["E1", "active", "", "Y"], ["E2", "離職", "113/05/15", "否"]]
EXPECTED = [("E1", 2, "active", None, True), ("E2", 3, "terminated", dt.date(2024, 5, 15), False)]


def _people(imported: object) -> list[tuple[object, ...]]:
    return imported.rows("people", "person_id, _row, employment_status, terminated_on, remote_allowed")  # type: ignore[attr-defined, no-any-return]


# --- CSV dialects ----------------------------------------------------------------------------------


LOOSE = ["Person ID", "Employment-Status", "TERMINATED_ON", " remote allowed "]


@pytest.mark.parametrize("header", [PEOPLE, PEOPLE_ZH, LOOSE])
def test_csv_headers_in_english_chinese_or_loose_spelling(folder: Folder, header: list[str]) -> None:
    folder.csv("people.csv", header, PEOPLE_ROWS)
    assert _people(folder.run()) == EXPECTED


@pytest.mark.parametrize(("name", "delimiter"), [("people.csv", ";"), ("people.tsv", "\t"), ("people.txt", "|"),
                                                 ("people.csv", "\t")])
def test_delimiters(folder: Folder, name: str, delimiter: str) -> None:
    folder.csv(name, PEOPLE, PEOPLE_ROWS, delimiter=delimiter)
    assert _people(folder.run()) == EXPECTED


def test_semicolon_file_with_commas_in_values(folder: Folder) -> None:
    folder.csv("people.csv", [*PEOPLE, "name"], [[*r, "Chen, Ann"] for r in PEOPLE_ROWS], delimiter=";")
    imported = folder.run()
    assert imported.column("people", "name") == ["Chen, Ann", "Chen, Ann"]


def test_crlf_line_endings_and_no_final_newline(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\r\nE1,active\r\nE2,leave")
    assert folder.run().rows("people", "person_id, _row") == [("E1", 2), ("E2", 3)]


def test_quoted_values_with_delimiters_quotes_and_line_breaks(folder: Folder) -> None:
    folder.write("people.csv", 'person_id,employment_status,name\nE1,active,"Chen, ""Ann"""\n'
                               'E2,active,"line one\nline two"\nE3,active,plain\n')
    imported = folder.run()
    # A line break inside a quoted cell stays one spreadsheet row.
    assert imported.rows("people", "person_id, _row, name") == [
        ("E1", 2, 'Chen, "Ann"'), ("E2", 3, "line one\nline two"), ("E3", 4, "plain")]


def test_title_rows_above_the_header(folder: Folder) -> None:
    folder.write("people.csv", "XX證券 人員清冊\n資料日期: 114/10/31\n\n"
                               "person_id,employment_status\nE1,active\nE2,leave\n")
    assert folder.run().rows("people", "person_id, _row") == [("E1", 5), ("E2", 6)]


def test_blank_lines_count_as_spreadsheet_rows(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\n\nE2,leave\n,\nE3,active\n\n\n")
    assert folder.run().rows("people", "person_id, _row") == [("E1", 2), ("E2", 4), ("E3", 6)]


def test_blank_lines_and_errors_report_the_spreadsheet_row(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\n\n\nE2,retired\n")
    assert one_issue(folder.fail()).startswith("people.csv, row 5, column 'employment_status'")


def test_header_only_file_supplies_an_empty_dataset(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\n")
    imported = folder.run()
    assert imported.rows("people") == []
    assert imported.manifest.datasets() == {"people"}


def test_empty_file_is_an_error(folder: Folder) -> None:
    folder.write("people.csv", "")
    assert one_issue(folder.fail()) == "people.csv: the file is empty (no header row)"


def test_wrong_column_count_is_an_error_with_the_line(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\nE2,active,extra\nE3\nE4,active\n")
    issues = [str(i) for i in folder.fail().issues]
    assert issues == [
        "people.csv, row 3: not a well-formed CSV line: expected 2 columns, found 3 "
        "(got 'E2,active,extra'; expected 2 values separated by ',', as in the header)",
        "people.csv, row 4: not a well-formed CSV line: expected 2 columns, found 1 "
        "(got 'E3'; expected 2 values separated by ',', as in the header)",
    ]


def test_unterminated_quote_is_an_error(folder: Folder) -> None:
    folder.write("people.csv", 'person_id,employment_status,name\nE1,active,"open\nE2,active,x\n')
    text = "\n".join(str(i) for i in folder.fail().issues)
    assert "people.csv" in text and ("quote" in text or "well-formed" in text)


def test_bad_lines_are_collected_up_to_the_limit(folder: Folder) -> None:
    from ccaudit.settings import Settings

    lines = "".join(f"E{i},active,extra\n" for i in range(10))
    folder.write("people.csv", "person_id,employment_status\n" + lines)
    error = folder.fail(Settings(max_issues_per_file=3))
    assert [i.row for i in error.issues] == [2, 3, 4]
    assert error.truncated


def test_duplicate_headers_naming_one_field_are_an_error(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "員工編號", "employment_status"], [["E1", "E1", "active"]])
    assert one_issue(folder.fail()) == (
        "people.csv, row 1: columns 'person_id', '員工編號' all name the field 'person_id' "
        "(expected one column per field; remove or rename the others)")


def test_unknown_columns_are_ignored_with_a_warning(folder: Folder) -> None:
    folder.csv("people.csv", [*PEOPLE, "備註", ""], [[*r, "x", ""] for r in PEOPLE_ROWS])
    imported = folder.run()
    assert imported.manifest.files[0].ignored_columns == ["備註"]
    assert "people.csv: column(s) not in the template, ignored: 備註" in imported.manifest.warnings


def test_missing_required_column(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "name"], [["E1", "x"]])
    assert one_issue(folder.fail()) == (
        "people.csv, row 1: required column 'employment_status' (在職狀態) is missing "
        "(expected a header named employment_status or 在職狀態; found: person_id, name)")


def test_missing_required_column_below_a_title(folder: Folder) -> None:
    folder.write("people.csv", "人員清冊\nperson_id,name\nE1,x\n")
    assert one_issue(folder.fail()).startswith("people.csv, row 2: required column 'employment_status'")


# --- encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950", "utf-16"])
def test_csv_encodings_detected(folder: Folder, encoding: str) -> None:
    folder.csv("people.csv", [*PEOPLE_ZH, "姓名"], [[*r, "王小明"] for r in PEOPLE_ROWS], encoding=encoding)
    imported = folder.run()
    assert _people(imported) == EXPECTED
    assert imported.column("people", "name") == ["王小明", "王小明"]
    assert imported.manifest.files[0].encoding == {"utf-8-sig": "utf-8"}.get(encoding, encoding)


@pytest.mark.parametrize("given", ["big5", "Big5", "cp950", "BIG-5", "ms950"])
def test_big5_named_in_evidence_yaml(folder: Folder, given: str) -> None:
    folder.csv("people.csv", [*PEOPLE_ZH, "姓名"], [[*r, "陳大文"] for r in PEOPLE_ROWS], encoding="cp950")
    folder.config({"files": {"people.csv": {"encoding": given}}})
    imported = folder.run()
    assert imported.column("people", "name") == ["陳大文", "陳大文"]
    assert imported.manifest.files[0].encoding == "cp950"


def test_big5_hkscs_characters(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status", "name"], [["E1", "active", "㗎"]],
               encoding="big5hkscs")
    imported = folder.run()
    assert imported.column("people", "name") == ["㗎"]
    assert imported.manifest.files[0].encoding == "big5hkscs"


def test_file_neither_utf8_nor_big5_is_an_error(folder: Folder) -> None:
    folder.write("people.csv", b"person_id,employment_status,name\nE1,active,caf\xe9\xff\n")
    assert one_issue(folder.fail()) == (
        "people.csv: the file is neither UTF-8 nor Big5 (cp950) (line 2 is neither); save it as UTF-8 or name its "
        "encoding in evidence.yaml")


def test_wrong_encoding_named_in_evidence_yaml(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status", "name"], [["E1", "active", "王小明"]])
    folder.config({"files": {"people.csv": {"encoding": "big5"}}})
    assert one_issue(folder.fail()) == (
        "people.csv: the file is UTF-8, not cp950 as evidence.yaml names it; remove the encoding from evidence.yaml")


def test_unknown_encoding_named_in_evidence_yaml(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    folder.config({"files": {"people.csv": {"encoding": "klingon"}}})
    assert "unknown encoding 'klingon'" in one_issue(folder.fail())


def test_big5_whose_first_megabyte_is_ascii(folder: Folder) -> None:
    """The start passes for UTF-8; DuckDB finds the Big5 further on and the file is read again."""
    head = "person_id,employment_status,name\n" + "".join(f"E{i},active,Chen\n" for i in range(60000))
    folder.write("people.csv", (head + "X9,active,陳大文\n").encode("cp950"))
    imported = folder.run()
    assert imported.rows("people", "person_id, _row, name", "_row DESC LIMIT 1") == [("X9", 60002, "陳大文")]
    assert imported.manifest.files[0].encoding == "cp950"


def test_utf8_start_with_garbage_later_is_an_error(folder: Folder) -> None:
    head = "person_id,employment_status,name\n" + "".join(f"E{i},active,王小明\n" for i in range(60000))
    folder.write("people.csv", head.encode() + b"E9,active,caf\xe9\xff\n")
    issue = one_issue(folder.fail())
    assert issue.startswith("people.csv: not a readable CSV file on line 60002: not valid UTF-8")
    assert "starts as UTF-8 but is not UTF-8 throughout, nor Big5" in issue


# --- Excel -----------------------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], sheet: str = "people", before: int = 0) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet_ = book.add_worksheet(sheet)
    date_fmt = book.add_format({"num_format": "yyyy/m/d"})
    ts_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    time_fmt = book.add_format({"num_format": "hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet_.write_datetime(before + r, c, value, ts_fmt)
            elif isinstance(value, dt.date):
                sheet_.write_datetime(before + r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, dt.time):
                sheet_.write_datetime(before + r, c, value, time_fmt)
            elif value is not None:
                sheet_.write(before + r, c, value)
    book.close()


def test_xlsx_with_typed_cells(folder: Folder) -> None:
    path = folder.evidence / "remote_sessions.xlsx"
    _workbook(path, [
        ["連線編號", "員工編號", "開始時間", "結束時間", "連線通道"],
        ["S1", "E1", D(2025, 10, 1, 8, 55, 12), "2025-10-01T02:00:00Z", "ssl_vpn"],
        ["S2", 1234.0, "114/10/01 下午 01:00", None, "IPSEC"],
    ])
    columns = "session_id, _row, person_id, start_time, start_time_utc, end_time_utc, channel"
    got = folder.run().rows("remote_sessions", columns)
    assert got == [
        ("S1", 2, "E1", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12), D(2025, 10, 1, 2), "ssl_vpn"),
        ("S2", 3, "1234", D(2025, 10, 1, 13), D(2025, 10, 1, 5), None, "ipsec_vpn"),
    ]


def test_xlsx_dates_times_booleans_and_numbers(folder: Folder) -> None:
    _workbook(folder.evidence / "people.xlsx", [
        ["person_id", "employment_status", "terminated_on", "remote_allowed"],
        ["E1", "active", None, True],
        ["E2", "terminated", dt.date(2024, 5, 15), False],
    ])
    _workbook(folder.evidence / "roles.xlsx", [["role_id", "remote_start", "remote_end"],
                                               ["R1", dt.time(8, 0), dt.time(18, 30)]], sheet="roles")
    _workbook(folder.evidence / "sensitive_endpoints.xlsx", [["endpoint_id", "host", "protocol", "port"],
                                                             ["EP1", "h", "https", 443]], sheet="x")
    imported = folder.run()
    assert imported.rows("people", "person_id, terminated_on, remote_allowed") == [
        ("E1", None, True), ("E2", dt.date(2024, 5, 15), False)]
    assert imported.rows("roles", "remote_start, remote_end") == [(480, 1110)]
    assert imported.column("sensitive_endpoints", "port") == [443]


def test_xlsx_title_rows_and_blank_spacer_rows(folder: Folder) -> None:
    _workbook(folder.evidence / "people.xlsx", [
        ["XX證券 人員清冊"], [], ["person_id", "employment_status", None, None],
        ["E1", "active"], [], [None, None], ["E2", "leave"],
    ])
    imported = folder.run()
    assert imported.rows("people", "person_id, _row") == [("E1", 4), ("E2", 7)]


def test_xlsx_error_names_the_spreadsheet_row(folder: Folder) -> None:
    _workbook(folder.evidence / "people.xlsx", [["person_id", "employment_status"], ["E1", "active"], [],
                                                ["E2", "gone fishing"]], before=2)
    assert one_issue(folder.fail()).startswith("people.xlsx, row 6, column 'employment_status'")


def test_xlsx_written_by_openpyxl(folder: Folder) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "遠端連線紀錄"
    sheet.append(["session_id", "person_id", "start_time", "channel"])
    sheet.append(["S1", "E1", D(2025, 10, 1, 8, 0), "ztna"])
    sheet.append(["S2", "E2", D(2025, 10, 1, 8, 0, 0, 500000), "vdi"])
    book.save(folder.evidence / "sessions.xlsx")
    got = folder.run().rows("remote_sessions", "session_id, _row, start_time, start_time_utc")
    assert got == [("S1", 2, D(2025, 10, 1, 8), D(2025, 10, 1, 0)),
                   ("S2", 3, D(2025, 10, 1, 8, 0, 0, 500000), D(2025, 10, 1, 0, 0, 0, 500000))]


def test_xlsx_sheet_named_after_the_dataset_or_given(folder: Folder) -> None:
    book = xlsxwriter.Workbook(str(folder.evidence / "people.xlsx"))
    book.add_worksheet("說明 Notes").write(0, 0, "read me")
    data = book.add_worksheet("人員清冊")
    data.write_row(0, 0, ["person_id", "employment_status"])
    data.write_row(1, 0, ["E1", "active"])
    other = book.add_worksheet("Other")
    other.write_row(0, 0, ["person_id", "employment_status"])
    other.write_row(1, 0, ["E9", "leave"])
    book.close()
    assert folder.run().column("people", "person_id") == ["E1"]
    folder.config({"files": {"people.xlsx": {"sheet": "Other"}}})
    assert folder.run().column("people", "person_id") == ["E9"]
    folder.config({"files": {"people.xlsx": {"sheet": "Missing"}}})
    assert one_issue(folder.fail()) == "people.xlsx: no sheet named 'Missing' (sheets: 說明 Notes, 人員清冊, Other)"


def test_broken_workbook_is_an_error(folder: Folder) -> None:
    folder.write("people.xlsx", b"PK\x03\x04 not really a workbook")
    assert one_issue(folder.fail()).startswith("people.xlsx: not a readable workbook")


# --- JSON ------------------------------------------------------------------------------------------


def test_json_array(folder: Folder) -> None:
    records = [
        {"session_id": "S1", "person_id": "E1", "start_time": "2025-10-01 08:55:12", "channel": "ssl_vpn"},
        {"session_id": "S2", "person_id": "E1", "start_time": "2025-10-01T08:55:12+08:00", "channel": "ztna",
         "mfa_method": None},
        {"session_id": "S3", "person_id": 42, "start_time": "114/10/01 下午 01:00", "channel": "vdi"},
    ]
    folder.write("remote_sessions.json", json.dumps(records, ensure_ascii=False))
    got = folder.run().rows("remote_sessions", "session_id, _row, person_id, start_time, start_time_utc")
    # An offset-less time stays local: DuckDB's own type guessing would have read it as UTC.
    assert got == [("S1", 1, "E1", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
                   ("S2", 2, "E1", D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12)),
                   ("S3", 3, "42", D(2025, 10, 1, 13), D(2025, 10, 1, 5))]


def test_ndjson_with_lists_and_booleans(folder: Folder) -> None:
    lines = [
        {"device_id": "D1", "device_type": "cam", "default_password_changed": True, "open_ports": [443, 554]},
        {"device_id": "D2", "device_type": "cam", "default_password_changed": "否", "open_ports": "22;23"},
    ]
    folder.write("iot_inventory.ndjson", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    imported = folder.run()
    assert imported.rows("iot_inventory", "device_id, _row, default_password_changed") == [
        ("D1", 1, True), ("D2", 2, False)]
    assert imported.rows("iot_inventory__open_ports", "device_id, value", "_row, value") == [
        ("D1", "443"), ("D1", "554"), ("D2", "22"), ("D2", "23")]


def test_json_error_names_the_record(folder: Folder) -> None:
    folder.write("people.jsonl", '{"person_id": "E1", "employment_status": "active"}\n'
                                 '{"person_id": "E2", "employment_status": "asleep"}\n')
    assert one_issue(folder.fail()).startswith("people.jsonl, row 2, column 'employment_status'")


def test_broken_json_is_an_error(folder: Folder) -> None:
    folder.write("people.json", '[{"person_id": "E1", ')
    assert one_issue(folder.fail()).startswith("people.json: cannot be read")


# --- Parquet ---------------------------------------------------------------------------------------


def test_parquet_with_typed_columns(folder: Folder) -> None:
    table = pa.table({
        "session_id": ["S1", "S2", "S3"],
        "person_id": ["E1", "E2", None],
        "start_time": pa.array([D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 23, 0), D(2024, 2, 29, 12)],
                               pa.timestamp("us")),
        "end_time": pa.array([D(2025, 10, 1, 0, 55, 12, tzinfo=dt.UTC), None, D(2024, 2, 29, 4, tzinfo=dt.UTC)],
                             pa.timestamp("us", tz="UTC")),
        "channel": ["ssl_vpn", "SSL VPN", "ztna"],
    })
    pq.write_table(table.slice(0, 2), folder.evidence / "remote_sessions.parquet")
    columns = "session_id, _row, start_time, start_time_utc, end_time, end_time_utc, channel"
    got = folder.run().rows("remote_sessions", columns)
    assert got == [
        ("S1", 1, D(2025, 10, 1, 8, 55, 12), D(2025, 10, 1, 0, 55, 12), D(2025, 10, 1, 8, 55, 12),
         D(2025, 10, 1, 0, 55, 12), "ssl_vpn"),
        ("S2", 2, D(2025, 10, 1, 23), D(2025, 10, 1, 15), None, None, "ssl_vpn"),
    ]
    pq.write_table(table, folder.evidence / "remote_sessions.parquet")
    assert one_issue(folder.fail()).startswith("remote_sessions.parquet, row 3, column 'person_id': required value")


def test_parquet_dates_booleans_integers_and_lists(folder: Folder) -> None:
    pq.write_table(pa.table({
        "device_id": ["D1", "D2"], "device_type": ["cam", "tv"],
        "default_password_changed": [True, False],
        "last_verified_on": pa.array([dt.date(2025, 10, 1), None], pa.date32()),
        "acquired_on": ["113/05/15", "2024-05-15"],
        "open_ports": pa.array([[443, 554], []], pa.list_(pa.int64())),
    }), folder.evidence / "iot_inventory.parquet")
    pq.write_table(pa.table({"endpoint_id": ["EP1"], "host": ["h"], "protocol": ["https"],
                             "port": pa.array([8443], pa.int32())}), folder.evidence / "sensitive_endpoints.pq")
    imported = folder.run()
    columns = "device_id, _row, default_password_changed, last_verified_on, acquired_on"
    assert imported.rows("iot_inventory", columns) == [
        ("D1", 1, True, dt.date(2025, 10, 1), dt.date(2024, 5, 15)), ("D2", 2, False, None, dt.date(2024, 5, 15))]
    assert imported.rows("iot_inventory__open_ports", "device_id, value", "value") == [("D1", "443"), ("D1", "554")]
    assert imported.column("sensitive_endpoints", "port") == [8443]


def test_parquet_integer_field_given_a_fraction(folder: Folder) -> None:
    pq.write_table(pa.table({"endpoint_id": ["EP1"], "host": ["h"], "protocol": ["https"], "port": [443.5]}),
                   folder.evidence / "sensitive_endpoints.parquet")
    assert one_issue(folder.fail()) == (
        "sensitive_endpoints.parquet, row 1, column 'port': value not understood "
        "(got '443.5'; expected a whole number; from 1 to 65535)")


def test_broken_parquet_is_an_error(folder: Folder) -> None:
    folder.write("people.parquet", b"PAR1 nonsense")
    assert one_issue(folder.fail()).startswith("people.parquet: cannot be read")


# --- helpers ---------------------------------------------------------------------------------------


def test_file_formats() -> None:
    assert file_format(Path("a.CSV")) == "csv"
    assert file_format(Path("a.tsv")) == "csv"
    assert file_format(Path("a.xlsx")) == "excel"
    assert file_format(Path("a.jsonl")) == "json"
    assert file_format(Path("a.pq")) == "parquet"
    assert file_format(Path("a.pdf")) is None


def test_csv_row_numbers_count_blank_lines_and_not_quoted_breaks(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('title\na,b\n1,2\n\n3,"x\ny"\n\n\n4,5\n', encoding="utf-8")
    assert csv_row_numbers(path, CsvDialect(",", 1, 1)).to_pylist() == [3, 5, 8]


def test_csv_error_text() -> None:
    con = duckdb.connect()
    with pytest.raises(duckdb.Error) as info:
        con.execute("SELECT error('CSV Error on Line: 7\nOriginal Line: a,b,c\n"
                    "Expected Number of Columns: 2 Found: 3')")
    assert csv_error(Path("x.csv"), info.value) == (
        "x.csv: not a readable CSV file on line 7: expected 2 columns, found 3 ('a,b,c')")
