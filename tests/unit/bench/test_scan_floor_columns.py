"""The benchmark's scan floor reads exactly the columns the checks step reads (bench/run_bench.py):
every column resolved to the table it comes from, through CTEs, shared relations, stars and the
runner's compensation and provenance wrapper; no column of the same name in a joined table counted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ccaudit.checks.models import Check, CheckMetadata, SharedRelation

BENCH = Path(__file__).resolve().parents[3] / "bench"
TABLES = {
    "sessions": {"session_id": "VARCHAR", "person_id": "VARCHAR", "start_time": "TIMESTAMP", "mfa": "VARCHAR",
                 "channel": "VARCHAR", "_file": "VARCHAR", "_row": "BIGINT"},
    "people": {"person_id": "VARCHAR", "name": "VARCHAR", "allowed": "BOOLEAN", "_file": "VARCHAR", "_row": "BIGINT"},
    "params": {"as_of": "DATE", "window_start_ts": "TIMESTAMP"},
    "evidence_files": {"sha256": "VARCHAR", "original_name": "VARCHAR", "dataset": "VARCHAR"},
    "compensating_measures": {"measure_id": "VARCHAR", "requirement_id": "VARCHAR", "check_id": "VARCHAR",
                              "subject": "VARCHAR", "approved_on": "DATE", "review_by": "DATE", "note": "VARCHAR"},
}


def _run_bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # run_bench imports its sibling synth.py
    try:
        spec = importlib.util.spec_from_file_location("run_bench_under_test", BENCH / "run_bench.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def _check(check_id: str, sql: str, shared: tuple[SharedRelation, ...] = ()) -> Check:
    text = {"en": "x", "zh-TW": "x"}
    meta = CheckMetadata(id=check_id, title=text, severity="low", datasets=("sessions",), key=("session_id",),
                         sentence=text, rationale=text, remediation=text, shared=tuple(r.name for r in shared))
    return Check(meta=meta, sql=sql, folder=Path("."), area="test", shared=shared)


def test_the_floor_reads_each_column_a_check_reads_from_the_table_it_comes_from() -> None:
    window = SharedRelation(name="sessions_in_window", path=Path("w.sql"), sql=(
        "SELECT s.*, pe.allowed, pe.name FROM sessions s CROSS JOIN params p "
        "LEFT JOIN people pe ON pe.person_id = s.person_id WHERE s.start_time >= p.window_start_ts"))
    checks = [
        # reads mfa and the people register's flag through the shared relation's star and join
        _check("mfa_used", "SELECT w.person_id AS subject, w.session_id, w._file, w._row "
                           "FROM sessions_in_window w WHERE w.mfa IS NULL AND w.allowed", (window,)),
        # people has person_id, _file and _row too: only the sessions' are read here
        _check("authorized", "WITH k AS (SELECT s.session_id, s.person_id, s._file, s._row FROM sessions s) "
                             "SELECT k.person_id AS subject, k.session_id, k._file, k._row FROM k "
                             "WHERE NOT EXISTS (SELECT 1 FROM people pe WHERE pe.person_id = k.person_id)"),
    ]
    used = _run_bench()._columns_used(checks, {c.id: ["12.5.1"] for c in checks}, TABLES)
    assert used["sessions"] == ["_file", "_row", "mfa", "person_id", "session_id", "start_time"]  # no channel
    assert used["people"] == ["allowed", "person_id"]  # name, _file, _row: projected by the relation, read by none
    assert used["evidence_files"] == ["original_name", "sha256"]  # the wrapper's provenance join
    assert set(used["compensating_measures"]) == set(TABLES["compensating_measures"]) - {"note"}
    assert used["params"] == ["as_of", "window_start_ts"]
