"""A result folder is replaced whole or not at all.

An inspection writes into a new hidden sibling folder; only when everything is written is the old
folder renamed aside, the new one renamed into its place (two renames in one directory), and the old
one deleted. A refused or failed run deletes its sibling and any parent folders it created, so the
previous result stays as it was and no empty folder is left behind. Each run gets an ID, recorded in
findings.json and evidence/manifest.json, so a folder mixed from two runs is recognised.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ccaudit.errors import CcauditError
from ccaudit.evidence.store import Manifest
from ccaudit.findings.models import InspectionReport
from ccaudit.textsafe import visible

# what marks a folder as a result folder that may be replaced (a folder with other files is refused)
MARKERS = ("findings.json", "workspace.duckdb", "evidence/manifest.json")


def new_run_id() -> str:
    return uuid.uuid4().hex


def mixed_runs(result_dir: Path, report: InspectionReport, manifest: Manifest) -> str | None:
    """Why findings.json and evidence/manifest.json of `result_dir` do not come from one inspection run
    (each names the run that wrote it), or None when they do."""
    shown = visible(str(result_dir))
    if manifest.run_id != report.run_id:
        return (f"{shown} mixes two inspection runs: findings.json is run {report.run_id}, "
                f"evidence/manifest.json run {manifest.run_id}")
    if {e.sha256 for e in report.evidence} != {e.sha256 for e in manifest.files}:
        return (f"{shown} mixes two inspection runs: findings.json names other evidence files than "
                "evidence/manifest.json")
    return None


def _check_target(out: Path, evidence: Path) -> None:
    shown = visible(str(out))
    if out == evidence or evidence.is_relative_to(out):
        raise CcauditError(f"{shown}: the result folder would replace the evidence folder; choose another --out")
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir():
            raise CcauditError(f"{shown}: exists and is not a folder; choose another --out")
        if any(out.iterdir()) and not any((out / m).exists() for m in MARKERS):
            raise CcauditError(
                f"{shown}: exists and is not a ccaudit result folder; choose a new or empty folder for --out"
            )


@contextmanager
def replacing(out: Path, evidence: Path) -> Iterator[Path]:
    """A new, empty folder to write a result into; on success it becomes `out` (replacing it)."""
    out = Path(os.path.abspath(out))
    _check_target(out, evidence.resolve())
    created = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.ccaudit-new-{uuid.uuid4().hex[:12]}"
    work.mkdir()
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        for folder in created:  # innermost first; only folders this run created, and only if empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    old = out.parent / f".{out.name}.ccaudit-old-{uuid.uuid4().hex[:12]}"
    if out.exists():
        os.rename(out, old)
    os.rename(work, out)
    shutil.rmtree(old, ignore_errors=True)
