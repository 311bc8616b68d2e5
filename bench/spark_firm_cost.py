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

--stages FILE (with --firms) writes, per mode, where Spark's time went: every stage of the run from Spark's
status store (the data the Spark UI shows, read through py4j, with the UI itself off) summed per check (the
job description `ccaudit check <id>` / `ccaudit shared <name>` the one run sets): stages, tasks, executor run
and CPU time, input, shuffle read and write, spill (memory and disk), and the first stage's start to the last
one's end; the 15 costliest checks are printed. It also times the run's three phases: the imports and
staging (before the checks), the checks on Spark (SparkUnion.run) and each firm's findings on the driver.

    .venv/bin/python bench/spark_firm_cost.py --firms F --modes one_run --no-warm-up --stages stages.json \
        --conf '{"spark.sql.shuffle.partitions": "4"}'

`inspect --firms` starts one session for all firms, so the figure for many firms is the per-firm cost
below times the firms, plus one JVM start (printed as the warm-up's excess). Jobs are counted by Spark's
status tracker (job IDs of the default group, before and after a run); CPU is utime + stime of this
process and of every process it started (the JVM), from /proc, before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

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
    parser.add_argument("--conf", default="{}", help="extra Spark settings, as JSON (CCAUDIT_ENGINE_CONF)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="with --firms: write the result folders under KEEP/<mode>/ and keep them")
    parser.add_argument("--stages", type=Path, default=None, help="with --firms: per-check stage metrics, as JSON")
    args = parser.parse_args()
    conf = {**STATUS_CONF, **json.loads(args.conf)}
    settings = Settings(engine="spark", engine_url=SecretStr(args.master), engine_conf=conf)
    print(f"Spark settings beyond ccaudit's: {json.loads(args.conf) or 'none'}", flush=True)
    as_of = dt.date.fromisoformat(args.as_of)
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    if args.firms is not None:
        many(args.firms, args.modes.split(","), as_of, settings, args.warm_up, args.stages, args.keep)
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


# keep every job and stage of a long run in the status store (Spark keeps 1,000 of each by default)
STATUS_CONF = {"spark.ui.retainedJobs": "1000000", "spark.ui.retainedStages": "1000000"}


def stage_rows(engines: Engines) -> list[dict[str, Any]]:
    """Every stage the status store holds, as plain values (py4j)."""
    spark = engines._spark
    if spark is None:
        return []
    context = spark.sparkContext
    gateway, store = context._gateway, context._jsc.sc().statusStore()  # type: ignore[union-attr]
    stages = store.stageList(None, False, False, gateway.new_array(gateway.jvm.double, 0),
                             gateway.jvm.java.util.ArrayList())
    rows, it = [], stages.iterator()
    while it.hasNext():
        s = it.next()
        opt = lambda o: o.get() if o.isDefined() else None  # noqa: E731
        start, end = opt(s.submissionTime()), opt(s.completionTime())
        rows.append({
            "stage": s.stageId(), "attempt": s.attemptId(), "status": s.status().toString(),
            "description": opt(s.description()) or "", "name": s.name(), "tasks": s.numTasks(),
            "run_ms": s.executorRunTime(), "cpu_ms": s.executorCpuTime() / 1e6,
            "input_bytes": s.inputBytes(), "input_rows": s.inputRecords(),
            "shuffle_read_bytes": s.shuffleReadBytes(), "shuffle_write_bytes": s.shuffleWriteBytes(),
            "spill_memory_bytes": s.memoryBytesSpilled(), "spill_disk_bytes": s.diskBytesSpilled(),
            "peak_execution_memory": s.peakExecutionMemory(),
            "start_ms": start.getTime() if start is not None else None,
            "end_ms": end.getTime() if end is not None else None,
        })
    return rows


def by_check(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stages summed per job description (a check, a shared relation, or the rest), costliest first."""
    groups: dict[str, dict[str, Any]] = {}
    for s in stages:
        name = s["description"].removeprefix("ccaudit ") or "(no description: staging, findings)"
        g = groups.setdefault(name, {"what": name, "stages": 0, "tasks": 0, "start_ms": None, "end_ms": None})
        g["stages"] += 1
        g["tasks"] += s["tasks"]
        for key in ("run_ms", "cpu_ms", "input_bytes", "input_rows", "shuffle_read_bytes", "shuffle_write_bytes",
                    "spill_memory_bytes", "spill_disk_bytes"):
            g[key] = g.get(key, 0) + s[key]
        g["peak_execution_memory"] = max(g.get("peak_execution_memory", 0), s["peak_execution_memory"])
        if s["start_ms"] is not None:
            g["start_ms"] = min(g["start_ms"] or s["start_ms"], s["start_ms"])
        if s["end_ms"] is not None:
            g["end_ms"] = max(g["end_ms"] or s["end_ms"], s["end_ms"])
    for g in groups.values():
        g["wall_s"] = (g["end_ms"] - g["start_ms"]) / 1000 if g["start_ms"] and g["end_ms"] else None
    return sorted(groups.values(), key=lambda g: -g["run_ms"])


def print_checks(groups: list[dict[str, Any]], top: int = 15) -> None:
    mib = 1 << 20
    total = sum(g["run_ms"] for g in groups) or 1
    print("| check | stages | tasks | executor run s | share | executor CPU s | wall s (first stage to last) | "
          "input MiB | shuffle read MiB | shuffle write MiB | spill memory MiB | spill disk MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for g in groups[:top]:
        print(f"| {g['what']} | {g['stages']} | {g['tasks']} | {g['run_ms'] / 1000:.1f} | {g['run_ms'] / total:.0%} | "
              f"{g['cpu_ms'] / 1000:.1f} | {g['wall_s'] or 0:.1f} | {g['input_bytes'] / mib:.0f} | "
              f"{g['shuffle_read_bytes'] / mib:.0f} | {g['shuffle_write_bytes'] / mib:.0f} | "
              f"{g['spill_memory_bytes'] / mib:.0f} | {g['spill_disk_bytes'] / mib:.0f} |")
    rest = groups[top:]
    print(f"| {len(rest)} others | {sum(g['stages'] for g in rest)} | {sum(g['tasks'] for g in rest)} | "
          f"{sum(g['run_ms'] for g in rest) / 1000:.1f} | {sum(g['run_ms'] for g in rest) / total:.0%} | "
          f"{sum(g['cpu_ms'] for g in rest) / 1000:.1f} | | | | | | |")
    print(f"all stages: {sum(g['stages'] for g in groups)}, executor run {total / 1000:.1f} s, "
          f"CPU {sum(g['cpu_ms'] for g in groups) / 1000:.1f} s, shuffle write "
          f"{sum(g['shuffle_write_bytes'] for g in groups) / mib:.0f} MiB, spill (disk) "
          f"{sum(g['spill_disk_bytes'] for g in groups) / mib:.0f} MiB", flush=True)


class Phases:
    """CPU (this process tree) and wall at the start and end of SparkUnion.run: the imports before it,
    the checks on Spark in it, the findings after it."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float]] = []

    def mark(self) -> None:
        self.marks.append((tree_cpu(os.getpid()), time.perf_counter()))

    def install(self) -> None:
        from ccaudit.checks.spark_union import SparkUnion

        run = SparkUnion.run

        def timed(union: SparkUnion, checks: Any) -> None:
            self.mark()
            try:
                run(union, checks)
            finally:
                self.mark()

        SparkUnion.run = timed  # type: ignore[method-assign]


def many(firms: Path, modes: list[str], as_of: dt.date, settings: Settings, warm_up: bool,
         stages_file: Path | None = None, keep: Path | None = None) -> None:
    """`inspect --firms` in each mode, after a warm-up of the first firm alone (else the first mode's
    figures include the JVM's start)."""
    from ccaudit.inspection.many import inspect_firms

    phases = Phases()
    phases.install()
    report: dict[str, Any] = {}

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
            seen = {(s["stage"], s["attempt"]) for s in stage_rows(engines)}
            phases.marks.clear()
            out = (keep or Path(tmp)) / mode
            runs = inspect_firms(firms, as_of, out, settings, engines=engines)
            end = (tree_cpu(os.getpid()), time.perf_counter())
            rows = sum(e.rows for r in runs if r.result for e in r.result.report.evidence)
            wall, cpu, n = time.perf_counter() - wall0, tree_cpu(os.getpid()) - cpu0, jobs(engines) - jobs0
            done = sum(1 for r in runs if r.result is not None)
            apart = runs.all_firms.checks_firm_by_firm if runs.all_firms.used else {}
            print(f"{mode}, {len(folders)} firms ({done} inspected): {n} Spark jobs ({n / len(folders):.0f} a firm), "
                  f"{cpu:.1f} CPU s ({cpu / len(folders):.1f} a firm), {wall:.1f} s wall; {rows:,} evidence rows, "
                  f"{rows / max(cpu, 1e-9):,.0f} per CPU s; checks run firm by firm: "
                  f"{len(apart)}; load {Path('/proc/loadavg').read_text().split()[0]}; "
                  f"peak RSS {peak_rss(os.getpid())}", flush=True)
            if len(phases.marks) == 2:
                (c1, w1), (c2, w2) = phases.marks
                print(f"phases: imports and staging {c1 - cpu0:.1f} CPU s, {w1 - wall0:.1f} s wall; checks on Spark "
                      f"{c2 - c1:.1f} CPU s, {w2 - w1:.1f} s wall; findings {end[0] - c2:.1f} CPU s, "
                      f"{end[1] - w2:.1f} s wall", flush=True)
            try:
                stages = [s for s in stage_rows(engines) if (s["stage"], s["attempt"]) not in seen]
            except Exception as exc:  # py4j: a Spark whose status store differs; the figures above stand
                print(f"stages not read: {exc}", flush=True)
                stages = []
            groups = by_check(stages)
            print_checks(groups)
            report[mode] = {"firms": len(folders), "jobs": n, "cpu_s": cpu, "wall_s": wall, "rows": rows,
                            "phases": phases.marks[:], "peak_rss": peak_rss(os.getpid()),
                            "checks": groups, "stages": stages}
            if stages_file is not None:
                stages_file.write_text(json.dumps(report, indent=1))
            if keep is None:
                shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
