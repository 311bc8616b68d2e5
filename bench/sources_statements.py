"""Where `ccaudit sources parse` spends its time: CPU seconds per SQL statement of one parse.

    .venv/bin/python bench/sources_statements.py LOG [--source fortigate] [--top 12] [--out DIR] [--identity-map CSV]
                                                 [--memory-limit 512MB] [--threads N]

Runs the parse in this process (ccaudit.rawsources.parse.parse) with every DuckDB statement timed by the process's
CPU clock (all DuckDB threads included) and wall clock, then prints the statements that took longest, each by
its first words, the total and the process's peak RSS. CPU seconds are the figure to read on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

import ccaudit.rawsources.parse as parse_mod
from ccaudit.rawsources.sqlkit import connect

TIMES: list[tuple[float, float, str]] = []


class TimedConnection:
    """A DuckDB connection whose execute() records CPU and wall seconds per statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        result = self._con.execute(sql, *args)
        TIMES.append((time.process_time() - cpu, time.perf_counter() - wall, sql))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _label(sql: str) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    table = re.search(r"(?:CREATE (?:OR REPLACE )?TEMP (?:TABLE|VIEW) (\w+)|INSERT INTO (\w+)|TO '([^']*)')", text)
    name = next((g for g in table.groups() if g), "") if table else ""
    return f"{Path(name).name or text[:50]:32} {text[:70]}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("log", type=Path)
    ap.add_argument("--source", default="fortigate")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--identity-map", type=Path)
    ap.add_argument("--memory-limit", default=parse_mod.ParseRequest.memory_limit,
                    help="DuckDB's memory limit for the parse (default: the parser's)")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    parse_mod.connect = lambda *a, **k: TimedConnection(connect(*a, **k))  # type: ignore[assignment,return-value]
    out = args.out or Path(tempfile.mkdtemp(prefix="ccaudit-statements-"))
    cpu, wall = time.process_time(), time.perf_counter()
    parse_mod.parse(parse_mod.ParseRequest(source=args.source, files=(args.log,), out=out, zone="Asia/Taipei",
                                           zone_origin="benchmark", identity_map=args.identity_map,
                                           memory_limit=args.memory_limit, threads=args.threads))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores", file=sys.stderr)
    print(f"{'CPU s':>7} {'wall s':>7}  statement")
    for c, w, sql in sorted(TIMES, key=lambda t: -t[0])[:args.top]:
        print(f"{c:7.2f} {w:7.2f}  {_label(sql)}")
    print(f"{sum(t[0] for t in TIMES):7.2f} {sum(t[1] for t in TIMES):7.2f}  all {len(TIMES)} statements")
    print(f"{cpu:7.2f} {wall:7.2f}  the whole parse (out: {out})")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)  # KiB on Linux
    print(f"peak RSS {rss:.2f} GiB (memory limit {args.memory_limit})")


if __name__ == "__main__":
    main()
