"""Throughput of `ccaudit sources parse fortigate` against DuckDB's own time to read the file's lines.

    .venv/bin/python bench/run_sources_bench.py [--lines 10000000] [--log FILE] [--repeat 1]

Generates a FortiGate log (bench/fortigate_log.py: a syslog relay's file, 20% SSL-VPN events among traffic
lines) unless --log names one, then runs, each in a fresh process whose peak RSS is read from the kernel
(wait4):
  floor   DuckDB reading every line of the file with the reader the parser uses (one VARCHAR column,
          sequential: '\\r\\n' line ends) and summing their lengths
  floor*  DuckDB's default parallel read_csv of the same lines (for reference: the parser cannot use it)
  parse   ccaudit sources parse fortigate FILE --out DIR: events, sessions and the report
Prints seconds, lines/s, the ratio to the floor and peak RSS; targets: parse <= 2x floor, RSS < 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
GIB = 1 << 30

FLOOR = """
import sys
from pathlib import Path
from ccaudit.rawsources.sqlkit import connect, read_lines_floor_sql
con = connect()
con.execute("SET enable_progress_bar = false")
print(con.execute(read_lines_floor_sql(Path(sys.argv[1]))).fetchone())
"""

FLOOR_PARALLEL = """
import sys
import duckdb
con = duckdb.connect()
print(con.execute("SELECT count(*), sum(length(line)) FROM read_csv(?, columns={'line': 'VARCHAR'}, "
                  "delim=e'\\\\x01\\\\x02\\\\x03\\\\x04', quote='', escape='', header=false, auto_detect=false, "
                  "strict_mode=false)", [sys.argv[1]]).fetchone())
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (GiB) of one run in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed: {err}")
    return elapsed, usage.ru_maxrss * 1024 / GIB  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--log", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ccaudit-sources-bench-"))
    log = args.log or work / "fortigate.log"
    if args.log is None:
        print(f"generating {args.lines:,} lines into {log} ...", flush=True)
        subprocess.run([PY, str(HERE / "fortigate_log.py"), str(log), "--lines", str(args.lines)], check=True)
    lines = sum(1 for _ in log.open("rb"))
    size = log.stat().st_size / GIB
    print(f"{log}: {lines:,} lines, {size:.2f} GiB")
    ccaudit = str(Path(PY).with_name("ccaudit"))
    steps = {
        "floor": [PY, "-c", FLOOR, str(log)],
        "floor*": [PY, "-c", FLOOR_PARALLEL, str(log)],
        "parse": [ccaudit, "sources", "parse", "fortigate", str(log), "--out", str(work / "out")],
    }
    results: dict[str, tuple[float, float]] = {}
    for name, cmd in steps.items():
        runs = [timed(cmd) for _ in range(args.repeat)]
        results[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    floor = results["floor"][0]
    print(f"{'step':8} {'seconds':>8} {'lines/s':>12} {'x floor':>8} {'peak RSS GiB':>13}")
    for name, (secs, rss) in results.items():
        print(f"{name:8} {secs:8.2f} {lines / secs:12,.0f} {secs / floor:8.2f} {rss:13.2f}")
    secs, rss = results["parse"]
    print(f"parse: {secs / floor:.2f}x the floor (target <= 2), peak RSS {rss:.2f} GiB (target < 1)")


if __name__ == "__main__":
    main()
