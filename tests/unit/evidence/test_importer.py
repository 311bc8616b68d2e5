"""The importer as a whole: tables, row numbers, duplicates, error collection and atomicity."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from ccaudit.errors import EvidenceValidationError
from ccaudit.evidence.importer import FILES_TABLE
from ccaudit.settings import Settings

from .helpers import REGISTRY, Folder, one_issue

SESSIONS = ["session_id", "person_id", "start_time", "channel"]


def _sessions(n: int, start: int = 0) -> list[list[str]]:
    return [[f"S{i:07d}", f"E{i % 50}", f"2025-10-01 {i % 24:02d}:{i % 60:02d}:00", "ssl_vpn"]
            for i in range(start, start + n)]


# --- tables ----------------------------------------------------------------------------------------


def test_every_dataset_has_a_table_with_the_documented_columns(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    imported = folder.run()
    with imported.connect() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for template in REGISTRY:
            assert template.id in tables
            described = [(r[0], r[1]) for r in con.execute(f'DESCRIBE "{template.id}"').fetchall()]
            assert described == template.table_columns() + template.surrogate_columns(), template.id
            for spec in template.list_fields():
                child = f"{template.id}__{spec.name}"
                columns = [r[0] for r in con.execute(f'DESCRIBE "{child}"').fetchall()]
                assert columns == ["_file", "_row", *template.key, "value"], child
        assert con.execute("SELECT count(*) FROM roles").fetchall() == [(0,)]
        files = con.execute(f"SELECT sha256, dataset, original_name, row_count FROM {FILES_TABLE}").fetchall()
    sha = hashlib.sha256((folder.evidence / "people.csv").read_bytes()).hexdigest()
    assert files == [(sha, "people", "people.csv", 1)]
    assert imported.rows("people", "_file") == [(sha,)]
    assert imported.manifest.datasets() == {"people"}


def test_manifest_describes_each_file(folder: Folder) -> None:
    folder.csv("people_20251031.csv", ["員工編號", "在職狀態", "備註"], [["E1", "在職", "x"], ["E2", "離職", ""]],
               encoding="cp950")
    imported = folder.run()
    entry = imported.manifest.files[0]
    assert (entry.dataset, entry.original_name, entry.rows, entry.format, entry.encoding) == (
        "people", "people_20251031.csv", 2, "csv", "cp950")
    assert entry.effective_date == dt.date(2025, 10, 31)
    assert entry.size_bytes == (folder.evidence / "people_20251031.csv").stat().st_size
    assert entry.ignored_columns == ["備註"]
    assert folder.store.read_manifest() == imported.manifest
    assert folder.store.verify() == []


# --- row numbers -----------------------------------------------------------------------------------


def test_row_numbers_of_a_large_file_follow_the_file(folder: Folder) -> None:
    """Big enough for DuckDB to parse in parallel pieces: `_row` must still be the file's row."""
    n = 400_000
    folder.csv("remote_sessions.csv", SESSIONS, _sessions(n))
    rows = folder.run(Settings(duckdb_threads=4)).rows("remote_sessions", "_row, session_id")
    assert len(rows) == n
    assert all(r == i + 2 and s == f"S{i:07d}" for i, (r, s) in enumerate(rows))


def test_row_numbers_with_blank_records_in_a_large_file(folder: Folder) -> None:
    rows = _sessions(200_000)
    rows.insert(150_000, ["", "", "", ""])
    folder.csv("remote_sessions.csv", SESSIONS, rows)
    got = folder.run().rows("remote_sessions", "_row, session_id")
    assert len(got) == 200_000
    assert got[149_999] == (150_001, "S0149999") and got[150_000] == (150_003, "S0150000")


def test_blank_records_are_skipped_like_empty_spreadsheet_rows(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status,name\nE1,active,a\n,,\n ,\u3000, \nE2,leave,b\n")
    assert folder.run().rows("people", "_row, person_id") == [(2, "E1"), (5, "E2")]


def test_fast_and_explaining_passes_build_the_same_table(folder: Folder) -> None:
    values = [["S1", "E1", "2025-10-01 08:00", "ssl_vpn"], ["S2", " E2 ", "114/10/01 下午 01:00", "IPSEC"],
              ["S3", "E3", "2025-10-01T00:00:00Z", "ztna"]]
    folder.csv("remote_sessions.csv", SESSIONS, values)
    fast = folder.run().rows("remote_sessions", "* EXCLUDE (_file)")
    folder.csv("remote_sessions.csv", SESSIONS, [*values, ["", "", "", ""]])  # a blank row: explaining pass
    explained = folder.run().rows("remote_sessions", "* EXCLUDE (_file)")
    assert fast == explained


# --- duplicates ------------------------------------------------------------------------------------


def test_exact_duplicate_records_are_dropped_with_a_warning(folder: Folder) -> None:
    folder.csv("remote_sessions_a.csv", SESSIONS, _sessions(5))
    folder.csv("remote_sessions_b.csv", SESSIONS, _sessions(5, start=3))  # overlaps S3, S4
    imported = folder.run()
    assert imported.rows("remote_sessions", "session_id, _row", "session_id") == [
        ("S0000000", 2), ("S0000001", 3), ("S0000002", 4), ("S0000003", 5), ("S0000004", 6),
        ("S0000005", 4), ("S0000006", 5), ("S0000007", 6)]
    assert "remote_sessions: 2 exact duplicate record(s) dropped" in imported.manifest.warnings
    assert [(e.original_name, e.rows, e.duplicate_rows_dropped) for e in imported.manifest.files] == [
        ("remote_sessions_a.csv", 5, 0), ("remote_sessions_b.csv", 5, 2)]


def test_duplicate_in_one_file_keeps_the_first(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\nE2,leave\nE1,active\n")
    imported = folder.run()
    assert imported.rows("people", "person_id, _row") == [("E1", 2), ("E2", 3)]


def test_same_key_different_content_is_an_error_naming_both_rows(folder: Folder) -> None:
    folder.csv("people_a.csv", ["person_id", "employment_status"], [["E1", "active"], ["E2", "active"]])
    folder.csv("people_b.csv", ["person_id", "employment_status"], [["E3", "active"], ["E2", "terminated"]])
    assert one_issue(folder.fail()) == (
        "people_a.csv, row 3: people: person_id=E2 appears 2 times with different content "
        "(people_a.csv row 3; people_b.csv row 3) (expected one record per person_id)")


def test_list_values_count_as_content_and_follow_the_kept_record(folder: Folder) -> None:
    header = ["device_id", "device_type", "default_password_changed", "open_ports"]
    folder.csv("iot_inventory_a.csv", header, [["D1", "cam", "Y", "443;554"]])
    folder.csv("iot_inventory_b.csv", header, [["D1", "cam", "Y", "443;554"], ["D2", "tv", "N", "80"]])
    imported = folder.run()
    assert imported.rows("iot_inventory__open_ports", "device_id, value", "device_id, value") == [
        ("D1", "443"), ("D1", "554"), ("D2", "80")]
    folder.csv("iot_inventory_b.csv", header, [["D1", "cam", "Y", "443"]])
    assert "device_id=D1 appears 2 times with different content" in one_issue(folder.fail())


def test_identical_files_are_imported_once(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    folder.csv("copy/people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    imported = folder.run()
    assert imported.rows("people", "person_id") == [("E1",)]
    assert imported.manifest.skipped_duplicates == ["people.csv is the same file as people.csv; imported once"]


def test_keys_compare_typed_values(folder: Folder) -> None:
    header = ["person_id", "course_id", "topic", "completed_on"]
    folder.csv("training_records.csv", header, [["E1", "C1", "iot", "2025-05-20"], ["E1", "C1", "物聯網", "114/05/20"]])
    assert folder.run().rows("training_records", "person_id, completed_on") == [("E1", dt.date(2025, 5, 20))]


# --- errors ----------------------------------------------------------------------------------------


def test_all_problems_of_a_file_are_reported_in_row_and_column_order(folder: Folder) -> None:
    folder.csv("remote_sessions.csv", [*SESSIONS, "end_time", "mfa_method"], [
        ["S1", "E1", "2025-10-01 08:00", "ssl_vpn", "", ""],
        ["S2", "", "yesterday", "fax", "later", "none"],
        ["S3", "E3", "2025-10-01 08:00", "ssl_vpn", "", "retina"],
    ])
    assert [str(i) for i in folder.fail().issues] == [
        "remote_sessions.csv, row 3, column 'person_id': required value is empty (expected text)",
        "remote_sessions.csv, row 3, column 'start_time': value not understood (got 'yesterday'; expected a date "
        "and time, e.g. 2024-05-15 08:30:00 (local) or 2024-05-15T00:30:00Z)",
        "remote_sessions.csv, row 3, column 'channel': value not understood (got 'fax'; expected one of ssl_vpn, "
        "ipsec_vpn, ztna, vdi, rdp_direct, ssh, telnet, http, other)",
        "remote_sessions.csv, row 3, column 'end_time': value not understood (got 'later'; expected a date and "
        "time, e.g. 2024-05-15 08:30:00 (local) or 2024-05-15T00:30:00Z)",
        "remote_sessions.csv, row 4, column 'mfa_method': value not understood (got 'retina'; expected one of "
        "none, otp, totp, push, sms, hardware_token, certificate)",
    ]


def test_problems_are_collected_up_to_the_limit_per_file(folder: Folder) -> None:
    rows = [[f"E{i}", "unknown"] for i in range(20)]
    folder.csv("people.csv", ["person_id", "employment_status"], rows)
    folder.csv("roles.csv", ["role_id", "remote_start"], [["R1", "8am"], ["R2", "9am"]])
    error = folder.fail(Settings(max_issues_per_file=5))
    people = [i for i in error.issues if i.file == "people.csv"]
    roles = [i for i in error.issues if i.file == "roles.csv"]
    assert [i.row for i in people] == [2, 3, 4, 5, 6]
    assert [i.row for i in roles] == [2, 3]
    assert error.truncated
    assert "(more problems were found; fix these and run again)" in str(error)


def test_problems_from_every_file_are_reported_together(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id"], [["E1"]])
    folder.csv("roles.csv", ["role_id", "remote_start"], [["R1", "25:00"]])
    folder.write("remote_sessions.csv", "session_id,person_id,start_time,channel\nS1,E1,2025-10-01,ssl_vpn,x\n")
    folder.write("iot_inventory.xlsx", b"not a workbook")
    error = folder.fail()
    assert sorted({i.file for i in error.issues}) == ["iot_inventory.xlsx", "people.csv", "remote_sessions.csv",
                                                     "roles.csv"]
    assert str(error).startswith("4 evidence problem(s); nothing was imported:")


# --- atomicity -------------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_failed_import_leaves_nothing_behind(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    folder.csv("roles.csv", ["role_id", "remote_start"], [["R1", "25:00"]])
    folder.fail()
    assert not folder.workspace.exists()
    assert not (folder.out / "evidence").exists()
    assert _snapshot(folder.out) == {}
    assert [p.name for p in folder.out.iterdir()] == []  # no scratch folder either


def test_a_failed_import_leaves_the_previous_workspace_untouched(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    folder.run()
    before = _snapshot(folder.out)
    assert "workspace.duckdb" in before and "evidence/manifest.json" in before
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"], ["E2", "unknown"]])
    folder.csv("roles.csv", ["role_id"], [["R1"]])
    folder.fail()
    assert _snapshot(folder.out) == before
    with duckdb.connect(str(folder.workspace), read_only=True) as con:
        assert con.execute("SELECT person_id FROM people").fetchall() == [("E1",)]


def test_a_clean_import_replaces_the_previous_one(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"]])
    folder.run()
    (folder.out / "workspace.duckdb.wal").write_bytes(b"stale log of the old workspace")
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "active"], ["E2", "leave"]])
    imported = folder.run()
    assert imported.column("people", "person_id") == ["E1", "E2"]
    assert not (folder.out / "workspace.duckdb.wal").exists()
    assert len(list((folder.out / "evidence" / "blobs").iterdir())) == 2  # both versions kept
    assert [e.rows for e in folder.store.read_manifest().files] == [2]


def test_validation_error_lists_issues(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [["E1", "asleep"]])
    with pytest.raises(EvidenceValidationError) as info:
        folder.run()
    assert info.value.issues[0].row == 2
    assert info.value.issues[0].column == "employment_status"
    assert info.value.issues[0].value == "asleep"
