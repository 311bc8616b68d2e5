"""Telling what a killed writer left behind from what a running one is writing.

A command that writes under a temporary name (an audit run's `.partial-<uid>`, an inspection's
`.<out>.ccaudit-new-…`, a report's staging folder) holds an exclusive flock on a lock file named after
it for as long as it writes. The operating system drops that lock when the process ends, however it
ends (kill -9 included), so a lock another process can take belongs to a writer that is gone, and what
it guarded may be removed. A PID in a name could be reused by an unrelated process; a lock cannot
outlive its holder. audit/workflow/leftovers.py (runs), inspection/result_folder.py (inspect --out)
and reports/generate.py (report --out) all use this one mechanism.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

LOCK = ".lock"
PENDING = ".new"  # a lock being created: its writer renames it to the lock once it holds it


def locks(directory: Path, prefix: str) -> list[Path]:
    """The lock files (and pending ones) in `directory` whose names start with `prefix`."""
    if not directory.is_dir():
        return []
    start = glob.escape(prefix)
    return sorted([*directory.glob(f"{start}*{LOCK}"), *directory.glob(f"{start}*{LOCK}{PENDING}")])


def token(lock: Path, prefix: str) -> str:
    """What a lock's name holds between `prefix` and .lock (or .lock.new)."""
    return lock.name[len(prefix) :].removesuffix(PENDING).removesuffix(LOCK)


class WriterLock:
    """Held by the process writing, from before its first file exists until its result is in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Locked under a temporary name and renamed: a cleaner never sees this lock unlocked. A writer
        # killed before the rename leaves the temporary name, which cleaners remove too; one may take
        # ours for such a leftover in the instant between its creation and our flock: then start again.
        pending = self.path.with_name(self.path.name + PENDING)
        while True:
            fd = os.open(pending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                os.rename(pending, self.path)
                break
            except FileNotFoundError:
                os.close(fd)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person looking at the folder
        self._fd = fd
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def abandoned(locks: Iterable[Path]) -> Iterator[Path]:
    """Each of `locks` whose writer is gone. This process holds it while the caller removes what it
    guarded, and deletes it afterwards; a lock still held (a writer at work) is never yielded."""
    for lock in locks:
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue  # its writer just finished
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a writer at work
            try:
                if os.stat(lock).st_ino != os.fstat(fd).st_ino:
                    continue
            except FileNotFoundError:
                continue  # finished (or cleaned by another process) between our open and our lock
            yield lock
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


def is_held(lock: Path) -> bool:
    """Whether a writer at work holds `lock`."""
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


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
