"""Throughput of `ccaudit sources parse fortigate` against DuckDB's own time to read the file's lines.

    .venv/bin/python bench/run_sources_bench.py [--lines 10000000] [--vpn-share 0.2] [--log FILE] [--repeat 1]
                                                [--steps floor,floor#,floor*,parse,parser]

Generates a FortiGate log (bench/fortigate_log.py: a syslog relay's file, 20% SSL-VPN events among traffic
lines) unless --log names one, then runs, each in a fresh process whose peak RSS is read from the kernel
(wait4), --repeat rounds of every step in turn (floor, parser, floor, parser...: a change in the machine's load
weighs on all steps alike), and prints each step's median with the range of its CPU seconds:
  floor   DuckDB reading every line of the file with the reader the parser uses (one VARCHAR column,
          sequential: '\\r\\n' line ends) and summing their lengths
  floor#  the same read numbered as the parser numbers it (sqlkit.read_lines_sql: line_no and is_last, whose
          streaming LEAD copies every line): the part of the parse that is reading, not parsing
  floor*  DuckDB's default parallel read_csv of the same lines (for reference: the parser cannot use it)
  parse   ccaudit sources parse fortigate FILE --out DIR: events, sessions and the report
  parser  the same parse called in Python (ccaudit.rawsources.parse.parse), without the CLI's start (its
          imports, about 1.3 s of CPU on this machine, weigh on a 1M-line log and not on a 10M-line one)
Prints wall and CPU seconds, lines/s, the ratios to the floor and peak RSS; targets: parse <= 2x the
floor, peak RSS < 1 GiB. The load average is printed before and after: on a shared machine read the CPU seconds.
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

PARSER = """
import sys
from pathlib import Path
from ccaudit.rawsources.parse import ParseRequest, parse
parse(ParseRequest(source="fortigate", files=(Path(sys.argv[1]),), out=Path(sys.argv[2]), zone="Asia/Taipei",
                   zone_origin="benchmark"))
"""

FLOOR_NUMBERED = """
import sys
from pathlib import Path
from ccaudit.rawsources.sqlkit import connect, read_lines_sql
con = connect()
con.execute("SET enable_progress_bar = false")
print(con.execute("SELECT count(*), sum(length(line)), count(*) FILTER (WHERE is_last) FROM ("
                  + read_lines_sql(Path(sys.argv[1])) + ")").fetchone())
"""

FLOOR_PARALLEL = """
import sys
import duckdb
con = duckdb.connect()
print(con.execute("SELECT count(*), sum(length(line)) FROM read_csv(?, columns={'line': 'VARCHAR'}, "
                  "delim=e'\\\\x01\\\\x02\\\\x03\\\\x04', quote='', escape='', header=false, auto_detect=false, "
                  "strict_mode=false)", [sys.argv[1]]).fetchone())
"""


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (GiB) of one run in a fresh process. On a
    shared machine the CPU seconds are the steadier figure: wall time there includes waiting for a core."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed: {err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / GIB  # ru_maxrss: KiB on Linux


def _load() -> str:
    """The 1, 5 and 15 minute load averages and the number of cores (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--log", type=Path)
    ap.add_argument("--vpn-share", type=float, default=0.2, help="share of VPN event lines in a generated log")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--steps", default="floor,floor#,floor*,parse,parser",
                    help="which steps to run (floor always runs)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ccaudit-sources-bench-"))
    log = args.log or work / "fortigate.log"
    if args.log is None:
        print(f"generating {args.lines:,} lines into {log} ...", flush=True)
        subprocess.run([PY, str(HERE / "fortigate_log.py"), str(log), "--lines", str(args.lines),
                        "--vpn-share", str(args.vpn_share)], check=True)
    lines = sum(1 for _ in log.open("rb"))
    size = log.stat().st_size / GIB
    print(f"{log}: {lines:,} lines, {size:.2f} GiB")
    ccaudit = str(Path(PY).with_name("ccaudit"))
    steps = {
        "floor": [PY, "-c", FLOOR, str(log)],
        "floor#": [PY, "-c", FLOOR_NUMBERED, str(log)],
        "floor*": [PY, "-c", FLOOR_PARALLEL, str(log)],
        "parse": [ccaudit, "sources", "parse", "fortigate", str(log), "--out", str(work / "out")],
        "parser": [PY, "-c", PARSER, str(log), str(work / "out2")],
    }
    wanted = {"floor", *args.steps.split(",")}
    steps = {name: cmd for name, cmd in steps.items() if name in wanted}
    print(f"load average before: {_load()}", flush=True)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in steps}
    for _ in range(args.repeat):  # rounds: each step once per round, so the machine's load varies for all alike
        for name, cmd in steps.items():
            runs[name].append(timed(cmd))
    results = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                      max(r[2] for r in rs)) for name, rs in runs.items()}
    print(f"load average after: {_load()}")
    floor, floor_cpu, _ = results["floor"]
    print(f"{'step':8} {'wall s':>8} {'lines/s':>12} {'x floor':>8} {'CPU s':>8} {'x floor':>8} {'CPU s range':>14} "
          f"{'peak RSS GiB':>13}")
    for name, (secs, cpu, rss) in results.items():
        cpus = [r[1] for r in runs[name]]
        print(f"{name:8} {secs:8.2f} {lines / secs:12,.0f} {secs / floor:8.2f} {cpu:8.2f} {cpu / floor_cpu:8.2f} "
              f"{min(cpus):6.2f}-{max(cpus):<7.2f} {rss:13.2f}")
    for name in ("parse", "parser"):
        if name not in results:
            continue
        secs, cpu, rss = results[name]
        print(f"{name}: {secs / floor:.2f}x the floor in wall time, {cpu / floor_cpu:.2f}x in CPU time (target <= 2), "
              f"peak RSS {rss:.2f} GiB (target < 1)")


if __name__ == "__main__":
    main()
