"""SparkEngine: naive timestamps survive DuckDB → Parquet → Spark unchanged whatever the session's or
the JVM's time zone, exports read like DuckDB's, and engines sharing a SparkSession do not collide.
One local SparkSession for the module (its start-up takes 20-60 s on a 2-core machine)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.checks.params import InspectionParams

if shutil.which("java") is None:
    pytest.skip("Spark needs Java (apt-get install default-jre-headless)", allow_module_level=True)
pytest.importorskip("pyspark", reason="pip install pyspark")

from ccaudit.checks.engine_spark import SparkEngine, local_session

# Settings for small data: one shuffle partition and no code generation keep each query short.
SMALL = {"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false", "spark.driver.memory": "1g"}

ROWS = [
    # _file, _row, name, n, minutes, flag, day, seen (local wall time), seen_utc
    ("f1", 2, "plain", 1, 480, True, dt.date(2026, 2, 28),
     dt.datetime(2026, 2, 28, 23, 59, 59, 999999), dt.datetime(2026, 2, 28, 15, 59, 59, 999999)),
    ("f1", 3, "", None, None, None, None, None, None),
    ("f1", 4, None, -(2**62), 0, False, dt.date(2024, 2, 29),
     dt.datetime(2024, 2, 29, 0, 0), dt.datetime(2024, 2, 28, 16, 0)),
    # New York's spring-forward gap (02:30 does not exist there) and a date before the Gregorian reform.
    ("f2", 2, 'a,"quoted"\nline 二', 9, 1439, False, dt.date(1, 1, 1),
     dt.datetime(2026, 3, 8, 2, 30), dt.datetime(2026, 3, 7, 18, 30)),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(2, SMALL)
    yield session
    session.stop()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "ws.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE things (_file VARCHAR, _row BIGINT, name VARCHAR, n BIGINT, minutes INTEGER, flag BOOLEAN, "
        "day DATE, seen TIMESTAMP, seen_utc TIMESTAMP)"
    )
    con.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    con.execute("CREATE TABLE evidence_files (sha256 VARCHAR, original_name VARCHAR)")
    con.execute("INSERT INTO evidence_files VALUES ('f1', '清冊.xlsx')")
    con.execute("CREATE TABLE offending__old AS SELECT 1 AS x")
    yield con
    con.close()


def test_naive_timestamps_keep_their_wall_clock_in_any_session_zone(
    spark: Any, workspace: duckdb.DuckDBPyConnection
) -> None:
    with SparkEngine(spark) as engine:
        assert engine.load_workspace(workspace) == {"evidence_files": 1, "things": 4}
        schema = {f.name: f.dataType.simpleString() for f in engine.spark.table("things").schema.fields}
        assert schema["seen"] == schema["seen_utc"] == "timestamp_ntz"
        assert schema["day"] == "date" and schema["minutes"] == "int" and schema["n"] == "bigint"
        engine.set_params(InspectionParams(dt.date(2026, 2, 28)))
        for zone in ("UTC", "America/New_York", "Asia/Taipei"):
            engine.spark.conf.set("spark.sql.session.timeZone", zone)
            got = [tuple(r.values()) for r in engine.query("SELECT * FROM things ORDER BY _file, _row")]
            assert got == ROWS, zone
            params = engine.query("SELECT * FROM params")[0]
            assert params["as_of_end"] == dt.datetime(2026, 3, 1), zone
            assert params["as_of_end_utc"] == dt.datetime(2026, 2, 28, 16), zone
            derived = engine.query(
                "SELECT EXTRACT(HOUR FROM t.seen) AS h, CAST(t.seen AS DATE) AS d, "
                "CAST(t.seen + INTERVAL '1' DAY AS DATE) AS next_day, t.seen < p.as_of_end AS before_end "
                "FROM things t CROSS JOIN params p WHERE t._row = 2 ORDER BY t._file"
            )
            assert derived == [
                {"h": 23, "d": dt.date(2026, 2, 28), "next_day": dt.date(2026, 3, 1), "before_end": True},
                {"h": 2, "d": dt.date(2026, 3, 8), "next_day": dt.date(2026, 3, 9), "before_end": False},
            ], zone


def test_exports_read_like_duckdb(spark: Any, workspace: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    select = (
        'SELECT t.*, f.original_name AS source_file FROM things t LEFT JOIN evidence_files f ON f.sha256 = t._file '
        'ORDER BY "_file" DESC, "_row"'
    )
    DuckDBEngine(workspace).export_csv(select, tmp_path / "duckdb.csv")
    with SparkEngine(spark) as engine:
        engine.load_workspace(workspace)
        engine.spark.conf.set("spark.sql.session.timeZone", "America/New_York")
        engine.export_csv(select, tmp_path / "spark.csv")
        engine.export_parquet(select, tmp_path / "spark.parquet")
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    back = workspace.execute(
        f"SELECT * EXCLUDE (source_file) FROM read_parquet('{tmp_path / 'spark.parquet'}')"
    ).fetchall()
    assert back == sorted(ROWS, key=lambda r: (r[0], -r[1]), reverse=True)


def test_engines_sharing_a_session_do_not_collide(spark: Any, workspace: duckdb.DuckDBPyConnection) -> None:
    with SparkEngine(spark) as one, SparkEngine(spark) as two:
        one.load_workspace(workspace)
        two.create_table("things", "SELECT 1 AS x")
        assert one.query("SELECT count(*) AS n FROM things") == [{"n": 4}]
        assert two.columns("things") == ["x"]
        two.create_table("things", "SELECT 2 AS y")  # replaced, the earlier result released
        assert two.query("SELECT * FROM things") == [{"y": 2}]


def test_a_firm_partition_is_removed_through_the_executors_file_system(spark: Any, tmp_path: Path) -> None:
    """How a run replaces its firm's earlier partition where Spark writes (s3a:// on a cluster; here file://)."""
    with SparkEngine(spark, tmp_path / "scratch") as engine:
        engine.export_partitioned("SELECT 'F1' AS firm_id, 1 AS x UNION ALL SELECT 'F2', 2", tmp_path / "out",
                                  ["firm_id"])
        assert sorted(p.name for p in (tmp_path / "out").glob("firm_id=*")) == ["firm_id=F1", "firm_id=F2"]
        engine.delete_path(f"file://{tmp_path}/out/firm_id=F1")  # as given: s3a://bucket/prefix/firm_id=…
        engine.delete_path(f"file://{tmp_path}/out/firm_id=F9")  # nothing there: no error
    assert sorted(p.name for p in (tmp_path / "out").glob("firm_id=*")) == ["firm_id=F2"]


def _jobs(engine: SparkEngine) -> int:
    """Spark jobs started so far in the session's context (their IDs count up from 0)."""
    return max(engine.spark.sparkContext.statusTracker().getJobIdsForGroup(None), default=-1) + 1


def test_a_checks_rows_are_computed_once_and_read_on_the_driver(
    spark: Any, workspace: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """What made a firm cost ~200 small jobs: registering the evidence starts none (the schema is read
    from the Parquet footer), a check's table is one job (its rows written once), and its counts,
    sample, columns and exports are read from those rows on the driver without another job; a check
    without rows still has its columns."""
    with SparkEngine(spark) as engine:
        started = _jobs(engine)
        engine.load_workspace(workspace)
        engine.set_params(InspectionParams(dt.date(2026, 2, 28)))
        assert _jobs(engine) == started, "no job to register the evidence"
        engine.create_table("offending__x", "SELECT * FROM things WHERE n IS NOT NULL")
        engine.create_table("offending__none", "SELECT * FROM things WHERE n > 100")
        assert _jobs(engine) == started + 2, "one job per check"
        tally = engine.query(
            "SELECT f.original_name, count(*) AS n FROM offending__x o "
            "LEFT JOIN evidence_files f ON f.sha256 = o._file GROUP BY f.original_name ORDER BY 1"
        )
        assert tally == [{"original_name": "清冊.xlsx", "n": 2}, {"original_name": None, "n": 1}]
        assert engine.columns("offending__none") == [c for c, *_ in workspace.execute("DESCRIBE things").fetchall()]
        assert engine.query("SELECT count(*) AS n FROM offending__none") == [{"n": 0}]
        sample = engine.query("SELECT * FROM offending__x ORDER BY _file, _row LIMIT 2")
        assert [tuple(r.values()) for r in sample] == [ROWS[0], ROWS[2]], "the values as DuckDB holds them"
        engine.export_csv("SELECT * FROM offending__x ORDER BY _file, _row", tmp_path / "spark.csv")
        assert _jobs(engine) == started + 2, "no job to read a check's rows"
        assert engine.query("SELECT count(*) AS n FROM things") == [{"n": 4}], "evidence alone: on Spark"
    DuckDBEngine(workspace).export_csv("SELECT * FROM things WHERE n IS NOT NULL ORDER BY _file, _row",
                                       tmp_path / "duckdb.csv")
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
