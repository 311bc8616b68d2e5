"""What a firm hands in: which files are evidence of which dataset, and the options of evidence.yaml."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ccaudit.errors import EvidenceError
from ccaudit.evidence.sources import date_in_name, discover, load_config

from .helpers import REGISTRY, Folder


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("remote_sessions_2025-10-31.csv", dt.date(2025, 10, 31)),
        ("remote_sessions_20251031.csv", dt.date(2025, 10, 31)),
        ("人員清冊_1141031.xlsx", dt.date(2025, 10, 31)),
        ("people-114-10-31.csv", dt.date(2025, 10, 31)),
        ("people 2024-02-29.csv", dt.date(2024, 2, 29)),
        ("people_20251331_20251030.csv", dt.date(2025, 10, 30)),  # the first date that exists
        ("people.csv", None),
        ("people_2025.csv", None),
        ("people_v12345678901.csv", None),
    ],
)
def test_effective_date_in_file_names(name: str, expected: dt.date | None) -> None:
    assert date_in_name(name) == expected


def test_effective_date_precedence(folder: Folder) -> None:
    folder.write("people_20251031.csv", "person_id,employment_status\nE1,active\n")
    folder.write("roles.csv", "role_id\nR1\n")
    folder.write("sub/remote_gateways_2025-09-30.csv", "gateway_id,product,version\nG1,p,1\n")
    folder.config({
        "effective_date": "2025-06-30",
        "files": {"sub/remote_gateways_2025-09-30.csv": {"effective_date": "2025-08-31"}},
    })
    files, _ = discover(folder.evidence, REGISTRY)
    dates = {f.path.name: f.effective_date for f in files}
    assert dates == {
        "people_20251031.csv": dt.date(2025, 10, 31),  # from the name
        "roles.csv": dt.date(2025, 6, 30),  # the folder's default
        "remote_gateways_2025-09-30.csv": dt.date(2025, 8, 31),  # stated for the file
    }
    imported = folder.run()
    with imported.connect() as con:
        rows = con.execute("SELECT original_name, effective_date, row_count FROM evidence_files ORDER BY 1").fetchall()
    assert rows == [("people_20251031.csv", dt.date(2025, 10, 31), 1),
                    ("remote_gateways_2025-09-30.csv", dt.date(2025, 8, 31), 1),
                    ("roles.csv", dt.date(2025, 6, 30), 1)]


def test_files_found_by_dataset_id_alias_or_chinese_name(folder: Folder) -> None:
    for name in ["remote_sessions_part1.csv", "vpn_sessions.csv", "遠端連線紀錄_10月.xlsx", "人員清冊.json",
                 "hr_export.parquet", "notes.docx", "unrelated.csv", "a/b/roles.tsv"]:
        folder.write(name, "x")
    files, ignored = discover(folder.evidence, REGISTRY)
    found = {f.path.relative_to(folder.evidence).as_posix(): f.dataset for f in files}
    assert found == {
        "remote_sessions_part1.csv": "remote_sessions",
        "vpn_sessions.csv": "remote_sessions",
        "遠端連線紀錄_10月.xlsx": "remote_sessions",
        "人員清冊.json": "people",
        "hr_export.parquet": "people",
        "a/b/roles.tsv": "roles",
    }
    assert sorted(ignored) == ["notes.docx", "unrelated.csv"]


def test_the_longest_matching_name_wins(folder: Folder) -> None:
    folder.write("social_account_admins.csv", "x")
    folder.write("social_accounts.csv", "x")
    files, _ = discover(folder.evidence, REGISTRY)
    assert {f.path.name: f.dataset for f in files} == {
        "social_account_admins.csv": "social_account_admins", "social_accounts.csv": "social_accounts"}


def test_evidence_yaml_names_a_dataset_for_any_file_name(folder: Folder) -> None:
    folder.write("export_0001.csv", "person_id,employment_status\nE1,active\n")
    folder.config({"files": {"export_0001.csv": {"dataset": "people"}}})
    imported = folder.run()
    assert imported.column("people", "person_id") == ["E1"]
    assert imported.manifest.files[0].dataset == "people"


def test_evidence_yaml_is_not_evidence_and_unknown_files_are_listed(folder: Folder) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\n")
    folder.write("readme.txt", "hello")
    folder.config({})
    imported = folder.run()
    assert imported.manifest.ignored_files == ["readme.txt"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("files:\n  missing.csv: {dataset: people}\n", "evidence.yaml names missing.csv, which is not in"),
        ("files:\n  people.csv: {dataset: staff}\n", "evidence.yaml: people.csv: unknown dataset 'staff'"),
        ("files:\n  people.csv: {colour: blue}\n", "invalid evidence.yaml"),
        ("effective_date: not-a-date\n", "invalid evidence.yaml"),
        ("files: [\n", "invalid evidence.yaml"),
    ],
)
def test_invalid_evidence_yaml(folder: Folder, config: str, message: str) -> None:
    folder.write("people.csv", "person_id,employment_status\nE1,active\n")
    folder.write("evidence.yaml", config)
    with pytest.raises(EvidenceError, match=message):
        discover(folder.evidence, REGISTRY)
    assert not folder.out.exists() or not any(folder.out.iterdir())


def test_empty_evidence_yaml(folder: Folder) -> None:
    folder.write("evidence.yaml", "")
    assert load_config(folder.evidence).files == {}


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="not a folder of evidence files"):
        discover(tmp_path / "nope", REGISTRY)


def test_every_file_not_imported_is_listed_with_the_reason(folder: Folder) -> None:
    for name in ["people.csv", ".DS_Store", "Thumbs.db", "~$roles.xlsx", ".~lock.roles.xlsx#", "._people.csv",
                 "__MACOSX/people.csv", ".gitignore", ".git/objects/ab/cdef", ".git/HEAD", "notes.docx",
                 "unrelated.csv", "sub/evidence.yaml"]:
        folder.write(name, "x")
    files, ignored = discover(folder.evidence, REGISTRY)
    assert [f.path.name for f in files] == ["people.csv"]
    assert ignored == {
        "._people.csv": "macOS resource fork",
        ".DS_Store": "macOS folder settings",
        ".git/": "hidden folder (2 file(s))",
        ".gitignore": "hidden file (its name starts with a dot)",
        ".~lock.roles.xlsx#": "office lock file of an open document",
        "Thumbs.db": "Windows thumbnail cache",
        "__MACOSX/people.csv": "macOS archive metadata",
        "notes.docx": "not a format ccaudit reads (.docx)",
        "sub/evidence.yaml": "an evidence.yaml is read only at the top of the folder",
        "unrelated.csv": "its name matches no dataset (name it after one, or map it in evidence.yaml)",
        "~$roles.xlsx": "office lock file of an open document",
    }


@pytest.mark.parametrize("name", ["..remote_sessions_2025-11.csv", ".people.csv", ".old/roles.xlsx"])
def test_a_hidden_file_named_like_evidence_is_refused(folder: Folder, name: str) -> None:
    folder.write(name, "x")
    with pytest.raises(EvidenceError, match=r"hidden file\(s\) named like evidence: " + re.escape(name)):
        discover(folder.evidence, REGISTRY)


def test_evidence_yaml_can_name_a_hidden_file(folder: Folder) -> None:
    folder.write(".people.csv", "person_id,employment_status\nE1,active\n")
    folder.config({"files": {".people.csv": {"dataset": "people"}}})
    assert folder.run().column("people", "person_id") == ["E1"]
