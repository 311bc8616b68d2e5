"""What one firm costs on Spark once the JVM is up: Spark jobs, CPU seconds (this process and the JVM)
and wall time per `inspect` of an evidence folder, run --repeat times in one session after a warm-up.

    .venv/bin/python bench/spark_firm_cost.py --evidence /tmp/ccaudit-firms-bench/f2_s0.05/firms/9A00
    .venv/bin/python bench/spark_firm_cost.py --evidence DIR --master 'local[2]' --repeat 2
    .venv/bin/python bench/spark_firm_cost.py --evidence F/9A00 --evidence F/9A01 --evidence F/9A02

Several --evidence folders are inspected one after another in the one session (as `inspect --firms`
firm by firm does), the first being the warm-up; --repeat then repeats the whole list.

    .venv/bin/python bench/spark_firm_cost.py --firms /tmp/ccaudit-sparkunion/f10_s0.1/firms --master 'local[2]'

--firms DIR runs `inspect --firms DIR` in the one session (after a warm-up of its first firm alone), each
mode of --modes in turn: `one_run` (each check once for all firms, ccaudit.inspection.all_firms) and
`firm_by_firm` (CCAUDIT_SPARK_UNION=false), and prints the jobs, CPU and wall of each, whole and per firm.

`inspect --firms` starts one session for all firms, so the figure for many firms is the per-firm cost
below times the firms, plus one JVM start (printed as the warm-up's excess). Jobs are counted by Spark's
status tracker (job IDs of the default group, before and after a run); CPU is utime + stime of this
process and of every process it started (the JVM), from /proc, before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from ccaudit.inspection.engine_choice import Engines
from ccaudit.inspection.service import inspect
from ccaudit.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """utime + stime of `root` and its descendants now (the JVM is a child of this process)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            after = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(after[11]) + int(after[12])) / TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def peak_rss(root: int) -> str:
    """VmHWM (peak resident set) of `root` and of each process it started, as 'python 0.4, java 1.5 GiB'."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            found.append(f"{status['Name'].strip()} {int(status['VmHWM'].split()[0]) / (1 << 20):.2f}")
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, KeyError):
            continue
    return ", ".join(found) + " GiB"


def jobs(engines: Engines) -> int:
    spark = engines._spark
    if spark is None:
        return 0
    ids = spark.sparkContext.statusTracker().getJobIdsForGroup(None)
    return max(ids, default=-1) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evidence", type=Path, action="append", default=[])
    parser.add_argument("--firms", type=Path, default=None, help="a folder of firm folders: inspect --firms")
    parser.add_argument("--modes", default="one_run,firm_by_firm", help="with --firms: modes in order")
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                        help="with --firms: inspect the first firm alone first (the JVM's start apart)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-30")
    args = parser.parse_args()
    settings = Settings(engine="spark", engine_url=SecretStr(args.master))
    as_of = dt.date.fromisoformat(args.as_of)
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    if args.firms is not None:
        many(args.firms, args.modes.split(","), as_of, settings, args.warm_up)
        return
    if not args.evidence:
        parser.error("give --evidence (one or more) or --firms")
    with Engines(settings) as engines, tempfile.TemporaryDirectory(prefix="spark-firm-cost-") as tmp:
        runs = [(r, evidence) for r in range(args.repeat if len(args.evidence) > 1 else args.repeat + 1)
                for evidence in args.evidence]
        for i, (_, evidence) in enumerate(runs):
            jobs0, cpu0, wall0 = jobs(engines), tree_cpu(os.getpid()), time.perf_counter()
            result = inspect(evidence, as_of, Path(tmp) / f"r{i}", settings, engines=engines)
            wall, cpu, n = time.perf_counter() - wall0, tree_cpu(os.getpid()) - cpu0, jobs(engines) - jobs0
            label = "warm-up (JVM start)" if i == 0 else f"run {i}"
            failed = sum(1 for r in result.results.values() if r.offending)
            print(f"{label}, {evidence.name}: {n} Spark jobs, {cpu:.1f} CPU s, {wall:.1f} s wall; "
                  f"{len(result.results)} checks, {failed} with offending rows; "
                  f"load {Path('/proc/loadavg').read_text().split()[0]}; peak RSS {peak_rss(os.getpid())}",
                  flush=True)
            shutil.rmtree(Path(tmp) / f"r{i}", ignore_errors=True)


def many(firms: Path, modes: list[str], as_of: dt.date, settings: Settings, warm_up: bool) -> None:
    """`inspect --firms` in each mode, after a warm-up of the first firm alone (else the first mode's
    figures include the JVM's start)."""
    from ccaudit.inspection.many import inspect_firms

    folders = sorted(p for p in firms.iterdir() if p.is_dir() and not p.name.startswith("."))
    with Engines(settings) as engines, tempfile.TemporaryDirectory(prefix="spark-firm-cost-") as tmp:
        cpu0, wall0 = tree_cpu(os.getpid()), time.perf_counter()
        engines.union_setting = False
        if warm_up:
            inspect(folders[0], as_of, Path(tmp) / "warm-up", settings, engines=engines)
        print(f"warm-up (JVM start), {folders[0].name}: {jobs(engines)} Spark jobs, "
              f"{tree_cpu(os.getpid()) - cpu0:.1f} CPU s, {time.perf_counter() - wall0:.1f} s wall", flush=True)
        for mode in modes:
            engines.union_setting = mode == "one_run"
            jobs0, cpu0, wall0 = jobs(engines), tree_cpu(os.getpid()), time.perf_counter()
            runs = inspect_firms(firms, as_of, Path(tmp) / mode, settings, engines=engines)
            rows = sum(e.rows for r in runs if r.result for e in r.result.report.evidence)
            wall, cpu, n = time.perf_counter() - wall0, tree_cpu(os.getpid()) - cpu0, jobs(engines) - jobs0
            done = sum(1 for r in runs if r.result is not None)
            apart = runs.all_firms.checks_firm_by_firm if runs.all_firms.used else {}
            print(f"{mode}, {len(folders)} firms ({done} inspected): {n} Spark jobs ({n / len(folders):.0f} a firm), "
                  f"{cpu:.1f} CPU s ({cpu / len(folders):.1f} a firm), {wall:.1f} s wall; {rows:,} evidence rows, "
                  f"{rows / max(cpu, 1e-9):,.0f} per CPU s; checks run firm by firm: "
                  f"{len(apart)}; load {Path('/proc/loadavg').read_text().split()[0]}; "
                  f"peak RSS {peak_rss(os.getpid())}", flush=True)
            shutil.rmtree(Path(tmp) / mode, ignore_errors=True)


if __name__ == "__main__":
    main()
