"""Nonsense evidence through the real CLI (issue 9): it is refused or makes a requirement needs_review,
never changes a verdict to compliant."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ccaudit.evidence.templates import TemplateRegistry

from .inprocess import FIRM_HEADER, ccaudit, inspect, tree

REGISTRY = TemplateRegistry.load()


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm with everything in scope: evidence/ and its inspection in results/."""
    root = tmp_path_factory.mktemp("demo") / "d"
    made = ccaudit("demo", "--out", root, "--scale", "0.02", "--all-in-scope")
    assert made.code == 0, made.text
    return root


def _findings(result: Path) -> dict[str, dict[str, Any]]:
    report = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    return {f["requirement_id"]: f for f in report["findings"]}


def _header_only(demo: Path, dataset: str, folder: Path) -> Path:
    """The demo's evidence with `dataset` replaced by a file holding its header and no record."""
    shutil.copytree(demo / "evidence", folder)
    manifest = json.loads((demo / "results" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["dataset"] == dataset:
            (folder / entry["original_name"]).unlink()
    header = ",".join(f.name for f in REGISTRY[dataset].fields)
    (folder / f"{dataset}.csv").write_text(header + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("dataset", "requirements"), [
    ("people", ["12.4.6", "12.5.3", "12.5.9"]),
    ("roles", ["12.5.3"]),
    ("device_apps", ["12.3.1.3"]),
    ("remote_sessions", ["12.5.5"]),
    ("byod_register", ["12.3.2.2"]),
    ("website_outbound_links", ["12.2.3.2"]),
])
def test_a_register_with_only_a_header_makes_what_needs_it_needs_review(
    demo: Path, tmp_path: Path, dataset: str, requirements: list[str]
) -> None:
    evidence = _header_only(demo, dataset, tmp_path / "ev")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 0, run.text
    assert f"warning: {dataset}.csv: 0 record(s) of {dataset}" in run.text
    findings = _findings(tmp_path / "r")
    for requirement in requirements:
        finding = findings[requirement]
        assert finding["status"] == "needs_review", (requirement, finding["reasons"])
        assert any(f"{dataset} supplied without records ({dataset}.csv)" in r for r in finding["reasons"])
    # nothing that needs the register is compliant
    for finding in findings.values():
        if any(dataset in c["missing_datasets"] for c in finding["checks"]):
            assert finding["status"] != "compliant", finding


def test_an_empty_register_out_of_scope_says_nothing(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "firm_profile.csv").write_text(FIRM_HEADER + "9A00,範例證券,N,N,N,N,N,N\n", encoding="utf-8")
    (evidence / "people.csv").write_text("person_id,employment_status\nE1,active\n", encoding="utf-8")
    (evidence / "roles.csv").write_text("role_id,role_name\n", encoding="utf-8")  # remote work not allowed
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 0, run.text
    report = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    assert not [w for w in report["warnings"] if "roles" in w]
    assert all(f["status"] == "not_applicable" for f in report["findings"] if f["requirement_id"].startswith("12.5"))


# --- values out of range ------------------------------------------------------------------------------


@pytest.mark.parametrize("interval", ["9999", "1e3", "-12", "0", "37"])
def test_a_review_interval_out_of_range_is_refused(tmp_path: Path, interval: str) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "firm_profile.csv").write_text(
        FIRM_HEADER.rstrip("\n") + ",review_interval_months\n" + f"9A00,範例證券,Y,N,Y,Y,Y,Y,{interval}\n",
        encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2, run.text
    assert (f"firm_profile.csv, row 2, column 'review_interval_months': value out of range (got '{interval}'; "
            "expected a value from 1 to 36)") in run.text
    assert tree(tmp_path / "r") == {}


def test_a_negative_recovery_time_and_a_year_9999_are_refused(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "cloud_services.csv").write_text(
        "service_id,provider,service_name,required_rto_hours,provider_rto_hours,last_audit_on\n"
        "CS1,p,mail,4,-8,2026-01-01\n"
        "CS2,p,files,4,2,9999-01-01\n", encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2, run.text
    assert ("cloud_services.csv, row 2, column 'provider_rto_hours': value out of range (got '-8'; "
            "expected a value from 0 to 8760)") in run.text
    assert ("cloud_services.csv, row 3, column 'last_audit_on': value out of range (got '9999-01-01'; "
            "expected a value from 1990-01-01 to 2100-12-31)") in run.text


# --- look-alike identifiers and two-digit years -------------------------------------------------------


def _remote_firm(folder: Path, person_in_sessions: str, start: str = "2026-10-01 09:00:00") -> Path:
    folder.mkdir()
    (folder / "firm_profile.csv").write_text(FIRM_HEADER + "9A00,範例證券,N,N,N,N,N,Y\n", encoding="utf-8")
    (folder / "people.csv").write_text("person_id,employment_status,remote_allowed\nE001,active,Y\n",
                                       encoding="utf-8")
    (folder / "remote_sessions.csv").write_text(
        f"session_id,person_id,start_time,channel,mfa_method\nS1,{person_in_sessions},{start},ssl_vpn,totp\n",
        encoding="utf-8")
    return folder


@pytest.mark.parametrize("person", ["Ｅ００１", "E\u200b001", "\ufeffE001", "E001\u200f", "E0\u202e01"])
def test_a_look_alike_identifier_is_the_same_person(tmp_path: Path, person: str) -> None:
    run = inspect(_remote_firm(tmp_path / "ev", person), tmp_path / "r")
    assert run.code == 0, run.text
    check = next(c for f in _findings(tmp_path / "r").values() for c in f["checks"]
                 if c["check_id"] == "remote_user_authorized")
    assert check["outcome"] == "passed", check


def test_an_identifier_of_invisible_characters_is_refused(tmp_path: Path) -> None:
    run = inspect(_remote_firm(tmp_path / "ev", "\u200b\u200b"), tmp_path / "r")
    assert run.code == 2, run.text
    assert ("remote_sessions.csv, row 2, column 'person_id': identifier has nothing visible once invisible "
            "characters are removed") in run.text
    assert tree(tmp_path / "r") == {}


@pytest.mark.parametrize(("start", "readings"), [
    ("24/05/15 09:00", "ROC 24 = 1935-05-15, or 2024-05-15"),
    ("99/12/31 09:00", "ROC 99 = 2010-12-31, or 1999-12-31"),
])
def test_a_two_digit_year_is_refused_naming_both_readings(tmp_path: Path, start: str, readings: str) -> None:
    run = inspect(_remote_firm(tmp_path / "ev", "E001", start), tmp_path / "r")
    assert run.code == 2, run.text
    assert (f"remote_sessions.csv, row 2, column 'start_time': two-digit year is ambiguous: {readings}"
            in run.text)


@pytest.mark.parametrize("start", ["115/10/01 09:00", "民國115年10月1日 09:00", "115-10-01T09:00:00+08:00"])
def test_three_digit_roc_years_still_read(tmp_path: Path, start: str) -> None:
    run = inspect(_remote_firm(tmp_path / "ev", "E001", start), tmp_path / "r")
    assert run.code == 0, run.text


# --- files that are not imported ---------------------------------------------------------------------


def test_a_hidden_file_named_like_evidence_is_refused_not_skipped(tmp_path: Path) -> None:
    evidence = _remote_firm(tmp_path / "ev", "E001")
    (evidence / "..remote_sessions_2025-11.csv").write_text("session_id,person_id\nS9,E9\n", encoding="utf-8")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 2, run.text
    assert "hidden file(s) named like evidence: ..remote_sessions_2025-11.csv (named like remote_sessions)" in run.text
    assert "rename without the dot to import" in run.text
    assert tree(tmp_path / "r") == {}


def test_every_other_file_is_listed_as_not_imported_with_the_reason(tmp_path: Path) -> None:
    evidence = _remote_firm(tmp_path / "ev", "E001")
    for name in (".DS_Store", "Thumbs.db", "~$lock.xlsx", "notes.docx"):
        (evidence / name).write_bytes(b"\x00\x01")
    run = inspect(evidence, tmp_path / "r")
    assert run.code == 0, run.text
    expected = {".DS_Store": "macOS folder settings", "Thumbs.db": "Windows thumbnail cache",
                "~$lock.xlsx": "office lock file of an open document",
                "notes.docx": "not a format ccaudit reads (.docx)"}
    for name, reason in expected.items():
        assert f"warning: not imported: {name}: {reason}" in run.text
    manifest = json.loads((tmp_path / "r" / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ignored_reasons"] == expected
    report = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    assert {f"not imported: {n}: {r}" for n, r in expected.items()} <= set(report["warnings"])
