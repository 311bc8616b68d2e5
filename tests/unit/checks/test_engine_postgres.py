"""PostgresEngine: the loader copies a workspace's evidence tables with their types and values, each
run works in its own schema, and exports read like DuckDB's. Needs a real server:
`export CCAUDIT_TEST_PG_URL=$(scripts/start-postgres.sh)`; the server tests skip without it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ccaudit.checks.engines import DuckDBEngine, evidence_tables, transpile
from ccaudit.checks.params import InspectionParams

PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")
needs_server = pytest.mark.skipif(not PG_URL, reason="CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh)")

ROWS = [
    # _file, _row, name, n, minutes, score, flag, day, seen (local wall time), seen_utc
    ("f1", 2, "plain", 1, 480, 1.5, True, dt.date(2026, 2, 28),
     dt.datetime(2026, 2, 28, 23, 59, 59, 999999), dt.datetime(2026, 2, 28, 15, 59, 59, 999999)),
    ("f1", 3, "", None, None, None, None, None, None, None),  # an empty string is not NULL
    ("f1", 4, None, -(2**62), 0, -0.1, False, dt.date(2024, 2, 29),
     dt.datetime(2024, 2, 29, 0, 0), dt.datetime(2024, 2, 28, 16, 0)),
    ("f2", 2, 'a,"quoted"\nline 二', 9, 1439, 1e300, False, dt.date(1, 1, 1),
     dt.datetime(1970, 1, 1, 8, 0), dt.datetime(1970, 1, 1, 0, 0)),
]


def _workspace(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE things (_file VARCHAR, _row BIGINT, name VARCHAR, n BIGINT, minutes INTEGER, score DOUBLE, "
        "flag BOOLEAN, day DATE, seen TIMESTAMP, seen_utc TIMESTAMP)"
    )
    con.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    con.execute("CREATE TABLE things__tags AS SELECT _file, _row, name, 'tag' || _row AS value FROM things")
    con.execute(
        "CREATE TABLE evidence_files (sha256 VARCHAR, dataset VARCHAR, original_name VARCHAR, row_count BIGINT, "
        "effective_date DATE, imported_at TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO evidence_files VALUES ('f1', 'things', '清冊.xlsx', 3, NULL, TIMESTAMP '2026-11-30 09:00')"
    )
    # Left by an earlier run: not evidence, never copied.
    con.execute("CREATE TABLE params AS SELECT DATE '2026-11-30' AS as_of")
    con.execute("CREATE TABLE offending__old AS SELECT 1 AS x")
    return con


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _workspace(tmp_path / "ws.duckdb")
    yield con
    con.close()


@pytest.fixture
def engine() -> Iterator[object]:
    from ccaudit.checks.engine_postgres import PostgresEngine

    assert PG_URL
    with PostgresEngine.connect(PG_URL) as eng:
        yield eng


def test_conninfo_accepts_sqlalchemy_urls() -> None:
    pytest.importorskip("psycopg")
    from ccaudit.checks.engine_postgres import conninfo, postgres_type

    assert conninfo("postgresql+psycopg://postgres@127.0.0.1:5432/db") == "postgresql://postgres@127.0.0.1:5432/db"
    assert conninfo("postgres://u@h/db") == "postgresql://u@h/db"
    assert postgres_type("TIMESTAMP") == "timestamp" and postgres_type("DECIMAL(18,3)") == "numeric(18, 3)"


def test_empty_in_list_is_false_on_every_target() -> None:
    """DuckDB accepts `x IN ()` (a check no requirement names); PostgreSQL and Spark reject it."""
    for dialect in ("postgres", "spark"):
        out = transpile("SELECT 1 AS x WHERE 'a' IN () OR 'b' NOT IN ()", dialect)
        assert "IN ()" not in out and "FALSE" in out.upper()


def test_evidence_tables_leave_out_params_and_results(workspace: duckdb.DuckDBPyConnection) -> None:
    assert evidence_tables(workspace) == ["evidence_files", "things", "things__tags"]


@needs_server
def test_loader_keeps_types_and_values(workspace: duckdb.DuckDBPyConnection, engine: object) -> None:
    from ccaudit.checks.engine_postgres import PostgresEngine

    assert isinstance(engine, PostgresEngine)
    loaded = engine.load_workspace(workspace, batch_rows=2)  # several batches per table
    assert loaded == {"evidence_files": 1, "things": 4, "things__tags": 4}
    types = {
        r["column_name"]: r["data_type"]
        for r in engine.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'things'"
        )
    }
    assert types == {
        "_file": "text", "_row": "bigint", "name": "text", "n": "bigint", "minutes": "integer",
        "score": "double precision", "flag": "boolean", "day": "date",
        "seen": "timestamp without time zone", "seen_utc": "timestamp without time zone",
    }
    got = [tuple(r.values()) for r in engine.query("SELECT * FROM things ORDER BY _file, _row")]
    assert got == sorted(ROWS, key=lambda r: (r[0], r[1]))
    assert engine.query("SELECT original_name FROM evidence_files") == [{"original_name": "清冊.xlsx"}]
    tables = {r["table_name"] for r in engine.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )}
    assert tables == {"evidence_files", "things", "things__tags"}


@needs_server
def test_session_time_zone_changes_nothing(workspace: duckdb.DuckDBPyConnection, engine: object) -> None:
    from ccaudit.checks.engine_postgres import PostgresEngine

    assert isinstance(engine, PostgresEngine)
    engine.load_workspace(workspace)
    engine.set_params(InspectionParams(dt.date(2026, 2, 28)))
    before = engine.query("SELECT * FROM things CROSS JOIN params ORDER BY _file, _row")
    engine.conn.execute("SET TimeZone TO 'America/New_York'")
    after = engine.query("SELECT * FROM things CROSS JOIN params ORDER BY _file, _row")
    assert after == before
    assert before[0]["as_of_end"] == dt.datetime(2026, 3, 1)
    assert before[0]["as_of_end_utc"] == dt.datetime(2026, 2, 28, 16)
    hours = engine.query(
        "SELECT EXTRACT(HOUR FROM seen) AS h, CAST(seen AS DATE) AS d FROM things WHERE _row = 2 AND _file = 'f1'"
    )
    assert int(hours[0]["h"]) == 23 and hours[0]["d"] == dt.date(2026, 2, 28)


@needs_server
def test_each_engine_works_in_its_own_schema(workspace: duckdb.DuckDBPyConnection) -> None:
    from ccaudit.checks.engine_postgres import PostgresEngine, PostgresEngineError

    assert PG_URL
    with PostgresEngine.connect(PG_URL) as one, PostgresEngine.connect(PG_URL) as two:
        assert one.schema != two.schema
        one.load_workspace(workspace)
        two.load_workspace(workspace, tables=["things"])
        two.create_table("things", "SELECT 1 AS x")
        assert one.query("SELECT count(*) AS n FROM things") == [{"n": 4}]
        assert two.columns("things") == ["x"]
        with pytest.raises(PostgresEngineError, match="longer than 63 bytes"):  # PostgreSQL would cut it
            two.create_table("offending__" + "x" * 53, "SELECT 1 AS x")
        schema = one.schema
    with PostgresEngine.connect(PG_URL) as probe:
        left = probe.query(f"SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = '{schema}'")
        assert left == [{"n": 0}], "close() drops the run's schema"


@needs_server
def test_exports_read_like_duckdb(workspace: duckdb.DuckDBPyConnection, engine: object, tmp_path: Path) -> None:
    from ccaudit.checks.engine_postgres import PostgresEngine

    assert isinstance(engine, PostgresEngine)
    engine.load_workspace(workspace)
    select = (
        'SELECT t.*, f.original_name AS source_file FROM things t LEFT JOIN evidence_files f ON f.sha256 = t._file '
        'ORDER BY "_file" DESC, "_row"'
    )
    DuckDBEngine(workspace).export_csv(select, tmp_path / "duckdb.csv")
    engine.export_csv(select, tmp_path / "postgres.csv")
    assert (tmp_path / "postgres.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()
    assert (tmp_path / "postgres.csv").read_bytes().startswith(b"\xef\xbb\xbf_file,")
    engine.export_parquet(select, tmp_path / "postgres.parquet")
    DuckDBEngine(workspace).export_parquet(select, tmp_path / "duckdb.parquet")
    read = "SELECT * FROM read_parquet('{}')"
    assert workspace.execute(read.format(tmp_path / "postgres.parquet")).fetchall() == \
        workspace.execute(read.format(tmp_path / "duckdb.parquet")).fetchall()
