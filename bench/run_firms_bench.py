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

Streaming, for more firms than the disk holds (DuckDB only), resumable:

    .venv/bin/python bench/run_firms_bench.py --stream 100 --batch 10 --scale 1 --data /tmp/ccaudit-firms100

generates the firms batch by batch (the same firms as `ccaudit demo --firms 100 --format parquet`: IDs
9A00…, seeds 2026 + i) and inspects batch k (`inspect --firms`, as above) while batch k+1 is generated,
each command monitored on its own. Once a batch is counted its evidence and the bulky part of its results
(workspace.duckdb, evidence blobs) are deleted; each firm's findings.json, evidence/manifest.json and
offending-row files are kept in DATA/kept/<firm>/, which is what `ccaudit compare` reads, so the
inspector's comparison of every firm is built at the end from them (DATA/comparison/, itself measured).
A batch's figures are written to DATA/batches/<k>.json when it is done; a run started again skips the
finished batches and redoes the others from the start. The totals over the finished batches are printed
after each batch and at the end (DATA/totals.json): CPU s of the generation and of the inspection apart,
wall, peak RSS, rows, and the load average sampled every 10 s over the whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
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
    found: list[int] = []
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


def planted_differences(findings_file: Path, key: Path) -> list[str]:
    """What one firm's findings.json says against its answer key: every check's offending and compensated
    counts and missing evidence, and every planted check present."""
    expected = json.loads(key.read_text(encoding="utf-8"))
    checks = {c["check_id"]: c for f in json.loads(findings_file.read_text(encoding="utf-8"))["findings"]
              for c in f["checks"]}
    wrong = []
    for check_id, c in checks.items():
        planted = expected["failing"].get(check_id, [])
        compensated = expected["compensated"].get(check_id, [])
        if check_id in expected["missing_evidence"]:
            if c["outcome"] != "missing_evidence":
                wrong.append(f"{check_id}: {c['outcome']}, planted missing evidence")
        elif c["offending_count"] != len(planted):
            wrong.append(f"{check_id}: {c['offending_count']} offending, planted {len(planted)}")
        elif c["compensated_count"] != len(compensated):
            wrong.append(f"{check_id}: {c['compensated_count']} compensated, planted {len(compensated)}")
    wrong += [f"{c}: planted, not in findings.json" for c in expected["failing"] if c not in checks]
    return wrong


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
    parser.add_argument("--stream", type=int, default=None,
                        help="N firms generated and inspected batch by batch on DuckDB (see above)")
    parser.add_argument("--batch", type=int, default=10, help="with --stream: firms per batch")
    parser.add_argument("--keep-evidence", default="9A00",
                        help="with --stream: firm IDs whose evidence is kept (comma-separated), for profiling")
    parser.add_argument("--code-label", default="",
                        help="with --stream: a name for the code the batches ran (kept per batch, totals per name)")
    args = parser.parse_args()
    if args.stream:
        stream(args)
        return
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


# --- streaming: more firms than the disk holds, batch by batch, resumable -------------------------------------

GENERATE = """
import sys
from pathlib import Path
from ccaudit.demo.generator import firm_ids, generate
from ccaudit.evidence.templates import TemplateRegistry
out, first, count, scale = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
registry = TemplateRegistry.load()
for i, (firm_id, name) in enumerate(firm_ids(first + count)[first:], start=first):  # as generate_firms does
    generate(out, scale=scale, seed=2026 + i, registry=registry, firm=(firm_id, name), fmt="parquet",
             evidence_dir=out / "firms" / firm_id, planted_file=out / "planted" / f"{firm_id}.json")
"""
KEPT = ("findings.json", "evidence/manifest.json")
SUMMARY = "firms.json"


class LoadSampler(threading.Thread):
    """The 1-minute load average every `every` seconds, appended to a file (a restarted run keeps adding)."""

    def __init__(self, path: Path, every: float = 10.0) -> None:
        super().__init__(daemon=True)
        self.path, self.every, self.stop = path, every, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.path.open("a") as out:
                out.write(f"{time.time():.0f} {Path('/proc/loadavg').read_text().split()[0]}\n")
            self.stop.wait(self.every)


def _monitored_in_thread(
    cmd: list[str], env: dict[str, str], interval: float, log: Path
) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(run_monitored(cmd, env, interval, log)))
    thread.start()
    return thread, box


def _keep(results: Path, kept: Path) -> int:
    """Each firm's findings.json, manifest and offending-row files into kept/<firm>/; their bytes."""
    size = 0
    for findings in sorted(results.glob("*/findings.json")):
        firm = findings.parent
        report = json.loads(findings.read_text(encoding="utf-8"))
        names = list(KEPT) + sorted({c["offending_file"] for f in report["findings"] for c in f["checks"]
                                     if c.get("offending_file")})
        target = kept / firm.name
        shutil.rmtree(target, ignore_errors=True)
        for name in names:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(firm / name, target / name)
            size += (target / name).stat().st_size
    return size


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def stream(args: argparse.Namespace) -> None:
    data: Path = args.data
    batches, kept = data / "batches", data / "kept"
    for path in (batches, kept):
        path.mkdir(parents=True, exist_ok=True)
    sampler = LoadSampler(data / "load.txt")
    sampler.start()
    n, size = args.stream, args.batch
    ranges = [(first, min(size, n - first)) for first in range(0, n, size)]
    env = {**os.environ, "COLUMNS": "200"}
    keep_evidence = set(filter(None, args.keep_evidence.split(",")))
    pending: tuple[int, threading.Thread, dict[str, Any]] | None = None  # the batch being generated

    def work(k: int) -> Path:
        return data / f"batch-{k:02d}"

    def start_generation(k: int) -> tuple[int, threading.Thread, dict[str, Any]] | None:
        if k >= len(ranges) or (batches / f"{k:02d}.json").exists():
            return None
        folder = work(k)
        if (folder / "generated.json").exists():
            done = threading.Thread(target=lambda: None)
            done.start()
            return k, done, json.loads((folder / "generated.json").read_text())
        shutil.rmtree(folder, ignore_errors=True)  # a batch interrupted: from the start
        folder.mkdir(parents=True)
        first, count = ranges[k]
        print(f"batch {k}: generating firms {first}-{first + count - 1} ({uptime()})", flush=True)
        cmd = [sys.executable, "-c", GENERATE, str(folder / "gen"), str(first), str(count), str(args.scale)]
        thread, box = _monitored_in_thread(cmd, env, args.interval, folder / "generate.log")
        return k, thread, box

    print(f"before: {machine()}", flush=True)
    started = time.time()
    for k, (first, count) in enumerate(ranges):
        if (batches / f"{k:02d}.json").exists():
            continue
        if pending is None or pending[0] != k:
            pending = start_generation(k)
        assert pending is not None
        _, thread, gen = pending
        thread.join()
        folder = work(k)
        if not (folder / "generated.json").exists():
            if gen.get("exit") != 0:
                raise SystemExit(f"batch {k}: generation exit {gen.get('exit')}; see {folder / 'generate.log'}")
            gen["bytes"] = _du(folder / "gen" / "firms")
            (folder / "generated.json").write_text(json.dumps(gen, indent=2))
        pending = start_generation(k + 1)  # beside this batch's inspection
        results = folder / "results"
        shutil.rmtree(results, ignore_errors=True)
        cmd = [sys.executable, "-m", "ccaudit", "inspect", "--firms", str(folder / "gen" / "firms"),
               "--as-of", AS_OF, "--out", str(results), "--engine", "duckdb", "--workers", "1"]
        load_before = _load()
        print(f"batch {k}: inspecting firms {first}-{first + count - 1} ({uptime()})", flush=True)
        insp = run_monitored(cmd, env, args.interval, folder / "inspect.log")
        if insp["exit"] not in (0, 1):
            raise SystemExit(f"batch {k}: inspect exit {insp['exit']}; see {folder / 'inspect.log'}")
        rows, sessions = evidence_rows(results)
        summary = json.loads((results / SUMMARY).read_text(encoding="utf-8"))
        firms_ok = [f["firm_id"] for f in summary["firms"] if f["result"]]
        wrong = {}
        for findings in sorted(results.glob("*/findings.json")):
            diff = planted_differences(findings, folder / "gen" / "planted" / f"{findings.parent.name}.json")
            if diff:
                wrong[findings.parent.name] = diff
                print(f"  {findings.parent.name}: differs from its planted gaps: {diff}", flush=True)
        result_bytes = _du(results)
        kept_bytes = _keep(results, kept)
        shutil.copy2(results / SUMMARY, batches / f"{k:02d}-firms.json")
        for firm_id in keep_evidence:
            if (folder / "gen" / "firms" / firm_id).is_dir():
                shutil.copytree(folder / "gen" / "firms" / firm_id, data / "evidence" / firm_id, dirs_exist_ok=True)
        record = {
            "batch": k, "code": args.code_label, "firms": count, "first": first, "inspected": len(firms_ok),
            "planted_equal": len(firms_ok) - len(wrong), "planted_wrong": wrong,
            "generate": json.loads((folder / "generated.json").read_text()), "inspect": insp,
            "rows": rows, "sessions": sessions, "result_bytes": result_bytes, "kept_bytes": kept_bytes,
            "load_before": load_before, "load_after": _load(), "finished": time.time(),
        }
        shutil.rmtree(results)
        shutil.rmtree(folder / "gen")
        (batches / f"{k:02d}.json").write_text(json.dumps(record, indent=2))
        print(f"batch {k}: inspect {insp['wall']:.0f} s wall, {insp['cpu_sampled']:.1f} CPU s, peak "
              f"{insp['largest_rss'] / GIB:.2f} GiB; generation {record['generate']['cpu_sampled']:.1f} CPU s; "
              f"{rows:,} rows; planted equal {record['planted_equal']}/{count}; results {result_bytes / 1e6:.0f} MB, "
              f"kept {kept_bytes / 1e6:.1f} MB; {machine()}", flush=True)
        print(totals(data, args.stream), flush=True)
    if not (data / "comparison" / "compare.html").exists():
        folders = sorted(p for p in kept.iterdir() if p.is_dir())
        cmd = [sys.executable, "-m", "ccaudit", "compare", *map(str, folders), "--out", str(data / "comparison"),
               "--lang", "en"]
        comp = run_monitored(cmd, env, args.interval, data / "compare.log")
        (data / "compare.json").write_text(json.dumps({**comp, "firms": len(folders)}, indent=2))
        print(f"comparison of {len(folders)} firms: exit {comp['exit']}, {comp['wall']:.1f} s, "
              f"{comp['cpu_sampled']:.1f} CPU s, peak {comp['largest_rss'] / GIB:.2f} GiB", flush=True)
    sampler.stop.set()
    print(f"after: {machine()}; this invocation {time.time() - started:.0f} s", flush=True)
    print(totals(data, args.stream), flush=True)


def totals(data: Path, wanted: int) -> str:
    """The finished batches added up (DATA/totals.json) and as a Markdown table; where the batches ran
    different code (--code-label), each code's batches are added up apart too."""
    records = [json.loads(p.read_text()) for p in sorted((data / "batches").glob("[0-9][0-9].json"))]
    if not records:
        return "no batch finished"
    labels = sorted({r.get("code", "") for r in records})
    parts = [] if len(labels) == 1 else [
        _totals(data, [r for r in records if r.get("code", "") == label], wanted, f"code {label or '(unnamed)'}: ")
        for label in labels]
    return "\n\n".join([*parts, _totals(data, records, wanted, "all batches: " if parts else "")])


def _totals(data: Path, records: list[dict[str, Any]], wanted: int, title: str) -> str:
    spans = [(r["finished"] - r["inspect"]["wall"], r["finished"]) for r in records]
    loads = [float(v) for t, v in (line.split() for line in (data / "load.txt").read_text().splitlines() if line)
             if any(a <= float(t) <= b for a, b in spans)] or [0.0]  # over these batches' inspections
    insp = [r["inspect"] for r in records]
    gen = [r["generate"] for r in records]
    firms = sum(r["inspected"] for r in records)
    rows = sum(r["rows"] for r in records)
    cpu_i = sum(max(i["cpu_waited"], i["cpu_sampled"]) for i in insp)
    cpu_g = sum(max(g["cpu_waited"], g["cpu_sampled"]) for g in gen)
    wall_i = sum(i["wall"] for i in insp)
    span = records[-1]["finished"] - min(r["finished"] - r["inspect"]["wall"] for r in records)
    t = {
        "batches": len(records), "firms": firms, "wanted": wanted, "rows": rows,
        "sessions": sum(r["sessions"] for r in records),
        "planted_equal": sum(r["planted_equal"] for r in records),
        "inspect_cpu": cpu_i, "inspect_wall": wall_i, "generate_cpu": cpu_g,
        "generate_wall": sum(g["wall"] for g in gen),
        "inspect_peak_largest": max(i["largest_rss"] for i in insp),
        "inspect_peak_sum_max": max(i["peak_sum_rss"] for i in insp),
        "generate_peak_largest": max(g["largest_rss"] for g in gen),
        "evidence_bytes": sum(g.get("bytes", 0) for g in gen),
        "result_bytes": sum(r["result_bytes"] for r in records), "kept_bytes": sum(r["kept_bytes"] for r in records),
        "load_min": min(loads), "load_mean": sum(loads) / len(loads), "load_max": max(loads),
        "load_samples": len(loads), "first_inspection_to_last_batch_done_s": span,
    }
    label = "".join(c if c.isalnum() else "-" for c in records[0].get("code", ""))
    name = "totals" + (f"-{label}" if title.startswith("code") else "")
    (data / f"{name}.json").write_text(json.dumps(t, indent=2))
    cores = os.cpu_count() or 1
    return "\n".join([
        f"{title}{firms} of {wanted} firms inspected ({len(records)} batches: "
        f"{', '.join(str(r['batch']) for r in records)}); planted gaps equal in {t['planted_equal']}",
        "| | wall s | CPU s | CPU s per firm | peak RSS, largest process GiB | rows | rows per CPU s "
        "| rows/s per core |",
        "|---|---|---|---|---|---|---|---|",
        f"| inspect (DuckDB, 2 threads) | {wall_i:,.0f} | {cpu_i:,.1f} | {cpu_i / max(firms, 1):.1f} | "
        f"{t['inspect_peak_largest'] / GIB:.2f} | {rows:,} | {rows / max(cpu_i, 1e-9):,.0f} | "
        f"{rows / max(wall_i, 1e-9) / cores:,.0f} |",
        f"| generate (beside it) | {t['generate_wall']:,.0f} | {cpu_g:,.1f} | {cpu_g / max(firms, 1):.1f} | "
        f"{t['generate_peak_largest'] / GIB:.2f} | | | |",
        f"load average during the inspections (1 min, every 10 s, {len(loads)} samples): "
        f"{t['load_min']:.1f}-{t['load_max']:.1f}, "
        f"mean {t['load_mean']:.1f}; first inspection to last batch done: {span:,.0f} s; evidence "
        f"{t['evidence_bytes'] / 1e9:.2f} GB, results {t['result_bytes'] / 1e9:.2f} GB (deleted), kept "
        f"{t['kept_bytes'] / 1e6:.1f} MB",
    ])


if __name__ == "__main__":
    main()
