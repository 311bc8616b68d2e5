"""Spark: the checks that read a shared relation (checks/_shared) over the relation computed once and cached,
against the same checks with the relation left as a plain view (each check then computes it again: the
joins and clock columns the checks made separately before the shared relation existed).

    .venv/bin/python bench/spark_shared_bench.py --evidence FIRM_DIR [--master 'local[2]'] [--repeat 2]
    .venv/bin/python bench/spark_shared_bench.py --scale 0.2           # generates one demo firm (Parquet)

The firm is imported once by DuckDB (ccaudit inspect) and its workspace's evidence loaded into one Spark
session; then the two ways alternate (after a warm-up of each), `--repeat` times. Printed per run: wall
seconds and CPU seconds of the whole process tree (this interpreter and the JVM: utime + stime from /proc),
and the offending rows per check, which must be equal both ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")
AS_OF = "2026-11-30"


def tree_cpu(root: int) -> float:
    """utime + stime of `root` and every descendant still running (the JVM lives as long as the session)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evidence", type=Path, help="a firm's evidence folder (default: generate one)")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import duckdb

    from ccaudit.checks.engine_spark import SparkEngine, session
    from ccaudit.checks.loader import CheckLibrary
    from ccaudit.checks.params import InspectionParams
    from ccaudit.checks.runner import run_checks

    scratch = Path(tempfile.mkdtemp(prefix="spark-shared-bench-"))
    evidence = args.evidence
    if evidence is None:
        from ccaudit.demo.generator import generate

        generate(scratch / "demo", scale=args.scale, fmt="parquet")
        evidence = scratch / "demo" / "evidence"
    subprocess.run([sys.executable, "-m", "ccaudit", "inspect", str(evidence), "--as-of", AS_OF,
                    "--out", str(scratch / "duckdb")], check=True, capture_output=True)
    con = duckdb.connect(str(scratch / "duckdb" / "workspace.duckdb"), read_only=True)
    sessions = con.execute("SELECT count(*) FROM remote_sessions").fetchone()[0]  # type: ignore[index]
    checks = [c for c in CheckLibrary.load() if c.shared]
    supplied = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM evidence_files").fetchall()}
    print(f"{sessions:,} sessions; checks over a shared relation: {', '.join(c.id for c in checks)}")

    class Inline(SparkEngine):
        """The shared relation as a plain temporary view: each check computes it again."""

        def create_shared(self, name: str, sql: str) -> None:
            self.spark.sql(sql).createOrReplaceTempView(name)
            self._views.add(name)

    spark = session(args.master)
    engines: dict[str, Any] = {"cached": SparkEngine(spark, scratch / "cached"),
                               "inline": Inline(spark, scratch / "inline")}
    for engine in engines.values():
        engine.load_workspace(con)
        engine.set_params(InspectionParams(as_of=dt.date.fromisoformat(AS_OF)))
    me = os.getpid()
    print(f"master {args.master}; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print("| run | way | wall s | CPU s (interpreter + JVM) | offending rows per check |")
    print("|---|---|---|---|---|")
    found: dict[str, list[int]] = {}
    for run in range(args.repeat + 1):
        for way, engine in engines.items():
            cpu, wall = tree_cpu(me), time.perf_counter()
            results = run_checks(engine, checks, {c.id: [] for c in checks}, supplied, 5)
            wall, cpu = time.perf_counter() - wall, tree_cpu(me) - cpu
            counts = [results[c.id].offending for c in checks]
            found.setdefault(way, counts)
            assert counts == found[way] == found.get("cached", counts), "both ways find the same rows"
            print(f"| {'warm-up' if run == 0 else run} | {way} | {wall:.2f} | {cpu:.2f} | {counts} |", flush=True)
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for engine in engines.values():
        engine.close()
    spark.stop()
    con.close()


if __name__ == "__main__":
    main()
