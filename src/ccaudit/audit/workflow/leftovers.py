"""What a killed run leaves under DATA_DIR/runs, and cleaning it up without touching a running one.

A run writes `.partial-<uid>` (and the inspection's own `..partial-<uid>.ccaudit-new-…` beside it), then
renames it to `<uid>` and records it. Throughout, it holds an exclusive flock on `.partial-<uid>.lock`.
The operating system drops that lock when the process ends, however it ends (kill -9 included), so a
lock another process can take belongs to a run that is gone: its folders are removed by the next run.
A PID in a name could be reused by an unrelated process; a lock cannot outlive its holder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

PARTIAL = ".partial-"
LOCK = ".lock"


class RunLock:
    """Held by the process writing run `uid`, from before its folder exists until it is recorded."""

    def __init__(self, runs_dir: Path, uid: str) -> None:
        self.path = runs_dir / f"{PARTIAL}{uid}{LOCK}"
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Locked under a temporary name and renamed: a cleaner never sees this lock unlocked.
        pending = self.path.with_name(self.path.name + ".new")
        fd = os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person looking at the folder
        os.rename(pending, self.path)
        self._fd = fd
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def clean_leftovers(runs_dir: Path, recorded: Callable[[str], bool]) -> list[Path]:
    """Remove the folders of runs whose process is gone (their lock is free); `recorded(uid)` tells a
    finished run (kept) from one killed between its rename and its commit (removed). Returns what went."""
    removed: list[Path] = []
    if not runs_dir.is_dir():
        return removed
    for lock in sorted(runs_dir.glob(f"{PARTIAL}*{LOCK}")):
        uid = lock.name[len(PARTIAL) : -len(LOCK)]
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue  # its run just finished
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a run in progress
            for entry in sorted(runs_dir.iterdir()):
                if f"{PARTIAL}{uid}" in entry.name and entry != lock:
                    _remove(entry)
                    removed.append(entry)
            final = runs_dir / uid
            if final.is_dir() and not recorded(uid):
                _remove(final)
                removed.append(final)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def describe(path: Path) -> str:
    """For `verify`: what an unrecorded entry under runs/ is, and whether it may be deleted."""
    name = path.name
    uid = next((part for part in name.split(PARTIAL)[1:]), "")[:32]
    lock = path.parent / f"{PARTIAL}{uid}{LOCK}" if uid else None
    if lock is not None and lock.exists() and _locked(lock):
        return f"{path} belongs to a run in progress: leave it"
    text = f"{path} is not recorded in the database (an interrupted or failed run): safe to delete"
    if lock is not None and lock.exists():
        text += "; the next `ccaudit audit run` or `ccaudit audit attach` removes it"
    return text


def _locked(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock if we took it
    return False
