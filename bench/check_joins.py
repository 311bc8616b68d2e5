"""The relational work the checks cannot avoid, each step measured alone, beside the checks and the scan floor.

    .venv/bin/python bench/check_joins.py WORKSPACE.duckdb [--repeat 3]

WORKSPACE is an imported workspace (run_bench.py keeps one under <data>/work/ws_csv/); it is copied first.
Each step is one statement, run --repeat times in this process (CPU seconds: `time.process_time()`, all
DuckDB threads; the median and the runs are printed). The joins are measured over narrow inputs made
beforehand (integer keys and UTC instants only, as the checks link them), counting what they find, so a
step's figure is the join itself: no scan of text columns and nothing written. Then every check runs once
as the runner runs it (wrapped, its offending table written), and the scan floor once more, so that each
join can be read against the check that contains it and against the floor (bench/README.md, issue 12).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

# Narrow inputs of the joins, made once (not timed): what the operations check links, in its own terms.
INPUTS = {
    "__j_operations": """SELECT l._log_key AS log_key, l._person_key AS person_key, l._session_key AS named_key,
        l.occurred_at_utc AS t, CAST(l.occurred_at_utc AS DATE) AS day FROM remote_operation_log l""",
    "__j_session_days": """SELECT s._session_key AS session_key, s._person_key AS person_key,
        s.start_time_utc AS t0, COALESCE(s.end_time_utc, s.start_time_utc) AS t1,
        s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end AS in_window,
        CAST(s.start_time_utc AS DATE) AS day
        FROM remote_sessions s CROSS JOIN params p""",
}

HOLDERS = """(SELECT pe._person_key, r.remote_start, r.remote_end, pe.terminated_on, pe.employment_status,
              pe.remote_allowed FROM people pe LEFT JOIN roles r ON r.role_id = pe.role_id)"""
WINDOW = "s.start_time >= p.window_start_ts AND s.start_time < p.as_of_end"
OUTSIDE_HOURS = """(h.remote_start IS NOT NULL AND h.remote_end IS NOT NULL AND h.remote_start < h.remote_end
    AND (EXTRACT(HOUR FROM s.start_time) * 60 + EXTRACT(MINUTE FROM s.start_time) NOT BETWEEN h.remote_start
         AND h.remote_end - 1
         OR CAST(s.end_time AS DATE) > CAST(s.start_time AS DATE)
         OR EXTRACT(HOUR FROM s.end_time) * 60 + EXTRACT(MINUTE FROM s.end_time) > h.remote_end))"""

# (label, SQL): each the core of a check (or of several), alone.
STEPS = [
    ("operations FULL JOIN session-days on person key and UTC day, time conditions in the join "
     "(remote_operations_match_sessions' link)",
     """SELECT count(*) FROM __j_operations l FULL JOIN __j_session_days d
        ON d.person_key = l.person_key AND d.day = l.day AND l.t >= d.t0 AND l.t <= d.t1
        AND (l.named_key IS NULL OR l.named_key = d.session_key)
        WHERE d.session_key IS NULL OR (l.log_key IS NULL AND d.in_window)"""),
    ("the same pairs as an inner equi-join on person key and UTC day, nothing carried",
     "SELECT count(*) FROM __j_operations l JOIN __j_session_days d ON d.person_key = l.person_key AND d.day = l.day"),
    ("operations JOIN sessions on the one integer session key (a 10M x 10M join at 10M)",
     "SELECT count(*) FROM remote_operation_log l JOIN remote_sessions s ON s._session_key = l._session_key"),
    ("sessions of the window JOIN people and roles on person key (each session check that reads a holder)",
     f"SELECT count(*) FROM remote_sessions s CROSS JOIN params p JOIN {HOLDERS} h "
     f"ON h._person_key = s._person_key WHERE {WINDOW}"),
    ("the same, judging a day window's hours in the join (count of sessions outside them)",
     f"SELECT count(*) FROM remote_sessions s CROSS JOIN params p JOIN {HOLDERS} h "
     f"ON h._person_key = s._person_key WHERE {WINDOW} AND {OUTSIDE_HOURS}"),
    ("last session per person key over every session (remote_account_not_dormant's grouping)",
     "SELECT count(*) FROM (SELECT s._person_key, max(s.start_time) FROM remote_sessions s CROSS JOIN params p "
     "WHERE s.start_time < p.as_of_end GROUP BY s._person_key)"),
]


# Checks whose cost is mostly their failing rows: their query counted, then written.
WRITTEN = ("remote_session_within_allowed_hours", "remote_user_authorized")


def _cpu(con: Any, sql: str) -> float:
    start = time.process_time()
    con.execute(sql).fetchall()
    return time.process_time() - start


def _runs(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from run_bench import _columns_used, _load_checks, _read_all

    from ccaudit.checks.engines import DuckDBEngine
    from ccaudit.checks.params import InspectionParams
    from ccaudit.checks.runner import run_checks
    from ccaudit.evidence.importer import open_workspace
    from ccaudit.settings import Settings

    settings = Settings()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(dir=args.workspace.parent) as tmp:
        copy = Path(tmp) / "workspace.duckdb"
        shutil.copyfile(args.workspace, copy)
        con = open_workspace(copy, settings)
        supplied = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM evidence_files").fetchall()}
        checks, requirements = _load_checks(supplied)
        engine = DuckDBEngine(con)
        engine.set_params(InspectionParams(as_of=synth.AS_OF))
        tables = {t: {r[0]: r[1] for r in con.execute(f'DESCRIBE "{t}"').fetchall()}
                  for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        used = _columns_used(checks, requirements, tables)
        floor_sql = [f'SELECT count(*), {_read_all(cols)} FROM "{t}"' for t, cols in used.items()]
        for name, sql in INPUTS.items():
            con.execute(f"CREATE OR REPLACE TEMPORARY TABLE {name} AS {sql}")

        print("\n| step, measured alone | CPU s, median (runs) |\n|---|---|")
        floor = [sum(_cpu(con, s) for s in floor_sql) for _ in range(args.repeat)]
        print(f"| scan floor: every value of the {sum(len(c) for c in used.values())} columns the checks read "
              f"| {_runs(floor)} |", flush=True)
        for label, sql in STEPS:
            print(f"| {label} | {_runs([_cpu(con, sql) for _ in range(args.repeat)])} |", flush=True)
        by_id = {c.id: c for c in checks}
        for check_id in WRITTEN:  # finding the failing rows, and finding them with their columns written
            check = by_id[check_id]
            for relation in check.shared:
                engine.create_shared(relation.name, relation.sql)
            counted = [_cpu(con, f"SELECT count(*) FROM ({check.sql})") for _ in range(args.repeat)]
            written = [_cpu(con, f"CREATE OR REPLACE TEMPORARY TABLE __j_rows AS {check.sql}")
                       for _ in range(args.repeat)]
            rows = con.execute("SELECT count(*) FROM __j_rows").fetchone()
            print(f"| {check_id}'s own query (no wrapper), counted | {_runs(counted)} |")
            print(f"| the same, its {rows[0] if rows else 0:,} rows written (temporary table) | {_runs(written)} |",
                  flush=True)

        marks: list[tuple[str, float]] = []
        start = time.process_time()
        run_checks(engine, checks, requirements, supplied, settings.sample_rows,
                   lambda check_id: marks.append((check_id, time.process_time())))
        total = time.process_time() - start
        ends = [m[1] for m in marks[1:]] + [start + total]
        per_check = sorted(((c, e - s) for (c, s), e in zip(marks, ends, strict=True)), key=lambda kv: -kv[1])
        print(f"\nall {len(per_check)} checks as the runner runs them: {total:.2f} CPU s, "
              f"{total / statistics.median(floor):.1f}x the scan floor; per check (one run):")
        print("| check | CPU s |\n|---|---|")
        for check_id, cpu in per_check[:6]:
            print(f"| {check_id} | {cpu:.2f} |")
        print(f"| the other {len(per_check) - 6} | {sum(c for _, c in per_check[6:]):.2f} |")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        con.close()


if __name__ == "__main__":
    main()
