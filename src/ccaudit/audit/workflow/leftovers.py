"""What a killed run leaves under DATA_DIR/runs, and cleaning it up without touching a running one.

A run writes `.partial-<uid>` (and the inspection's own `..partial-<uid>.ccaudit-new-…` beside it), then
renames it to `<uid>` and records it. Throughout, it holds an exclusive flock on `.partial-<uid>.lock`.
The operating system drops that lock when the process ends, however it ends (kill -9 included), so a
lock another process can take belongs to a run that is gone: its folders are removed by the next run.
The lock itself is ccaudit.writerlock, shared with `inspect --out` and `report --out`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ccaudit.writerlock import LOCK, WriterLock, abandoned, is_held, locks, remove, token

PARTIAL = ".partial-"


class RunLock(WriterLock):
    """Held by the process writing run `uid`, from before its folder exists until it is recorded."""

    def __init__(self, runs_dir: Path, uid: str) -> None:
        super().__init__(runs_dir / f"{PARTIAL}{uid}{LOCK}")


def clean_leftovers(runs_dir: Path, recorded: Callable[[str], bool]) -> list[Path]:
    """Remove the folders of runs whose process is gone (their lock is free); `recorded(uid)` tells a
    finished run (kept) from one killed between its rename and its commit (removed). Returns what went."""
    removed: list[Path] = []
    if not runs_dir.is_dir():
        return removed
    for lock in abandoned(locks(runs_dir, PARTIAL)):
        uid = token(lock, PARTIAL)
        for entry in sorted(runs_dir.iterdir()):
            if f"{PARTIAL}{uid}" in entry.name and entry != lock:
                remove(entry)
                removed.append(entry)
        final = runs_dir / uid
        if final.is_dir() and not recorded(uid):
            remove(final)
            removed.append(final)
    return removed


def describe(path: Path) -> str:
    """For `verify`: what an unrecorded entry under runs/ is, and whether it may be deleted."""
    name = path.name
    uid = next((part for part in name.split(PARTIAL)[1:]), "")[:32]
    lock = path.parent / f"{PARTIAL}{uid}{LOCK}" if uid else None
    if lock is not None and lock.exists() and is_held(lock):
        return f"{path} belongs to a run in progress: leave it"
    text = f"{path} is not recorded in the database (an interrupted or failed run): safe to delete"
    if lock is not None and lock.exists():
        text += "; the next `ccaudit audit run` or `ccaudit audit attach` removes it"
    return text
