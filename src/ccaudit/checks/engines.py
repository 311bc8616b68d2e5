"""Where check SQL runs. Checks are written once (DuckDB dialect, portable constructs only) and
transpiled with SQLGlot for other engines; an engine only executes and moves result tables."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import duckdb
import sqlglot
from sqlglot import exp

from ccaudit import csvsafe
from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.findings.models import EngineRef

SOURCE_DIALECT = "duckdb"


def transpile(sql: str, dialect: str) -> str:
    if dialect == SOURCE_DIALECT:
        return sql
    # RAISE: a construct SQLGlot cannot express in the target fails here, loudly, instead of
    # reaching the engine as SQL that may run with another meaning.
    return ";\n".join(
        portable(statement).sql(dialect=dialect, pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
        for statement in sqlglot.parse(sql, read=SOURCE_DIALECT)
        if statement is not None
    )


def portable(tree: exp.Expr) -> exp.Expr:
    """Rewrites of DuckDB-only forms that SQLGlot passes through unchanged: `x IN ()` (an empty list,
    e.g. a check that no requirement names) is FALSE, a syntax error elsewhere."""

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.In) and not any(node.args.get(k) for k in ("expressions", "query", "unnest", "field")):
            return exp.false()
        return node

    return tree.transform(rewrite)


def evidence_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The workspace's evidence tables (dataset tables, `<dataset>__<field>` child tables and
    evidence_files): every base table but the params and the results of an earlier run."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if r[0] != PARAMS_TABLE and not r[0].startswith(("offending__", "__"))]


def params_sql(params: InspectionParams, dialect: str) -> str:
    """A one-row SELECT of the inspection parameters as typed literals (no bind parameters, so that
    every engine gets the same values whatever its session or machine time zone)."""
    cols = []
    for name, value in params.row().items():
        if isinstance(value, dt.datetime):
            literal = f"CAST({quote_literal(value.isoformat(sep=' '))} AS TIMESTAMP)"
        elif isinstance(value, dt.date):
            literal = f"CAST({quote_literal(value.isoformat())} AS DATE)"
        elif isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"parameter {name}: unsupported value {value!r}")
        else:
            literal = f"CAST({value} AS BIGINT)"
        cols.append(f"{literal} AS {quote_ident(name)}")
    return transpile(f"SELECT {', '.join(cols)}", dialect)


def redacted(url: str) -> str:
    """A URL fit to record: its password replaced by `***` (a Spark master URL passes unchanged)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class CheckEngine(Protocol):
    dialect: str

    def info(self) -> EngineRef: ...

    def set_params(self, params: InspectionParams) -> None: ...
    def create_table(self, name: str, sql: str) -> None: ...
    def create_shared(self, name: str, sql: str) -> None: ...
    def drop_shared(self, name: str) -> None: ...
    def query(self, sql: str) -> list[dict[str, Any]]: ...
    def columns(self, table: str) -> list[str]: ...
    def export_csv(self, sql: str, path: Path) -> None: ...
    def export_parquet(self, sql: str, path: Path) -> None: ...
    def export_partitioned(self, sql: str, path: Path | str, partition_by: list[str]) -> None: ...


class DuckDBEngine:
    """The embedded default: checks run over the workspace's native tables."""

    dialect = SOURCE_DIALECT

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def info(self) -> EngineRef:
        return EngineRef(name="duckdb", version=duckdb.__version__)

    def set_params(self, params: InspectionParams) -> None:
        row = params.row()
        self.con.execute(f"DROP TABLE IF EXISTS {PARAMS_TABLE}")
        cols = ", ".join(f"? AS {quote_ident(k)}" for k in row)
        self.con.execute(f"CREATE TABLE {PARAMS_TABLE} AS SELECT {cols}", list(row.values()))

    def create_table(self, name: str, sql: str) -> None:
        # one statement, so one commit (a DROP before it was a second one: ~10 ms of wall time per check)
        self.con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS {sql}")

    def create_shared(self, name: str, sql: str) -> None:
        """A shared relation as a temporary view: DuckDB inlines it into each check and reads only the
        columns that check uses from its native columnar tables, which costs less than writing the
        relation's rows once (measured: 0.45 CPU-s to materialise 857k sessions, 0.01-0.05 per check
        to scan them again; bench/README.md)."""
        self.con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {quote_ident(name)} AS {sql}")

    def drop_shared(self, name: str) -> None:
        self.con.execute(f"DROP VIEW IF EXISTS {quote_ident(name)}")

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()]

    def export_csv(self, sql: str, path: Path) -> None:
        """A CSV for people: every cell neutralised against formula injection (ccaudit.csvsafe), so
        the other engines, which export through this one, write the same bytes."""
        names = [quote_ident(r[0]) for r in self.con.execute(f"DESCRIBE SELECT * FROM ({sql})").fetchall()]
        safe = f"SELECT {', '.join(f'{csvsafe.sql_cell(n)} AS {n}' for n in names)} FROM ({sql})"
        # A UTF-8 BOM first, so that Excel on a Traditional Chinese Windows opens the file correctly.
        body = path.with_suffix(".body")
        self.con.execute(f"COPY ({safe}) TO {quote_literal(str(body))} (HEADER, DELIMITER ',')")
        with path.open("wb") as out, body.open("rb") as src:
            out.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(src, out, 1 << 20)
        body.unlink()

    def export_parquet(self, sql: str, path: Path) -> None:
        self.con.execute(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet)")

    def export_partitioned(self, sql: str, path: Path | str, partition_by: list[str]) -> None:
        """Parquet under `path`, one folder per partition value (`firm_id=9A00/requirement_id=12.1.1/`)."""
        cols = ", ".join(quote_ident(c) for c in partition_by)
        self.con.execute(
            f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet, PARTITION_BY ({cols}), OVERWRITE_OR_IGNORE)"
        )
