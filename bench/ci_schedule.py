"""The test run's length on N workers as scheduled file by file (`--dist loadfile`): files in collection order
against longest first (tests/durations.json, tests/scheduling.py). A model: each file takes its recorded time
(files never recorded: the median), a worker takes the next file when it is free. Prints both makespans.

    .venv/bin/python bench/ci_schedule.py [--workers 2]
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scheduling import file_of, longest_first, recorded_durations  # noqa: E402


def makespan(files: list[str], seconds: dict[str, float], workers: int) -> float:
    free = [0.0] * workers
    for f in files:
        heapq.heappush(free, heapq.heappop(free) + seconds[f])
    return max(free)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    workers = parser.parse_args().workers
    recorded = recorded_durations()
    # The collection order without the reordering: pytest's own (the hook only reorders when it finds durations).
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "-p", "no:xdist", "tests"], capture_output=True, text=True, cwd=ROOT, check=False).stdout
    nodeids = [line for line in listed.splitlines() if "::" in line]
    files = list(dict.fromkeys(file_of(n) for n in nodeids))
    guess = statistics.median(recorded.values()) if recorded else 0.0
    seconds = {f: recorded.get(f, guess) for f in files}
    alphabetical = sorted(files)  # what pytest collects when nothing reorders it: directory order
    ordered = list(dict.fromkeys(file_of(nodeids[i]) for i in longest_first(nodeids, recorded)))
    total = sum(seconds.values())
    print(f"{len(files)} files, {sum(1 for f in files if f in recorded)} recorded; {total:.0f} s of work; "
          f"{workers} workers, at best {total / workers:.0f} s")
    print(f"collection order: {makespan(alphabetical, seconds, workers):7.0f} s")
    print(f"longest first:    {makespan(ordered, seconds, workers):7.0f} s")


if __name__ == "__main__":
    main()
