"""Many demo firms inspected in one command, per engine: wall time, CPU, peak memory, rows/s per core.

    .venv/bin/python bench/run_firms_bench.py --firms 10 --scale 0.1                 # DuckDB and Spark local[2]
    .venv/bin/python bench/run_firms_bench.py --firms 20 --scale 0.05 --engines duckdb
    .venv/bin/python bench/run_firms_bench.py --firms 10 --scale 0.1 --spark-master 'local[1]'
    .venv/bin/python bench/run_firms_bench.py --evidence DIR/firms --first 25 --firms 25 --engines duckdb:1 --clean

--evidence takes firms already written (`ccaudit demo --firms`), and --first/--firms a slice of them (hard
links), so that 100 firms can be inspected in batches while the later ones are still being generated, on a
disk that cannot hold every result folder at once: --clean removes each engine's result folder once its
rows are counted (the figures of a batch are printed and kept in DATA/<engine>.json).

The firms are written once as Parquet (`ccaudit demo --firms N --format parquet` without its inspection:
the same generator, seeds 2026, 2027, ...; kept under --data and reused when the sizes match). Then each
engine runs the real command, `python -m ccaudit inspect --firms DIR --engine E` (import, checks, result
folders, comparison), as a child process. A monitor samples the child's whole process tree every
--interval seconds (the Python process and, for Spark, the JVM it starts): the sum of their resident sets
(peak of the sum: what the machine had to hold at once), each process's own peak (VmHWM, the largest
seen), and CPU time (utime + stime per process, last sample; wait4's total for the child and the
descendants it waited for). The load average and the busiest other processes at the start and end are
printed, since the machine is shared.

rows/s per core = evidence rows imported (every firm's manifest) / wall seconds / cores the engine was
given (DuckDB: its threads, default all cores; Spark: N of local[N]); on a loaded machine rows per CPU
second (the tree's CPU time) is the steadier figure. Every evidence row is imported by DuckDB whatever the
engine; the checks run on the engine. `ps` %CPU in the load lines is each process's average over its life.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GIB = 1 << 30
AS_OF = "2026-11-30"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Tree:
    """What the monitor saw of one command's process tree."""

    peak_sum_rss: int = 0
    peak_by_pid: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (name, VmHWM bytes)
    cpu_by_pid: dict[int, float] = field(default_factory=dict)  # pid -> utime + stime seconds
    samples: int = 0

    def cpu(self) -> float:
        return sum(self.cpu_by_pid.values())

    def largest(self) -> tuple[str, int]:
        return max(self.peak_by_pid.values(), key=lambda v: v[1], default=("", 0))


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # ended after it was listed (Spark starts and ends many short processes)
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += _children(pid)
    return pids


def _sample(tree: Tree, root: int) -> None:
    total = 0
    for pid in _tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended between the listing and the read
            continue
        fields = {k: v.split() for k, _, v in (line.partition(":") for line in status.splitlines())}
        rss = int(fields.get("VmRSS", ["0"])[0]) * 1024
        hwm = int(fields.get("VmHWM", ["0"])[0]) * 1024
        name = fields.get("Name", ["?"])[0]
        total += rss
        if hwm >= tree.peak_by_pid.get(pid, ("", 0))[1]:
            tree.peak_by_pid[pid] = (name, hwm)
        after_name = stat.rsplit(")", 1)[1].split()
        tree.cpu_by_pid[pid] = (int(after_name[11]) + int(after_name[12])) / TICKS  # utime, stime
    tree.peak_sum_rss = max(tree.peak_sum_rss, total)
    tree.samples += 1


def run_monitored(cmd: list[str], env: dict[str, str], interval: float, log: Path) -> dict[str, Any]:
    tree = Tree()
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:
            _sample(tree, proc.pid)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(interval)
    wall = time.perf_counter() - started
    name, largest = tree.largest()
    return {
        "exit": os.waitstatus_to_exitcode(status), "wall": wall,
        "cpu_waited": usage.ru_utime + usage.ru_stime, "cpu_sampled": tree.cpu(),
        "peak_sum_rss": tree.peak_sum_rss, "largest_process": name, "largest_rss": largest,
        "processes": len(tree.peak_by_pid), "samples": tree.samples,
    }


def machine() -> str:
    """Load average and the busiest processes (command names only), to say what else was running."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    out = subprocess.run(["ps", "-eo", "pcpu=,comm=", "--sort=-pcpu"], capture_output=True, text=True).stdout
    busy = [line.split(None, 1) for line in out.splitlines()[:8] if line.strip()]
    listed = ", ".join(f"{name.strip()} {cpu}%" for cpu, name in busy if float(cpu) >= 5)
    return f"load average {' '.join(load)} on {os.cpu_count()} cores; busiest: {listed or 'none above 5%'}"


def generate(data: Path, firms: int, scale: float) -> Path:
    stamp = data / "sizes.txt"
    wanted = f"{firms} {scale} parquet v1"
    if stamp.exists() and stamp.read_text() == wanted:
        return data / "firms"
    code = ("import sys; from pathlib import Path; from ccaudit.demo.generator import generate_firms; "
            f"generate_firms(Path(sys.argv[1]), {firms}, scale={scale}, fmt='parquet')")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(data)], check=True)
    print(f"generated {firms} firms at scale {scale} in {time.perf_counter() - started:.0f} s", flush=True)
    stamp.write_text(wanted)
    return data / "firms"


def subset(firms: Path, target: Path, k: int, first: int = 0) -> Path:
    """k firm folders from the first-th, as hard links to the same files (inspect --firms skips symbolic links)."""
    if not target.exists():
        for folder in sorted(p for p in firms.iterdir() if p.is_dir())[first:first + k]:
            shutil.copytree(folder, target / folder.name, copy_function=os.link)
    return target


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def evidence_rows(results: Path) -> tuple[int, int]:
    """(every evidence row imported, remote sessions) over the firms' manifests."""
    total = sessions = 0
    for manifest in results.glob("*/evidence/manifest.json"):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
            total += int(entry["rows"])
            sessions += int(entry["rows"]) if entry["dataset"] == "remote_sessions" else 0
    return total, sessions


def against_planted(results: Path, planted: Path) -> str:
    """Each firm's offending rows per check (findings.json) against the demo's answer key (planted/<firm>.json):
    the same count for every check, and missing evidence where it was withheld."""
    firms = mismatches = 0
    for findings_file in sorted(results.glob("*/findings.json")):
        key = planted / f"{findings_file.parent.name}.json"
        if not key.exists():
            continue
        expected = json.loads(key.read_text(encoding="utf-8"))
        counts = {c["check_id"]: c["offending_count"]
                  for f in json.loads(findings_file.read_text(encoding="utf-8"))["findings"] for c in f["checks"]}
        firms += 1
        wrong = [c for c, keys in expected["failing"].items() if counts.get(c) != len(keys)]
        if wrong:
            mismatches += 1
            print(f"  {findings_file.parent.name}: offending counts differ from the planted gaps: {wrong}", flush=True)
    return f"{firms - mismatches} of {firms} firms: every check's offending count = its planted gaps"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.1, help="demo scale per firm (1: 1M sessions)")
    parser.add_argument("--engines", default="duckdb,spark",
                        help="engines in order; duckdb:2 runs `inspect --firms --workers 2`; spark runs each check "
                        "once for all firms, spark/firm_by_firm firm by firm (CCAUDIT_SPARK_UNION=false)")
    parser.add_argument("--spark-firms", type=int, default=None,
                        help="Spark inspects only the first K firms (hard links to the same files)")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between memory samples")
    parser.add_argument("--data", type=Path, default=Path("/tmp/ccaudit-firms-bench"))
    parser.add_argument("--evidence", type=Path, default=None, help="firms already generated (one folder each)")
    parser.add_argument("--first", type=int, default=0, help="with --evidence: skip this many firm folders")
    parser.add_argument("--clean", action="store_true", help="remove each result folder once counted")
    args = parser.parse_args()
    if args.evidence:
        data = args.data / f"{args.evidence.parent.name}_from{args.first}_n{args.firms}"
        data.mkdir(parents=True, exist_ok=True)
        firms = subset(args.evidence, data / "firms", args.firms, args.first)
    else:
        data = args.data / f"f{args.firms}_s{args.scale}"
        data.mkdir(parents=True, exist_ok=True)
        firms = generate(data, args.firms, args.scale)
    cores = os.cpu_count() or 1
    rows_out: list[str] = []
    print(f"before: {machine()}", flush=True)
    for spec in args.engines.split(","):
        engine, _, workers = spec.partition(":")
        engine, _, mode = engine.partition("/")  # spark/firm_by_firm: CCAUDIT_SPARK_UNION=false
        name = spec.replace(":", "-w").replace("/", "-")
        out = data / f"results-{name}"
        folder, count = firms, args.firms
        if engine == "spark" and args.spark_firms:
            folder, count = subset(firms, data / f"firms-first{args.spark_firms}", args.spark_firms), args.spark_firms
        cmd = [sys.executable, "-m", "ccaudit", "inspect", "--firms", str(folder), "--as-of", AS_OF,
               "--out", str(out), "--engine", engine, "--workers", workers or "1"]
        given = int(os.environ.get("CCAUDIT_DUCKDB_THREADS", cores))
        if engine == "spark":
            cmd += ["--engine-url", args.spark_master]
            inside = args.spark_master.removeprefix("local[").rstrip("]")
            given = cores if inside == "*" else int(inside)
        env = {**os.environ, "COLUMNS": "200"}
        if mode == "firm_by_firm":
            env["CCAUDIT_SPARK_UNION"] = "false"
        print(f"{spec} ({count} firms) starting: {uptime()}", flush=True)
        result = run_monitored(cmd, env, args.interval, data / f"{name}.log")
        if result["exit"] not in (0, 1):
            raise SystemExit(f"{spec}: exit {result['exit']}; see {data / f'{name}.log'}")
        total, sessions = evidence_rows(out)
        rate = total / result["wall"]
        cpu = max(result["cpu_waited"], result["cpu_sampled"])
        print(f"{spec}: {result['wall']:.1f} s, {result['cpu_sampled']:.1f} CPU s; {machine()}; {uptime()}", flush=True)
        label = (f"spark {args.spark_master}, {'firm by firm' if mode else 'one run'}" if engine == "spark"
                 else f"duckdb, workers {workers or 1}")
        rows_out.append(
            f"| {label} | {count} | {result['wall']:.1f} | "
            f"{cpu:.1f} | {result['peak_sum_rss'] / GIB:.2f} | "
            f"{result['largest_process']} {result['largest_rss'] / GIB:.2f} | {total:,} | {sessions:,} | "
            f"{rate:,.0f} | {given} | {rate / given:,.0f} | {total / max(cpu, 1e-9):,.0f} |"
        )
        (data / f"{name}.json").write_text(json.dumps({**result, "rows": total, "sessions": sessions}, indent=2))
        if args.evidence and (args.evidence.parent / "planted").is_dir():
            print(against_planted(out, args.evidence.parent / "planted"), flush=True)
        if args.clean:
            shutil.rmtree(out)
    print(f"after: {machine()}")
    print()
    source = f"from {args.evidence}" if args.evidence else f"scale {args.scale}"
    print(f"{args.firms} demo firms, {source}, Parquet; `ccaudit inspect --firms`, whole command")
    print("| engine | firms | wall s | CPU s | peak RSS of the process tree GiB | largest process, its peak GiB | "
          "evidence rows | of which sessions | rows/s | cores given | rows/s per core | rows per CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows_out))


if __name__ == "__main__":
    main()
