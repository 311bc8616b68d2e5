"""Where the checks step spends its time: every statement the runner sends to DuckDB, per check.

    .venv/bin/python bench/profile_checks.py WORKSPACE.duckdb [--explain CHECK_ID] [--repeat 2]

WORKSPACE is an imported workspace (run_bench.py keeps one under <data>/work/ws_csv/); it is copied
first, since running the checks writes their offending tables into it. For each check it prints the
wall and CPU seconds of each statement (creating the offending table, the count, the sample, the
measures), and the total per kind of statement. `--explain CHECK_ID` also prints DuckDB's
EXPLAIN ANALYZE of that check's query (as the runner wraps it), operator by operator.
CPU seconds (`time.process_time()`: all DuckDB threads) are the figure to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


class TimedEngine:
    """A DuckDBEngine whose every statement is timed, under the check being run."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.check = ""
        self.marks: list[tuple[str, str, float, float]] = []  # check, kind, wall, cpu

    def _timed(self, kind: str, call: Any, *args: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return call(*args)
        finally:
            self.marks.append((self.check, kind, time.perf_counter() - wall, time.process_time() - cpu))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def create_table(self, name: str, sql: str) -> None:
        self._timed("create offending table", self.engine.create_table, name, sql)

    def create_shared(self, name: str, sql: str) -> None:
        self._timed("create shared relation", self.engine.create_shared, name, sql)

    def query(self, sql: str) -> list[dict[str, Any]]:
        kind = "query: " + " ".join(sql.split()[:4])[:48]
        result: list[dict[str, Any]] = self._timed(kind, self.engine.query, sql)
        return result

    def columns(self, table: str) -> list[str]:
        result: list[str] = self._timed("columns", self.engine.columns, table)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--explain", action="append", default=[], metavar="CHECK_ID")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from run_bench import _load_checks

    from ccaudit.checks.engines import DuckDBEngine, transpile
    from ccaudit.checks.params import InspectionParams
    from ccaudit.checks.runner import run_checks, wrap
    from ccaudit.evidence.importer import open_workspace
    from ccaudit.settings import Settings

    settings = Settings()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(dir=args.workspace.parent) as tmp:
        for run in range(args.repeat):
            copy = Path(tmp) / "workspace.duckdb"
            shutil.copyfile(args.workspace, copy)
            con = open_workspace(copy, settings)
            supplied = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM evidence_files").fetchall()}
            checks, requirements = _load_checks(supplied)
            timed = TimedEngine(DuckDBEngine(con))
            timed.set_params(InspectionParams(as_of=synth.AS_OF))

            def progress(check_id: str, timed: TimedEngine = timed) -> None:
                timed.check = check_id

            wall, cpu = time.perf_counter(), time.process_time()
            run_checks(timed, checks, requirements, supplied, settings.sample_rows, progress)  # type: ignore[arg-type]
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"\nrun {run + 1}: all checks {wall:.2f} s wall, {cpu:.2f} CPU s; "
                  f"load average {os.getloadavg()[0]:.1f}")
            per_check: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
            per_kind: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
            for check, kind, w, c in timed.marks:
                per_check[check][0] += w
                per_check[check][1] += c
                per_kind[kind][0] += w
                per_kind[kind][1] += c
                per_kind[kind][2] += 1
            print("| statement | count | wall s | CPU s |\n|---|---|---|---|")
            for kind, (w, c, n) in sorted(per_kind.items(), key=lambda kv: -kv[1][1]):
                print(f"| {kind} | {n:.0f} | {w:.3f} | {c:.3f} |")
            print("\n| check | statements | wall s | CPU s | of which the offending table, CPU s |")
            print("|---|---|---|---|---|")
            for check, (w, c) in sorted(per_check.items(), key=lambda kv: -kv[1][1]):
                n = sum(1 for m in timed.marks if m[0] == check)
                create = sum(m[3] for m in timed.marks if m[0] == check and m[1] == "create offending table")
                print(f"| {check} | {n} | {w:.3f} | {c:.3f} | {create:.3f} |")
            con.close()
        for check_id in args.explain:
            con = open_workspace(Path(tmp) / "workspace.duckdb", settings)
            check = next(c for c in checks if c.id == check_id)
            for relation in check.shared:
                con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {relation.name} AS {relation.sql}")
            sql = transpile(wrap(check, requirements[check_id]), "duckdb")
            profile = Path(tmp) / "profile.json"
            con.execute("PRAGMA enable_profiling = 'json'")
            con.execute(f"PRAGMA profiling_output = '{profile}'")
            con.execute(f"SELECT count(*) FROM ({sql})").fetchall()
            con.execute("PRAGMA disable_profiling")
            tree = json.loads(profile.read_text())
            print(f"\nprofile of {check_id} (operator: own seconds summed over threads, rows out):")
            for node in tree["operator"]:
                _print_operator(node, 0)
            con.close()


def _print_operator(node: dict[str, Any], depth: int) -> None:
    """One line per operator that did something, children indented under it."""
    info = node.get("extra_info", {})
    details = " ".join(f"{k}={str(info[k])[:100]}" for k in ("Join Type", "Conditions", "Table", "Projections",
                                                               "Aggregates", "CTE Name") if k in info)
    if node.get("timing", 0) >= 0.0005 or node.get("intermediate_rows", 0):
        print(f"{'  ' * depth}{node['name']} {node.get('timing', 0):.3f} s, {node.get('intermediate_rows', 0):,} rows"
              f" {details}")
    for child in node.get("children", []):
        _print_operator(child, depth + 1)


if __name__ == "__main__":
    main()
