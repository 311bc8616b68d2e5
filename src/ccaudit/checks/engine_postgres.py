"""Checks on PostgreSQL: the workspace's evidence tables are copied into a fresh schema of a real
server, and the checks (transpiled by the runner) run there unchanged.

Loading streams DuckDB → Arrow record batches → CSV → `COPY ... FROM STDIN`, one batch at a time, so
memory stays bounded by the batch size whatever the evidence's size. Exports stream the other way:
`COPY (query) TO STDOUT` into a scratch file that DuckDB reads with the column types PostgreSQL
reported and writes out, so an offending CSV or Parquet file is formatted exactly as DuckDBEngine's.

Timestamps stay `timestamp without time zone` end to end (wall-clock values, never shifted) and the
session's TimeZone is UTC, so nothing depends on the server's or the machine's zone.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow.csv as pa_csv
from psycopg import sql as pgsql
from psycopg.rows import dict_row

from ccaudit.checks.engines import DuckDBEngine, evidence_tables, params_sql, redacted, transpile
from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.errors import CcauditError
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.findings.models import EngineRef

DIALECT = "postgres"
BATCH_ROWS = 50_000
MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1

# DuckDB column type → PostgreSQL column type, for the types the importer creates (and a few more).
_TO_POSTGRES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "HUGEINT": "numeric(39, 0)",
    "UUID": "uuid",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")

# PostgreSQL type name → DuckDB type, to read what `COPY ... TO STDOUT` wrote.
_TO_DUCKDB = {
    "text": "VARCHAR", "varchar": "VARCHAR", "bpchar": "VARCHAR", "name": "VARCHAR", "uuid": "VARCHAR",
    "int8": "BIGINT", "int4": "INTEGER", "int2": "SMALLINT",
    "float8": "DOUBLE", "float4": "FLOAT", "bool": "BOOLEAN", "date": "DATE", "time": "TIME",
    "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
}


class PostgresEngineError(CcauditError):
    """The PostgreSQL engine cannot hold or return this data."""


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB column type; raises for a type it cannot hold."""
    upper = duckdb_type.upper()
    if upper in _TO_POSTGRES:
        return _TO_POSTGRES[upper]
    decimal = _DECIMAL.match(upper)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    raise PostgresEngineError(f"no PostgreSQL type for DuckDB type {duckdb_type}")


def _checked_name(name: str) -> str:
    """PostgreSQL cuts longer identifiers silently, so two long check ids could share one table."""
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise PostgresEngineError(f"table name longer than {MAX_IDENTIFIER_BYTES} bytes: {name}")
    return name


def conninfo(url: str) -> str:
    """A libpq connection string from a URL, accepting SQLAlchemy's `postgresql+psycopg://` form."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


class PostgresEngine:
    """Runs checks in one schema of a PostgreSQL database (autocommit: one statement, one transaction)."""

    dialect = DIALECT

    def __init__(
        self, conn: psycopg.Connection[Any], schema: str, *, drop_schema_on_close: bool = True, url: str | None = None
    ) -> None:
        self.conn = conn
        self.schema = schema
        self.drop_schema_on_close = drop_schema_on_close
        self.url = redacted(url) if url else None
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(schema)))
            cur.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(schema)))
            cur.execute("SET TimeZone TO 'UTC'")
            cur.execute("SET DateStyle TO 'ISO, YMD'")
            cur.execute("SET IntervalStyle TO 'iso_8601'")

    @classmethod
    def connect(cls, url: str, schema: str | None = None, *, drop_schema_on_close: bool = True) -> PostgresEngine:
        """A new connection working in a new schema (`ccaudit_<time>_<random>` unless named)."""
        name = schema or f"ccaudit_{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}_{secrets.token_hex(4)}"
        conn = psycopg.connect(conninfo(url), autocommit=True, application_name="ccaudit")
        try:
            return cls(conn, name, drop_schema_on_close=drop_schema_on_close, url=url)
        except Exception:
            conn.close()
            raise

    def close(self) -> None:
        if self.conn.closed:
            return
        try:
            if self.drop_schema_on_close:
                with self.conn.cursor() as cur:
                    cur.execute(pgsql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(pgsql.Identifier(self.schema)))
        finally:
            self.conn.close()

    def __enter__(self) -> PostgresEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ---------------------------------------------------------------------------------

    def load_workspace(
        self, con: duckdb.DuckDBPyConnection, tables: list[str] | None = None, batch_rows: int = BATCH_ROWS
    ) -> dict[str, int]:
        """Copy the workspace's evidence tables (all of them unless named) into this schema, with
        matching column types; returns table -> rows copied."""
        names = tables if tables is not None else evidence_tables(con)
        return {t: self.load_table(con, t, batch_rows) for t in names}

    def load_table(self, con: duckdb.DuckDBPyConnection, table: str, batch_rows: int = BATCH_ROWS) -> int:
        described = con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()
        columns = [(str(r[0]), postgres_type(str(r[1]))) for r in described]
        ident = pgsql.Identifier(_checked_name(table))
        column_list = pgsql.SQL(", ").join(pgsql.Identifier(c) for c, _ in columns)
        with self.conn.cursor() as cur:
            cur.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            cur.execute(pgsql.SQL("CREATE TABLE {} ({})").format(ident, pgsql.SQL(", ").join(
                pgsql.SQL("{} {}").format(pgsql.Identifier(c), pgsql.SQL(t)) for c, t in columns
            )))
            relation = con.sql(f"SELECT * FROM {quote_ident(table)}")
            reader = (  # DuckDB 2 renamed fetch_arrow_reader
                relation.to_arrow_reader(batch_rows) if hasattr(relation, "to_arrow_reader")
                else relation.fetch_arrow_reader(batch_rows)
            )
            options = pa_csv.WriteOptions(include_header=False)  # NULL: empty; '': "" (as COPY reads them)
            rows = 0
            with cur.copy(pgsql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(ident, column_list)) as copy:
                for batch in reader:
                    if batch.num_rows:
                        buffer = io.BytesIO()
                        pa_csv.write_csv(batch, buffer, options)
                        copy.write(buffer.getbuffer())
                        rows += batch.num_rows
            cur.execute(pgsql.SQL("ANALYZE {}").format(ident))
        return rows

    # -- CheckEngine -----------------------------------------------------------------------------

    def info(self) -> EngineRef:
        return EngineRef(name="postgres", version=str(self.conn.info.parameter_status("server_version") or ""),
                         url=self.url, db_schema=self.schema)

    def set_params(self, params: InspectionParams) -> None:
        self.create_table(PARAMS_TABLE, params_sql(params, self.dialect))

    def create_table(self, name: str, sql: str) -> None:
        """`sql` is in this engine's dialect (the runner transpiles a check before it gets here)."""
        ident = pgsql.Identifier(_checked_name(name))
        with self.conn.cursor() as cur:
            cur.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            cur.execute(pgsql.SQL("CREATE TABLE {} AS ").format(ident) + pgsql.SQL(sql))
            # Statistics, so that queries over it are planned for its real size: without them a one-row
            # params table is estimated at a thousand rows, and such estimates pass the JIT threshold.
            cur.execute(pgsql.SQL("ANALYZE {}").format(ident))

    def create_shared(self, name: str, sql: str) -> None:
        """A shared relation as a view of the run's schema, inlined into each check's plan (as the
        checks' own joins were; materialising it has not been measured on PostgreSQL)."""
        ident = pgsql.Identifier(_checked_name(name))
        with self.conn.cursor() as cur:
            cur.execute(pgsql.SQL("CREATE OR REPLACE VIEW {} AS ").format(ident) + pgsql.SQL(sql))

    def drop_shared(self, name: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(pgsql.SQL("DROP VIEW IF EXISTS {}").format(pgsql.Identifier(_checked_name(name))))

    def query(self, sql: str) -> list[dict[str, Any]]:
        """`sql` is in the source (DuckDB) dialect, as the runner and the service write it."""
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(transpile(sql, self.dialect).encode())
            return list(cur.fetchall())

    def columns(self, table: str) -> list[str]:
        with self.conn.cursor() as cur:
            cur.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(pgsql.Identifier(table)))
            return [d.name for d in cur.description or []]

    def export_csv(self, sql: str, path: Path) -> None:
        with self._exported(sql) as (duck, relation):
            DuckDBEngine(duck).export_csv(relation, path)

    def export_parquet(self, sql: str, path: Path) -> None:
        with self._exported(sql) as (duck, relation):
            DuckDBEngine(duck).export_parquet(relation, path)

    def export_partitioned(self, sql: str, path: Path | str, partition_by: list[str]) -> None:
        with self._exported(sql) as (duck, relation):
            DuckDBEngine(duck).export_partitioned(relation, path, partition_by)

    @contextmanager
    def _exported(self, sql: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """The query's rows, in order, as a DuckDB relation (streamed through a scratch CSV file). Dates
        are read as ISO (DateStyle ISO): sniffed, a text column of values such as `12.4.5` made DuckDB
        take the dates for `%y.%m.%d`."""
        text = transpile(sql, self.dialect)
        scratch = Path(tempfile.mkdtemp(prefix="ccaudit-pg-export-"))
        try:
            body = scratch / "rows.csv"
            with self.conn.cursor() as cur:
                cur.execute(pgsql.SQL("SELECT * FROM ({}) AS q LIMIT 0").format(pgsql.SQL(text)))
                types = {d.name: self._duckdb_type(d) for d in cur.description or []}
                with body.open("wb") as out, cur.copy(
                    pgsql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER)").format(pgsql.SQL(text))
                ) as copy:
                    for chunk in copy:
                        out.write(chunk)
            duck = duckdb.connect()
            try:
                duck.execute("SET TimeZone = 'UTC'")
                spec = "{" + ", ".join(f"{quote_literal(c)}: {quote_literal(t)}" for c, t in types.items()) + "}"
                relation = (
                    f"SELECT * FROM read_csv({quote_literal(str(body))}, header = true, delim = ',', quote = '\"', "
                    f"escape = '\"', allow_quoted_nulls = false, dateformat = '%Y-%m-%d', columns = {spec})"
                )
                yield duck, relation
            finally:
                duck.close()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _duckdb_type(self, column: psycopg.Column) -> str:
        info = self.conn.adapters.types.get(column.type_code)
        name = info.name if info else ""
        if name == "numeric":
            if column.precision is not None and column.scale is not None and column.precision <= 38:
                return f"DECIMAL({column.precision}, {column.scale})"
            return "DOUBLE"
        return _TO_DUCKDB.get(name, "VARCHAR")
