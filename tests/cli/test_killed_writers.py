"""A `ccaudit inspect --out R` or `ccaudit report --out DIR` killed with SIGKILL leaves its hidden work
folder behind; the next command into the same place removes it and says so, and never touches the
folder of one still at work (each writer holds a lock: ccaudit.writerlock). The killed commands are real
subprocesses; the tests wait for the work folder to appear, kill, then assert on what happened: a
command that finished before the kill must have left a complete result and nothing else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .inprocess import FIRM_HEADER, ccaudit, inspect

HOLD = """
import sys
from pathlib import Path
from ccaudit.writerlock import WriterLock
with WriterLock(Path(sys.argv[1])):
    Path(sys.argv[2]).mkdir()
    print("holding", flush=True)
    sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # a path is printed on one line


def _evidence(root: Path) -> Path:
    folder = root / "ev"
    folder.mkdir()
    rows = "".join(f"S{i},E{i % 7},2026-10-01 09:{i % 60:02d}:00,ssl_vpn,none\n" for i in range(2000))
    (folder / "remote_sessions.csv").write_text("session_id,person_id,start_time,channel,mfa_method\n" + rows,
                                                 encoding="utf-8")
    (folder / "people.csv").write_text("person_id,employment_status\nE1,active\n", encoding="utf-8")
    (folder / "firm_profile.csv").write_text(FIRM_HEADER + "9A00,範例證券,N,N,N,N,N,Y\n", encoding="utf-8")
    return folder


def _start(*args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.Popen([sys.executable, "-m", "ccaudit", *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_once_present(proc: subprocess.Popen[bytes], folder: Path, pattern: str) -> bool:
    """SIGKILL `proc` as soon as a `pattern` entry exists in `folder`; False if it finished first."""
    deadline = time.monotonic() + 300  # a guard against a hung test, not an assertion
    while proc.poll() is None and time.monotonic() < deadline:
        if folder.is_dir() and any(folder.glob(pattern)):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    return proc.wait() == -signal.SIGKILL


def _complete_result(out: Path) -> None:
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    assert findings["run_id"] and findings["run_id"] == manifest["run_id"]


def _hidden(parent: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(prefix))


def test_a_killed_inspect_leaves_a_folder_the_next_inspect_removes(tmp_path: Path) -> None:
    evidence, out = _evidence(tmp_path), tmp_path / "R"
    assert inspect(evidence, out).code == 0
    killed = _kill_once_present(
        _start("inspect", evidence, "--as-of", "2026-11-30", "--out", out), tmp_path, ".R.ccaudit-new-*"
    )
    left = _hidden(tmp_path, ".R.ccaudit-")
    if not killed:  # it finished first: a whole result and nothing beside it
        assert left == []
        _complete_result(out)
        return
    folders = [name for name in left if not name.endswith((".lock", ".lock.new"))]
    run = inspect(evidence, out)
    assert run.code == 0, run.text
    for name in folders:
        assert f"removed {tmp_path / name}, left by an inspection into {out} that was killed" in run.text
    assert _hidden(tmp_path, ".R.ccaudit-") == []
    _complete_result(out)


def test_a_concurrent_inspects_folder_is_never_removed(tmp_path: Path) -> None:
    evidence, out = _evidence(tmp_path), tmp_path / "R"
    busy = tmp_path / ".R.ccaudit-new-0123456789ab"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, tmp_path / ".R.ccaudit-0123456789ab.lock", busy],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
        run = inspect(evidence, out)
        assert run.code == 0 and "removed" not in run.text, run.text
        assert busy.is_dir()  # its writer is at work
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    run = inspect(evidence, out)  # now its writer is gone
    assert run.code == 0 and f"removed {busy}" in run.text, run.text
    assert not busy.exists() and _hidden(tmp_path, ".R.ccaudit-") == []


def test_a_killed_report_leaves_a_staging_folder_the_next_report_removes(tmp_path: Path) -> None:
    evidence, results, reports = _evidence(tmp_path), tmp_path / "R", tmp_path / "reports"
    assert inspect(evidence, results).code == 0
    killed = _kill_once_present(
        _start("report", results, "--format", "all", "--out", reports), reports, ".ccaudit-report-*"
    )
    left = [name for name in _hidden(reports, ".ccaudit-report-") if not name.endswith((".lock", ".lock.new"))]
    if not killed:
        assert left == [] and (reports / "checklist.xlsx").is_file() and (reports / "report.pdf").is_file()
        return
    run = ccaudit("report", results, "--format", "xlsx", "--out", reports)
    assert run.code == 0, run.text
    for name in left:
        assert f"removed {reports / name}, left by a report that was killed" in run.text
    assert _hidden(reports, ".ccaudit-report-") == [] and (reports / "checklist.xlsx").is_file()


def test_a_concurrent_reports_staging_folder_is_never_removed(tmp_path: Path) -> None:
    evidence, results, reports = _evidence(tmp_path), tmp_path / "R", tmp_path / "reports"
    assert inspect(evidence, results).code == 0
    reports.mkdir()
    busy = reports / ".ccaudit-report-0123456789ab"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, reports / ".ccaudit-report-0123456789ab.lock", busy],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
        run = ccaudit("report", results, "--format", "json", "--out", reports)
        assert run.code == 0 and "removed" not in run.text, run.text
        assert busy.is_dir()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    run = ccaudit("report", results, "--format", "json", "--out", reports)
    assert run.code == 0 and f"removed {busy}, left by a report that was killed" in run.text, run.text
    assert _hidden(reports, ".ccaudit-report-") == []
