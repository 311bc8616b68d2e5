"""Import and check throughput of ccaudit against DuckDB's own floors, at firm scale.

    .venv/bin/python bench/run_bench.py [--sessions 10000000 --iot 200000 --people 50000] [--repeat 3]

Generates synthetic evidence (bench/synth.py) as CSV and Parquet, then times, each run in a fresh
subprocess that reports its own peak RSS (VmHWM of /proc/self/status, read as the step ends):
  import   ccaudit's importer over the CSV folder and over the Parquet folder
  floor    DuckDB's own CREATE TABLE AS SELECT * FROM read_csv(...) / read_parquet(...) of the same files
  checks   every check whose datasets are present, through ccaudit.checks.runner.run_checks on DuckDBEngine
  scan     DuckDB reading every value of the columns those checks use (sum of hashes: nothing pruned,
           nothing answered from statistics), from the native tables and from the Parquet files
  naive    a per-row Python loop of the same remote-work checks on a 1M-row sample, scaled to full size
Reports medians of --repeat runs for the timed steps (the naive loop runs once), and every ratio of the
run side by side: import / floor, checks / scan floor, naive loop / checks, peak RSS per step.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

GIB = 1 << 30
NAIVE_SAMPLE = 1_000_000


# --- the measured steps, each run as `run_bench.py --child <step> <data> <work>` -------------------


def _settings() -> Any:
    from ccaudit.settings import Settings

    return Settings()


def step_import(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    from ccaudit.evidence.importer import import_folder
    from ccaudit.evidence.store import EvidenceStore
    from ccaudit.evidence.templates import TemplateRegistry

    out = work / f"ws_{fmt}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start, start_cpu = time.perf_counter(), time.process_time()
    registry = TemplateRegistry.load()
    manifest = import_folder(data / fmt, out / "workspace.duckdb", EvidenceStore(out / "evidence"), registry,
                             _settings())
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    shutil.rmtree(out / "evidence", ignore_errors=True)  # the blob copies are not needed afterwards
    return {"seconds": seconds, "cpu_step": cpu, "rows": sum(e.rows for e in manifest.files)}


def step_floor(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    import duckdb

    db = work / f"floor_{fmt}.duckdb"
    db.unlink(missing_ok=True)
    settings = _settings()
    start, start_cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    rows = 0
    for path in sorted((data / fmt).iterdir()):
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        con.execute(f"CREATE TABLE \"{path.stem}\" AS SELECT * FROM {reader}('{path}')")
        rows += con.execute(f'SELECT count(*) FROM "{path.stem}"').fetchall()[0][0]
    con.execute("CHECKPOINT")
    con.close()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    db.unlink()
    return {"seconds": seconds, "cpu_step": cpu, "rows": rows}


def _load_checks(supplied: set[str]) -> tuple[list[Any], dict[str, list[str]]]:
    from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
    from ccaudit.checks.loader import CheckLibrary

    library = CheckLibrary.load()
    checks = [c for c in library if set(c.meta.datasets) <= supplied]
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, synth.AS_OF)
    requirements: dict[str, list[str]] = defaultdict(list)
    for req in catalog.requirements:
        for check_id in req.checks:
            requirements[check_id].append(req.id)
    return checks, {c.id: requirements.get(c.id) or ["bench"] for c in checks}


def step_checks(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    from ccaudit.checks.engines import DuckDBEngine
    from ccaudit.checks.params import InspectionParams
    from ccaudit.checks.runner import run_checks
    from ccaudit.evidence.importer import open_workspace

    settings = _settings()
    con = open_workspace(work / f"ws_{fmt}" / "workspace.duckdb", settings)
    supplied = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM evidence_files").fetchall()}
    checks, requirements = _load_checks(supplied)
    engine = DuckDBEngine(con)
    engine.set_params(InspectionParams(as_of=synth.AS_OF))
    marks: list[tuple[str, float, float]] = []
    start, start_cpu = time.perf_counter(), time.process_time()
    results = run_checks(engine, checks, requirements, supplied, settings.sample_rows,
                         lambda check_id: marks.append((check_id, time.perf_counter(), time.process_time())))
    end, end_cpu = time.perf_counter(), time.process_time()
    con.close()
    per_check = {}
    for (check_id, t0, c0), (_, t1, c1) in zip(marks, [*marks[1:], ("", end, end_cpu)], strict=True):
        per_check[check_id] = {"seconds": t1 - t0, "cpu": c1 - c0, "offending": results[check_id].offending}
    # CPU seconds of the checks alone (all DuckDB threads; no interpreter start): steadier than wall
    # time on a loaded machine
    return {"seconds": end - start, "cpu_checks": end_cpu - start_cpu, "checks": per_check}


def _columns_used(checks: list[Any], requirements: dict[str, list[str]],
                  tables: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Per evidence table, exactly the columns the checks step reads: each check's query as the runner
    runs it (wrapped with compensation and provenance, its shared relations as CTEs), every column
    resolved to the base table it comes from (SQLGlot's qualify: stars expanded, aliases followed
    through CTEs and subqueries) after projections no one reads are pruned. A column of the same name
    in another table the query joins is not counted, a column read only by the wrapper is."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.optimizer.pushdown_projections import pushdown_projections
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import traverse_scope

    from ccaudit.checks.runner import wrap

    used: dict[str, set[str]] = defaultdict(set)
    for check in checks:
        sql = wrap(check, requirements[check.id])
        for relation in check.shared:  # read as a table by the check: here the relation itself
            sql = f"WITH {relation.name} AS ({relation.sql}), {sql.removeprefix('WITH ')}"
        tree = qualify(sqlglot.parse_one(sql, read="duckdb"), schema=tables, dialect="duckdb",
                       validate_qualify_columns=False, quote_identifiers=False)
        for scope in traverse_scope(pushdown_projections(tree)):
            for column in scope.columns:
                source = scope.sources.get(column.table)
                if isinstance(source, exp.Table) and source.name in tables:
                    used[source.name].add(column.name)
    return {t: sorted(cols) for t, cols in used.items() if cols}


def _read_all(cols: list[str]) -> str:
    """Aggregates that need every value of every column: min/max could come from zone maps or Parquet
    statistics, and an unused column would be pruned, which is how the old floor read nothing."""
    return ", ".join(f'sum(hash("{c}"))' for c in cols)


def step_scan(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    from ccaudit.evidence.importer import open_workspace

    settings = _settings()
    con = open_workspace(work / f"ws_{fmt}" / "workspace.duckdb", settings)
    supplied = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM evidence_files").fetchall()}
    checks, requirements = _load_checks(supplied)
    tables = {}
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        tables[table] = {r[0]: r[1] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
    used = _columns_used(checks, requirements, tables)
    start, start_cpu = time.perf_counter(), time.process_time()
    for table, cols in used.items():
        con.execute(f'SELECT count(*), {_read_all(cols)} FROM "{table}"').fetchall()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    con.close()
    return {"seconds": seconds, "cpu_scan": cpu, "columns": used}


def step_scan_parquet(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    """The same columns read straight from the Parquet files (ENGINES.md's floor), for reference."""
    import duckdb

    used = json.loads((work / "columns_used.json").read_text())
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{_settings().duckdb_memory_limit}'")
    read: dict[str, list[str]] = {}
    start = time.perf_counter()
    for table, cols in used.items():
        path = data / "parquet" / f"{table}.parquet"
        if not path.exists():
            continue
        # the files hold the source columns; _file/_row/*_utc exist only after import
        source_cols = [c for c in cols if not c.startswith("_") and not c.endswith("_utc")]
        if source_cols:
            con.execute(f"SELECT count(*), {_read_all(source_cols)} FROM read_parquet('{path}')").fetchall()
            read[table] = source_cols
    return {"seconds": time.perf_counter() - start, "columns": read}


def step_naive(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    """The remote-work checks as a person might first write them: rows as dicts, one loop per check."""
    as_of = dt.datetime.combine(synth.AS_OF, dt.time())
    as_of_end = as_of + dt.timedelta(days=1)
    window_start = as_of.replace(year=as_of.year - 1)
    start = time.perf_counter()
    people = {}
    with (data / "csv" / "people.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            people[row["person_id"]] = row
    roles = {}
    with (data / "csv" / "roles.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            roles[row["role_id"]] = row
    sessions = []
    with (data / "csv" / "remote_sessions.csv").open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if i >= NAIVE_SAMPLE:
                break
            sessions.append(row)

    def ts(text: str) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    def in_window(row: dict[str, str]) -> bool:
        moment = ts(row["start_time"])
        return moment is not None and window_start <= moment < as_of_end

    def minutes(text: str) -> int | None:
        if not text:
            return None
        h, m = text.split(":")
        return int(h) * 60 + int(m)

    failing: dict[str, int] = defaultdict(int)
    for row in sessions:  # MFA
        if in_window(row) and (row["mfa_method"] or "none") == "none":
            failing["remote_login_used_mfa"] += 1
    for row in sessions:  # channel
        if in_window(row) and row["channel"] not in ("ssl_vpn", "ipsec_vpn", "ztna", "vdi", "ssh"):
            failing["remote_channel_encrypted"] += 1
    for row in sessions:  # authorised users
        if not in_window(row):
            continue
        person = people.get(row["person_id"])
        left = person and person["terminated_on"] and ts(row["start_time"]).date() > dt.date.fromisoformat(  # type: ignore[union-attr]
            person["terminated_on"])
        if person is None or person["remote_allowed"] != "true" or left:
            failing["remote_user_authorized"] += 1
    for row in sessions:  # hours
        if not in_window(row):
            continue
        person = people.get(row["person_id"])
        role = roles.get(person["role_id"]) if person else None
        if not role or not role["remote_start"] or not role["remote_end"]:
            continue
        begin, finish = minutes(role["remote_start"]), minutes(role["remote_end"])
        started, ended = ts(row["start_time"]), ts(row["end_time"])
        assert begin is not None and finish is not None and started is not None
        start_min = started.hour * 60 + started.minute
        inside = (begin < finish and begin <= start_min < finish) or (
            begin > finish and (start_min >= begin or start_min < finish))
        late = begin < finish and ended is not None and (
            ended.date() > started.date() or ended.hour * 60 + ended.minute > finish)
        if not inside or late:
            failing["remote_session_within_allowed_hours"] += 1
    for row in sessions:  # record complete
        started, ended = ts(row["start_time"]), ts(row["end_time"])
        if in_window(row) and (not row["gateway_id"] or ended is None or (started and ended < started)):
            failing["remote_session_record_complete"] += 1
    last: dict[str, dt.datetime] = {}
    for row in sessions:  # dormant accounts
        moment = ts(row["start_time"])
        if moment and moment < as_of_end and (row["person_id"] not in last or moment > last[row["person_id"]]):
            last[row["person_id"]] = moment
    for person_id, person in people.items():
        if person["remote_allowed"] != "true":
            continue
        seen = last.get(person_id)
        if person["employment_status"] == "terminated" or seen is None or seen < as_of_end - dt.timedelta(days=90):
            failing["remote_account_not_dormant"] += 1
    return {"seconds": time.perf_counter() - start, "rows": len(sessions), "failing": dict(failing)}


def step_generate(data: Path, work: Path, fmt: str) -> dict[str, Any]:
    """Generation runs in a child too: a parent that grew while generating would pass its high-water
    mark to every child it spawns (vfork + exec keeps the old mm's peak in the rusage maxrss)."""
    sessions, iot, people = (int(n) for n in fmt.split(","))
    start = time.perf_counter()
    synth.generate(data, synth.Sizes(sessions, iot, people))
    return {"seconds": time.perf_counter() - start}


def _peak_rss() -> int:
    """This process's own peak resident set (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


STEPS = {"generate": step_generate, "import": step_import, "floor": step_floor, "checks": step_checks,
         "scan": step_scan, "scan_parquet": step_scan_parquet, "naive": step_naive}


# --- the parent: fresh subprocesses, each reporting its own peak RSS --------------------------------


def run_child(step: str, data: Path, work: Path, fmt: str) -> dict[str, Any]:
    """One step in a fresh interpreter; its peak RSS is the child's own VmHWM (wait4's ru_maxrss is not:
    it inherits the spawning parent's high-water mark), its CPU time comes from wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(data), str(work), fmt],
                                stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"step {step} {fmt} failed:\n{err.read()}")
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result.update(wall=wall, cpu=usage.ru_utime + usage.ru_stime)
    return result


def measure(step: str, data: Path, work: Path, fmt: str, repeat: int) -> dict[str, Any]:
    runs = [run_child(step, data, work, fmt) for _ in range(repeat)]
    keys: tuple[str, ...] = ("seconds", "wall", "rss", "cpu", "cpu_step", "cpu_checks", "cpu_scan")
    median = {k: statistics.median(r[k] for r in runs) for k in keys if k in runs[0]}
    return {**runs[0], **median, "runs": [round(r["seconds"], 2) for r in runs],
            "cpu_runs": [round(r["cpu_step"], 2) for r in runs if "cpu_step" in r],
            "rss_runs": [round(r["rss"] / GIB, 2) for r in runs]}


def _fmt_row(name: str, result: dict[str, Any], rows: int | None, note: str = "") -> str:
    rate = f"{rows / result['seconds']:,.0f}" if rows else ""
    rss = f"{result['rss'] / GIB:.2f}" if "rss" in result else ""
    runs = ", ".join(str(r) for r in result.get("runs", []))
    return f"| {name} | {result['seconds']:.2f} | {runs} | {rate} | {rss} | {note} |"


def ratios(r: dict[str, dict[str, Any]], scale: float) -> str:
    """Every ratio of the run in one table, next to its target, and each step's own peak RSS."""
    sec = {k: v["seconds"] for k, v in r.items()}
    naive = sec["naive"] * scale
    lines = ["| ratio | value | target |", "|---|---|---|",
             f"| import CSV / read_csv CTAS | {sec['import_csv'] / sec['floor_csv']:.2f}x | <= 1.5x |",
             f"| import Parquet / read_parquet CTAS | {sec['import_parquet'] / sec['floor_parquet']:.2f}x | |",
             f"| checks / scan floor (native tables) | {sec['checks'] / sec['scan']:.2f}x | <= 2x |",
             f"| the same in CPU seconds (all threads; steadier on a loaded machine) | "
             f"{r['checks']['cpu_checks'] / r['scan']['cpu_scan']:.2f}x | <= 2x |",
             f"| checks / scan of the same columns from Parquet | {sec['checks'] / sec['scan_parquet']:.2f}x | |",
             f"| naive per-row loop (scaled) / checks | {naive / sec['checks']:.1f}x | |",
             "", "| step | peak RSS GiB (own process) |", "|---|---|"]
    lines += [f"| {step} | {v['rss'] / GIB:.2f} |" for step, v in r.items() if "rss" in v]
    peak = max(v["rss"] for k, v in r.items() if "rss" in v and k not in ("naive", "generate"))
    lines.append(f"\npeak RSS of any ccaudit step: {peak / GIB:.2f} GiB (target < 2 GiB at 10M sessions)")
    return "\n".join(lines)


def _median_runs(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({', '.join(f'{v:.{digits}f}' for v in values)})"


def import_only(data: Path, work: Path, repeat: int) -> None:
    """The CSV import against DuckDB's own read_csv, alternating (floor, import) `repeat` times."""
    floors, imports = [], []
    for _ in range(repeat):
        floors.append(run_child("floor", data, work, "csv"))
        imports.append(run_child("import", data, work, "csv"))
        print(f"floor {floors[-1]['seconds']:.1f} s / {floors[-1]['cpu_step']:.1f} CPU s, import "
              f"{imports[-1]['seconds']:.1f} s / {imports[-1]['cpu_step']:.1f} CPU s", flush=True)
    print("| step | seconds (runs) | CPU s (runs) | peak RSS GiB (runs) |\n|---|---|---|---|")
    for name, runs in (("DuckDB CTAS read_csv (import floor)", floors), ("ccaudit import, CSV", imports)):
        cells = [_median_runs([r[key] / scale for r in runs], digits)
                 for key, scale, digits in (("seconds", 1, 1), ("cpu_step", 1, 1), ("rss", GIB, 2))]
        print(f"| {name} | {' | '.join(cells)} |")
    wall = statistics.median(r["seconds"] for r in imports) / statistics.median(r["seconds"] for r in floors)
    cpu = statistics.median(r["cpu_step"] for r in imports) / statistics.median(r["cpu_step"] for r in floors)
    print(f"\nimport / read_csv: {wall:.2f}x wall, {cpu:.2f}x CPU (target <= 1.5x); import peak "
          f"{max(r['rss'] for r in imports) / GIB:.2f} GiB (target <= 1.2 GiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--iot", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed step (median reported)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/ccaudit-bench"))
    parser.add_argument("--only-import", action="store_true",
                        help="only the CSV import and its read_csv floor (seconds, CPU s, peak RSS, ratios)")
    parser.add_argument("--child", nargs=4, metavar=("STEP", "DATA", "WORK", "FMT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, data, work, fmt = args.child
        result = STEPS[step](Path(data), Path(work), fmt)
        result["rss"] = _peak_rss()
        print(json.dumps(result, default=str))
        return
    sizes = synth.Sizes(args.sessions, args.iot, args.people)
    data = args.data / f"s{sizes.sessions}_i{sizes.iot}_p{sizes.people}"
    work = data / "work"
    work.mkdir(parents=True, exist_ok=True)
    r: dict[str, dict[str, Any]] = {}
    r["generate"] = run_child("generate", data, work, f"{sizes.sessions},{sizes.iot},{sizes.people}")
    print(f"data in {data} ({r['generate']['seconds']:.0f} s to generate if new)", flush=True)
    if args.only_import:
        import_only(data, work, args.repeat)
        return
    for fmt in ("csv", "parquet"):
        r[f"floor_{fmt}"] = measure("floor", data, work, fmt, args.repeat)
        print(f"floor {fmt}: {r[f'floor_{fmt}']['runs']}", flush=True)
        r[f"import_{fmt}"] = measure("import", data, work, fmt, args.repeat)
        print(f"import {fmt}: {r[f'import_{fmt}']['runs']}", flush=True)
    r["checks"] = measure("checks", data, work, "csv", args.repeat)
    print(f"checks: {r['checks']['runs']}", flush=True)
    r["scan"] = measure("scan", data, work, "csv", args.repeat)
    (work / "columns_used.json").write_text(json.dumps(r["scan"]["columns"]))
    r["scan_parquet"] = measure("scan_parquet", data, work, "csv", args.repeat)
    r["naive"] = run_child("naive", data, work, "csv")
    scale = sizes.sessions / max(r["naive"]["rows"], 1)
    total = r["import_csv"]["rows"]
    print()
    print(f"sizes: sessions {sizes.sessions:,}, iot {sizes.iot:,}, people {sizes.people:,}; {total:,} rows in all")
    print("| step | seconds (median) | runs | rows/s | peak RSS GiB | note |")
    print("|---|---|---|---|---|---|")
    print(_fmt_row("DuckDB CTAS read_csv (import floor)", r["floor_csv"], total))
    print(_fmt_row("ccaudit import, CSV", r["import_csv"], total,
                   f"{r['import_csv']['seconds'] / r['floor_csv']['seconds']:.2f}x floor"))
    print(_fmt_row("DuckDB CTAS read_parquet (import floor)", r["floor_parquet"], total))
    print(_fmt_row("ccaudit import, Parquet", r["import_parquet"], total,
                   f"{r['import_parquet']['seconds'] / r['floor_parquet']['seconds']:.2f}x floor"))
    print(_fmt_row("scan floor: checks' columns, native tables", r["scan"], None))
    print(_fmt_row("scan of the same columns from Parquet", r["scan_parquet"], None))
    print(_fmt_row(f"all checks ({len(r['checks']['checks'])})", r["checks"], None,
                   f"{r['checks']['seconds'] / r['scan']['seconds']:.1f}x scan floor, "
                   f"{r['checks']['seconds'] / r['scan_parquet']['seconds']:.1f}x Parquet scan"))
    naive = r["naive"]
    print(f"| naive per-row Python, {naive['rows']:,} sessions x{scale:.0f} | {naive['seconds'] * scale:.1f} | "
          f"{naive['seconds']:.1f} measured | {naive['rows'] / naive['seconds']:,.0f} | "
          f"{naive['rss'] / GIB:.2f} measured, ~{naive['rss'] * scale / GIB:.1f} scaled | "
          f"{naive['seconds'] * scale / r['checks']['seconds']:.0f}x the checks |")
    print()
    print(f"checks: {r['checks']['cpu_checks']:.2f} CPU s (median of the runs; all threads, interpreter start "
          "excluded; per check: the first run)")
    print("| check | seconds | CPU s | offending rows |")
    print("|---|---|---|---|")
    for check_id, info in sorted(r["checks"]["checks"].items(), key=lambda kv: -kv[1]["seconds"]):
        print(f"| {check_id} | {info['seconds']:.2f} | {info['cpu']:.2f} | {info['offending']:,} |")
    print()
    print(ratios(r, scale))
    (work / "results.json").write_text(json.dumps(r, indent=2, default=str))


if __name__ == "__main__":
    main()
