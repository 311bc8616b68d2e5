"""Hostile evidence through the real CLI (issue 9): payloads never get out, refusals leave nothing behind."""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .inprocess import FIRM_HEADER, ccaudit, inspect, tree

SESSIONS = "session_id,person_id,start_time,channel,mfa_method\n"
PAYLOADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1"]  # a lone CR: see csvsafe tests


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def _evidence(root: Path, sessions: list[list[str]], firm_name: str = "範例證券") -> Path:
    folder = root / "ev"
    folder.mkdir()
    with (folder / "remote_sessions.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(SESSIONS)
        csv.writer(handle, lineterminator="\n").writerows(sessions)
    (folder / "people.csv").write_text("person_id,employment_status\nE1,active\n", encoding="utf-8")
    (folder / "firm_profile.csv").write_text(FIRM_HEADER + f"9A00,{firm_name},N,N,N,N,N,Y\n", encoding="utf-8")
    return folder


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _sessions_with_payloads() -> list[list[str]]:
    return [[p, "NOBODY", f"2026-10-0{i + 1} 09:00:00", "ssl_vpn", "none"] for i, p in enumerate(PAYLOADS)]


# --- never let a payload out ------------------------------------------------------------------------


def test_formula_payloads_are_neutralised_in_every_csv_but_kept_in_the_evidence(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, _sessions_with_payloads(), firm_name="=1+1")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 0, run.text
    offending = tmp_path / "r" / "offending" / "remote_user_authorized.csv"
    ids = {row[1] for row in _cells(offending)[1:]}
    assert ids == {"'" + p.strip() for p in PAYLOADS}  # the importer trims blanks around values
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for path in (tmp_path / "r").rglob("*.csv") for row in _cells(path) for cell in row)
    # the evidence is kept byte for byte
    blobs = {p.read_bytes() for p in (tmp_path / "r" / "evidence" / "blobs").iterdir()}
    assert (evidence / "remote_sessions.csv").read_bytes() in blobs

    report = ccaudit("report", tmp_path / "r", "--format", "csv,xlsx", "--out", tmp_path / "rep")
    assert report.code == 0, report.text
    info = dict(_cells(tmp_path / "rep" / "csv" / "report-info.csv")[1:])
    assert info["firm"] == "'=1+1"
    rows = [row for path in (tmp_path / "rep").rglob("*.csv") for row in _cells(path)]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    assert ["'" + PAYLOADS[0]] == [c for row in rows for c in row if c == "'" + PAYLOADS[0]][:1]
    # the workbook keeps the value itself, as text: a spreadsheet shows it and never evaluates it
    book = openpyxl.load_workbook(next((tmp_path / "rep").glob("*.xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_markup_and_control_characters_in_names_and_values_print_as_they_are(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "remote_sessions_[x].csv").write_text(
        SESSIONS + "S1,[/x],2026-10-01 09:00:00,[bold]x,none\nS2,:x:,[/x],ssl_vpn,none\n", encoding="utf-8")
    (evidence / "notes_\x1b[31m\nred.txt").write_text("not evidence", encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert "remote_sessions_[x].csv, row 2, column 'channel'" in run.text and "'[bold]x'" in run.text
    assert "row 3, column 'start_time'" in run.text and "'[/x]'" in run.text

    (evidence / "remote_sessions_[x].csv").write_text(SESSIONS + "S1,[/x],2026-10-01 09:00:00,ssl_vpn,none\n",
                                                       encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 0, run.text
    assert "\x1b" not in run.err and "notes_\\x1b[31m\\nred.txt" in run.err


@pytest.mark.parametrize("kind", ["outside", "environ", "fifo", "dangling"])
def test_links_out_of_the_folder_and_special_files_are_refused_by_name(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCAUDIT_TEST_SECRET", "s3cr3t-value")
    evidence = _evidence(tmp_path, [])
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("role_id,role_name\nSECRET-ROLE,x\n", encoding="utf-8")
    target = evidence / "roles.csv"
    if kind == "outside":
        target.symlink_to(elsewhere)
    elif kind == "environ":
        target.symlink_to("/proc/self/environ")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(tmp_path / "gone.csv")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert run.text.startswith("error: roles.csv:"), run.text
    assert "s3cr3t" not in run.text and "SECRET-ROLE" not in run.text
    assert not (tmp_path / "r").exists()


def test_a_link_inside_the_folder_is_evidence(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, [])
    (evidence / "sub").mkdir()
    (evidence / "sub" / "roles_export.csv").write_text("role_id,role_name\nR1,x\n", encoding="utf-8")
    (evidence / "roles.csv").symlink_to(evidence / "sub" / "roles_export.csv")
    assert inspect(evidence, tmp_path / "r").code == 0


# --- never leave half a result ----------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "where", "found"), [
    ("9A00,甲,N,N,N,N,N,Y\n9B00,乙,N,N,N,N,N,Y\n", "firm_profile.csv, row 3", "found 2"),
    ("", "firm_profile.csv, row 1", "found none"),
])
def test_a_firm_profile_without_exactly_one_row_leaves_the_previous_result_untouched(
    tmp_path: Path, rows: str, where: str, found: str
) -> None:
    evidence = _evidence(tmp_path, [["S1", "E1", "2026-10-01 09:00:00", "ssl_vpn", "none"]])
    assert inspect(evidence, tmp_path / "r").code == 0
    before = tree(tmp_path / "r")
    (evidence / "firm_profile.csv").write_text(FIRM_HEADER + rows, encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert where in run.text and f"firm_profile must have exactly one row ({found})" in run.text
    assert tree(tmp_path / "r") == before
    fresh = tmp_path / "new" / "deeper" / "r"
    assert inspect(evidence, fresh).code == 2
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev", "r"]  # no temporary folder left either


def test_a_run_replaces_the_whole_result_folder(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, _sessions_with_payloads())
    assert inspect(evidence, tmp_path / "r").code == 0
    assert (tmp_path / "r" / "offending" / "remote_user_authorized.csv").exists()
    (evidence / "remote_sessions.csv").write_text(SESSIONS, encoding="utf-8")
    assert inspect(evidence, tmp_path / "r").code == 0
    assert not (tmp_path / "r" / "offending" / "remote_user_authorized.csv").exists()


def test_an_unrelated_folder_is_never_replaced(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, [])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("mine", encoding="utf-8")
    run = inspect(evidence, mine)
    assert run.code == 2 and "not a ccaudit result folder" in run.text
    assert tree(mine) == {"thesis.docx": b"mine"}
    run = inspect(evidence, evidence)
    assert run.code == 2 and "would replace the evidence folder" in run.text


def test_report_refuses_a_folder_mixed_from_two_runs(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, [])
    assert inspect(evidence, tmp_path / "a").code == 0
    assert inspect(evidence, tmp_path / "b").code == 0
    (tmp_path / "a" / "findings.json").write_bytes((tmp_path / "b" / "findings.json").read_bytes())
    run = ccaudit("report", tmp_path / "a", "--format", "json", "--out", tmp_path / "rep")
    assert run.code == 2 and "mixes two inspection runs" in run.text


# --- evidence.yaml and resource bombs ---------------------------------------------------------------

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize(("config", "problem"), [
    ("effective_date: 2024-02-30\n", "day is out of range"),
    ("files:\n  people.csv: {encoding: utf-16}\n", "cannot be read as utf-16"),
    ("files:\n  people.csv: {encoding: rot13}\n", "not a text encoding"),
    ("files:\n  people.csv: {encoding: base64}\n", "not a text encoding"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
    (BOMB, "aliases (*name) are not accepted"),
    (None, "a folder, not a regular file"),
])
def test_evidence_yaml_problems_exit_2_naming_it(tmp_path: Path, config: str | None, problem: str) -> None:
    evidence = _evidence(tmp_path, [])
    if config is None:
        (evidence / "evidence.yaml").mkdir()
    else:
        (evidence / "evidence.yaml").write_text(config, encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert problem in run.text
    assert "evidence.yaml" in run.text or "people.csv" in run.text  # the encoding: named per file
    assert not (tmp_path / "r").exists()


def workbook(path: Path, rows: list[list[str]]) -> Path:
    """An .xlsx whose sheet holds `rows` as inline strings of any length (spreadsheet writers cut them)."""
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "roles"
    book.save(path)
    sheet = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                                   for i, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, 1))
    xml = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>'
    members = {i.filename: zipfile.ZipFile(path).read(i) for i in zipfile.ZipFile(path).infolist()}
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


@pytest.mark.parametrize(("cell", "env", "limit"), [
    ("A" * 20_000_000, {}, "CCAUDIT_XLSX_MAX_COMPRESSION_RATIO=200"),
    ("A" * 40_000, {}, "CCAUDIT_MAX_CELL_CHARS=32767"),
    ("R1", {"CCAUDIT_XLSX_MAX_UNCOMPRESSED_BYTES": "5000"}, "CCAUDIT_XLSX_MAX_UNCOMPRESSED_BYTES"),
])
def test_a_workbook_that_expands_too_far_is_refused_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: str, env: dict[str, str], limit: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    evidence = _evidence(tmp_path, [])
    workbook(evidence / "roles.xlsx", [["role_id", "role_name"], [cell, "x"]])
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert "roles.xlsx" in run.text and limit in run.text
    assert not (tmp_path / "r").exists()


def test_a_file_name_that_is_not_text_is_refused_and_shown_escaped(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, [])
    os.rename(evidence / "people.csv", os.path.join(os.fsencode(evidence), b"people\xff.csv"))
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2
    assert "people\\udcff.csv: the file name is not valid UTF-8 text" in run.text
    assert not (tmp_path / "r").exists()
