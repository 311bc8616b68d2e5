"""How the suite is spread over pytest-xdist workers (hooks in tests/conftest.py; docs/testing.md).

- Test files run longest first: each file's time in a recorded run is kept in tests/durations.json, and the
  files are collected in that order (a file's own tests keep theirs). With `--dist loadfile
  --no-loadscope-reorder` (scripts/test) a worker takes a whole file at a time, so a file's module-scoped
  fixtures are built once, and the long files start first instead of last.
- `-n auto` is the machine's usable cores, fewer when memory would not hold that many workers.
- `--record-durations` writes tests/durations.json again from the run."""

from __future__ import annotations

import json
import os
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("durations.json")
# What one worker may hold at its peak: a Spark JVM (1 GiB heap), a Chromium, DuckDB and the Python process.
WORKER_MEMORY_BYTES = 2 * 1024**3
ABOUT = "seconds per test file (setup + call + teardown) in a recorded run; run longest first (tests/scheduling.py)"


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def recorded_durations(path: Path = DURATIONS) -> dict[str, float]:
    """Seconds per test file (path from the repository root) in the recorded run; {} when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): float(v) for k, v in files.items()} if isinstance(files, dict) else {}


def longest_first(nodeids: list[str], seconds: dict[str, float]) -> list[int]:
    """Indexes of `nodeids` with the files ordered by their recorded time, longest first, each file's tests kept
    together in their own order. A file with no recorded time (a new one) is placed as the median recorded file:
    not last, where a long new file would hold up the end of the run, and not first on a guess."""
    files: dict[str, list[int]] = defaultdict(list)
    for index, nodeid in enumerate(nodeids):
        files[file_of(nodeid)].append(index)
    guess = statistics.median(seconds.values()) if seconds else 0.0
    order = sorted(files, key=lambda f: -seconds.get(f, guess))  # stable: equal files keep collection order
    return [index for f in order for index in files[f]]


def usable_workers(cores: int, available_bytes: int, per_worker: int = WORKER_MEMORY_BYTES) -> int:
    """Workers for `-n auto`: one per usable core, no more than available memory holds, at least one."""
    return max(1, min(cores, available_bytes // per_worker))


def available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Recorder:
    """Adds up each test file's setup, call and teardown times (in the controller when run with xdist), and
    writes them at the end of the session; files the run did not reach keep their recorded time."""

    def __init__(self, path: Path = DURATIONS) -> None:
        self.path = path
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[file_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        merged = {**recorded_durations(self.path), **{f: round(s, 1) for f, s in self.seconds.items()}}
        text = json.dumps({"about": ABOUT,
                           "files": dict(sorted(merged.items()))}, indent=1, ensure_ascii=False)
        self.path.write_text(text + "\n", encoding="utf-8")
