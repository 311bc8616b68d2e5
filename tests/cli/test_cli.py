"""The command line as a user drives it: real subprocesses, exit codes, files written, messages read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def ccaudit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccaudit", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}, timeout=600,
    )


def test_catalog_lists_requirements_in_traditional_chinese() -> None:
    out = ccaudit("catalog", "--lang", "zh-TW")
    assert out.returncode == 0, out.stderr
    assert "12.5.9" in out.stdout and "遠距辦公" in out.stdout


def test_templates_are_written_and_import_back_cleanly(tmp_path: Path) -> None:
    out = ccaudit("templates", "--out", tmp_path / "t", "--lang", "zh-TW")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "t" / "remote_sessions.csv").read_text(encoding="utf-8-sig").startswith("連線編號,")
    assert (tmp_path / "t" / "remote_sessions.xlsx").exists()
    assert "remote_sessions" in (tmp_path / "t" / "README.md").read_text(encoding="utf-8")
    evidence = tmp_path / "ev"
    evidence.mkdir()
    for csv_file in (tmp_path / "t").glob("*.csv"):
        if csv_file.stem != "firm_profile":  # an empty profile is refused: it must have one row
            (evidence / csv_file.name).write_bytes(csv_file.read_bytes())
    run = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    # No firm profile: nothing that depends on scope is decided. The only compliant items are those
    # whose every check passed on registers supplied empty (no company devices: nothing to reset).
    for finding in report["findings"]:
        if finding["status"] == "compliant":
            assert finding["checks"] and all(c["outcome"] == "passed" for c in finding["checks"])
            assert all(ref["rows"] == 0 for c in finding["checks"] for ref in c["evidence"])
    assert report["counts"]["needs_review"] >= 20


def test_bad_evidence_exits_2_naming_file_row_column_and_writes_nothing(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "remote_sessions.csv").write_text(
        "session_id,person_id,start_time,channel,mfa_method\n"
        "S1,E1,2026-10-01 09:00:00,ssl_vpn,totp\n"
        "S2,E2,2026-02-30 09:00:00,ssl_vpn,totp\n"
        "S3,E3,2026-10-01 09:00:00,pigeon,totp\n",
        encoding="utf-8",
    )
    (evidence / "people.csv").write_text("person_id,employment_status\nE1,active\n", encoding="utf-8")
    out = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "remote_sessions.csv, row 3, column 'start_time'" in out.stderr
    assert "'2026-02-30 09:00:00'" in out.stderr
    assert "row 4, column 'channel'" in out.stderr and "pigeon" in out.stderr
    assert not (tmp_path / "r" / "findings.json").exists()
    assert not (tmp_path / "r" / "evidence" / "manifest.json").exists()
    assert not list((tmp_path / "r").glob("**/*.duckdb"))


@pytest.mark.parametrize("args", [
    ("inspect", "/nonexistent/folder", "--as-of", "2026-11-30", "--out", "/tmp/x"),
    ("inspect", ".", "--as-of", "30/11/2026", "--out", "/tmp/x"),
])
def test_usage_errors_exit_2_without_a_traceback(args: tuple[str, ...]) -> None:
    out = ccaudit(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "error" in out.stderr.lower()


def test_fail_on_gates_a_pipeline(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "attestations.csv").write_text("requirement_id,result,attested_by,attested_on\n", "utf-8")
    ok = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert ok.returncode == 0
    gated = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r", "--fail-on", "needs_review")
    assert gated.returncode == 1


def test_an_empty_firm_profile_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "firm_profile.csv").write_text("firm_id,firm_name,uses_cloud,is_cloud_provider,"
                                               "has_official_social_pages,allows_byod,has_iot,allows_remote_work\n",
                                               encoding="utf-8")
    out = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "r")
    assert out.returncode == 2
    assert "firm_profile must have exactly one row" in out.stderr
