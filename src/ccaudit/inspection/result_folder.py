"""A result folder is replaced whole or not at all.

An inspection writes into a new hidden sibling folder; only when everything is written is the old
folder renamed aside, the new one renamed into its place (two renames in one directory), and the old
one deleted. A refused or failed run deletes its sibling and any parent folders it created, so the
previous result stays as it was and no empty folder is left behind. A run killed outright (kill -9)
cannot clean up: it holds a lock (ccaudit.writerlock) while it writes, and the next run into the same
folder removes what a run whose lock is free left behind. Each run gets an ID, recorded in
findings.json and evidence/manifest.json, so a folder mixed from two runs is recognised.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ccaudit.errors import CcauditError
from ccaudit.evidence.store import Manifest
from ccaudit.findings.models import InspectionReport
from ccaudit.textsafe import visible
from ccaudit.writerlock import WriterLock, abandoned, locks, remove, token

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


@dataclass
class Target:
    """Where a run writes (`work`, renamed to the result folder when complete), and what a killed
    earlier run had left beside the result folder and this one removed (or put back) first."""

    work: Path
    cleaned: list[Path] = field(default_factory=list)


@contextmanager
def replacing(out: Path, evidence: Path) -> Iterator[Target]:
    """A new, empty folder to write a result into; on success it becomes `out` (replacing it)."""
    out = Path(os.path.abspath(out))
    _check_target(out, evidence.resolve())
    created = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    work, old = _work(out, "new", token), _work(out, "old", token)
    try:
        # Held from before `work` exists until the old result is gone: what a killed run leaves is
        # recognised by its free lock, and a concurrent run's folder (its lock held) is never touched.
        with WriterLock(_lock(out, token)):
            target = Target(work, clean_leftovers(out))
            work.mkdir()
            try:
                yield target
                if out.exists():
                    os.rename(out, old)
                try:
                    os.rename(work, out)
                except OSError:
                    if old.exists() and not out.exists():
                        os.rename(old, out)
                    raise
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        for folder in created:  # innermost first; only folders this run created, and only if empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _work(out: Path, kind: str, token: str) -> Path:
    return out.parent / f".{out.name}.ccaudit-{kind}-{token}"


def _lock(out: Path, token: str) -> Path:
    return out.parent / f".{out.name}.ccaudit-{token}.lock"


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what inspections into `out` killed earlier left beside it (their lock is free): the folder
    being written; the previous result renamed aside goes back into place if the kill came between the
    two renames (so `out` is whole or as it was), else it is removed. Returns what went."""
    removed: list[Path] = []
    prefix = f".{out.name}.ccaudit-"
    for lock in abandoned(locks(out.parent, prefix)):
        work, old = _work(out, "new", token(lock, prefix)), _work(out, "old", token(lock, prefix))
        if work.exists() or work.is_symlink():
            remove(work)
            removed.append(work)
        if old.is_dir() and not old.is_symlink():
            if not out.exists() and not out.is_symlink():
                os.rename(old, out)  # killed between its two renames: the previous result stays
            else:
                remove(old)
                removed.append(old)
    return removed
