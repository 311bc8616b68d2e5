"""The same checks, unchanged, give the same findings on DuckDB, PostgreSQL and Apache Spark.

The demo firm is inspected with DuckDB (the reference); its workspace is then loaded into each other
engine and the whole evaluation (checks, compensation, decisions, exports) runs again there. For every
check the offending key tuples (check.meta.key), the compensated and expired counts and the measures
must equal DuckDB's; so must every finding (status, samples, counts) and every offending CSV.

Time zones: PostgreSQL runs once more with the session in New York, and a subprocess whose machine
zone (TZ, PGTZ) is New York repeats the DuckDB inspection and the PostgreSQL run; Spark runs with this
process, its JVM and its session zone in New York.

PostgreSQL needs CCAUDIT_TEST_PG_URL (`export CCAUDIT_TEST_PG_URL=$(scripts/start-postgres.sh)`);
Spark needs Java and pyspark. One SparkSession for the module."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.checks.engines import CheckEngine, DuckDBEngine
from ccaudit.demo.generator import generate
from ccaudit.evidence.importer import open_workspace
from ccaudit.evidence.readers import quote_ident
from ccaudit.evidence.store import EvidenceStore
from ccaudit.inspection.service import WORKSPACE, Content, InspectionResult, evaluate, inspect
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")
NEW_YORK = "America/New_York"


def _key(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def summarize(engine: CheckEngine, result: InspectionResult) -> dict[str, dict[str, Any]]:
    """Per check: outcome, counts, measures and the sorted offending key tuples ('|'-joined)."""
    out: dict[str, dict[str, Any]] = {}
    for check_id, res in sorted(result.results.items()):
        entry: dict[str, Any] = {
            "outcome": res.outcome.value, "offending": res.offending, "compensated": res.compensated,
            "expired_only": res.expired_only, "measures": res.measures,
            "expired_measures": [{k: _key(v) for k, v in m.items()} for m in res.expired_measures],
        }
        if res.table:
            cols = ", ".join(quote_ident(k) for k in res.check.meta.key)
            rows = engine.query(f"SELECT {cols} FROM {quote_ident(res.table)}")
            entry["keys"] = sorted("|".join(_key(v) for v in row.values()) for row in rows)
        out[check_id] = entry
    return out


def findings(result_dir: Path) -> list[dict[str, Any]]:
    report = json.loads((result_dir / "findings.json").read_text(encoding="utf-8"))
    return list(report["findings"])


def offending_files(result_dir: Path) -> dict[str, list[bytes]]:
    """Each offending CSV as its header and its sorted lines (rows tied on the sort key may swap)."""
    files = {}
    for path in sorted((result_dir / "offending").glob("*.csv")):
        header, *lines = path.read_bytes().split(b"\n")
        files[path.name] = [header, *sorted(lines)]
    return files


def run_on(engine: Any, results_dir: Path, out_dir: Path) -> InspectionResult:
    """Load the DuckDB workspace of `results_dir` into `engine` and evaluate the catalog there."""
    settings = Settings()
    con = open_workspace(results_dir / WORKSPACE, settings, read_only=True)
    try:
        engine.load_workspace(con)
    finally:
        con.close()
    content = Content.load(settings)
    catalog = content.catalogs.in_force(DEFAULT_CATALOG, AS_OF)
    manifest = EvidenceStore(results_dir / "evidence").read_manifest()
    return evaluate(engine, catalog, content, manifest, AS_OF, out_dir, settings)


def summarize_workspace(result: InspectionResult) -> dict[str, dict[str, Any]]:
    con = open_workspace(result.out_dir / WORKSPACE, Settings(), read_only=True)
    try:
        return summarize(DuckDBEngine(con), result)
    finally:
        con.close()


class Reference:
    def __init__(self, root: Path, result: InspectionResult) -> None:
        self.root = root
        self.result = result
        self.results_dir = root / "results"
        self.summary = summarize_workspace(result)
        self.findings = findings(self.results_dir)
        self.offending = offending_files(self.results_dir)

    def run_on(self, engine: Any, out_dir: Path) -> InspectionResult:
        return run_on(engine, self.results_dir, out_dir)

    def assert_agrees(self, engine: Any, result: InspectionResult, label: str) -> None:
        summary = summarize(engine, result)
        assert summary.keys() == self.summary.keys(), label
        for check_id, expected in self.summary.items():
            assert summary[check_id] == expected, f"{label}: {check_id}"
        assert findings(result.out_dir) == self.findings, label
        assert offending_files(result.out_dir) == self.offending, label


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("engines")
    generate(root, scale=0.02, seed=7, as_of=AS_OF, scope={"is_cloud_provider": True}, plant="all")
    ref = Reference(root, inspect(root / "evidence", AS_OF, root / "results", Settings()))
    failing = [c for c, s in ref.summary.items() if s["offending"]]
    assert len(failing) >= 30 and any(s["compensated"] for s in ref.summary.values()), "the demo plants gaps"
    return ref


# -- PostgreSQL -------------------------------------------------------------------------------------

needs_pg = pytest.mark.skipif(not PG_URL, reason="CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh)")


@needs_pg
@pytest.mark.slow
def test_postgres_finds_what_duckdb_finds(reference: Reference, tmp_path: Path) -> None:
    from ccaudit.checks.engine_postgres import PostgresEngine

    assert PG_URL
    with PostgresEngine.connect(PG_URL) as engine:
        started = time.monotonic()
        result = reference.run_on(engine, tmp_path / "postgres")
        reference.assert_agrees(engine, result, "postgres")
        print(f"postgres: load + {len(result.results)} checks in {time.monotonic() - started:.1f} s")
    with PostgresEngine.connect(PG_URL) as engine:  # nor does the session's zone (the engine sets UTC)
        engine.conn.execute(f"SET TimeZone TO '{NEW_YORK}'")
        result = reference.run_on(engine, tmp_path / "postgres-ny")
        assert engine.query("SELECT current_setting('TimeZone') AS tz") == [{"tz": NEW_YORK}]
        reference.assert_agrees(engine, result, "postgres, session zone New York")


_NEW_YORK_RUN = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, os.environ["CCAUDIT_TEST_DIR"])
import test_engines_agree as t
from ccaudit.checks.engine_postgres import PostgresEngine
from ccaudit.inspection.service import inspect
from ccaudit.settings import Settings
assert time.localtime(0).tm_hour == 19, "the machine zone is New York"
root, out = Path(sys.argv[1]), Path(sys.argv[2])
duckdb = inspect(root / "evidence", t.AS_OF, out / "duckdb", Settings())
with PostgresEngine.connect(os.environ["CCAUDIT_TEST_PG_URL"]) as engine:
    postgres = t.summarize(engine, t.run_on(engine, out / "duckdb", out / "postgres"))
summary = {"duckdb": t.summarize_workspace(duckdb), "postgres": postgres}
(out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
"""


@needs_pg
@pytest.mark.slow
def test_findings_do_not_depend_on_the_machine_time_zone(reference: Reference, tmp_path: Path) -> None:
    """DuckDB and PostgreSQL in a process whose zone is New York (TZ, and PGTZ for the server session)."""
    env = {**os.environ, "TZ": NEW_YORK, "PGTZ": NEW_YORK, "CCAUDIT_TEST_DIR": str(Path(__file__).parent)}
    done = subprocess.run(
        [sys.executable, "-c", _NEW_YORK_RUN, str(reference.root), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["duckdb"] == reference.summary
    assert summary["postgres"] == reference.summary
    assert findings(tmp_path / "postgres") == findings(tmp_path / "duckdb") == reference.findings


# -- Apache Spark -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local SparkSession whose JVM (and this process) runs in New York's zone."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (apt-get install default-jre-headless)")
    pytest.importorskip("pyspark", reason="pip install pyspark")
    from ccaudit.checks.engine_spark import local_session

    saved = os.environ.get("TZ")
    os.environ["TZ"] = NEW_YORK
    time.tzset()
    try:
        session = local_session(2, {
            "spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false",
            "spark.driver.extraJavaOptions": f"-Duser.timezone={NEW_YORK}",
        })
        # A JVM started earlier in this process (by another module's session) ignores the option:
        # set its default zone directly, as a machine set to New York would.
        zones = session.sparkContext._jvm.java.util.TimeZone  # type: ignore[union-attr]
        previous = zones.getDefault()
        zones.setDefault(zones.getTimeZone(NEW_YORK))
        try:
            assert zones.getDefault().getID() == NEW_YORK
            yield session
        finally:
            zones.setDefault(previous)
            session.stop()
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


@pytest.mark.slow
def test_spark_finds_what_duckdb_finds(reference: Reference, spark: Any, tmp_path: Path) -> None:
    """One pass (Spark is slow on small data: 5-15 min on 2 busy cores) with everything in New York:
    this process, the JVM and, overriding the engine's UTC, the Spark session. Naive timestamps are
    TIMESTAMP_NTZ, so not even the session zone may move a finding (with the engine's UTC session
    the run agreed as well; tests/unit/checks/test_engine_spark.py covers UTC, New York and Taipei)."""
    from ccaudit.checks.engine_spark import SparkEngine

    assert time.localtime(0).tm_hour == 19, "this process runs in New York's zone"
    with SparkEngine(spark) as engine:
        engine.spark.conf.set("spark.sql.session.timeZone", NEW_YORK)
        started = time.monotonic()
        result = reference.run_on(engine, tmp_path / "spark")
        print(f"spark: load + {len(result.results)} checks in {time.monotonic() - started:.1f} s")
        assert engine.spark.conf.get("spark.sql.session.timeZone") == NEW_YORK
        reference.assert_agrees(engine, result, "spark, JVM and session in New York")
