"""Where check SQL runs. Checks are written once (DuckDB dialect, portable constructs only) and
transpiled with SQLGlot for other engines; an engine only executes and moves result tables."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol

import duckdb
import sqlglot

from ccaudit.checks.params import PARAMS_TABLE, InspectionParams
from ccaudit.evidence.readers import quote_ident, quote_literal

SOURCE_DIALECT = "duckdb"


def transpile(sql: str, dialect: str) -> str:
    if dialect == SOURCE_DIALECT:
        return sql
    return ";\n".join(sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect, pretty=True))


class CheckEngine(Protocol):
    dialect: str

    def set_params(self, params: InspectionParams) -> None: ...
    def create_table(self, name: str, sql: str) -> None: ...
    def query(self, sql: str) -> list[dict[str, Any]]: ...
    def columns(self, table: str) -> list[str]: ...
    def export_csv(self, sql: str, path: Path) -> None: ...
    def export_parquet(self, sql: str, path: Path) -> None: ...


class DuckDBEngine:
    """The embedded default: checks run over the workspace's native tables."""

    dialect = SOURCE_DIALECT

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def set_params(self, params: InspectionParams) -> None:
        row = params.row()
        self.con.execute(f"DROP TABLE IF EXISTS {PARAMS_TABLE}")
        cols = ", ".join(f"? AS {quote_ident(k)}" for k in row)
        self.con.execute(f"CREATE TABLE {PARAMS_TABLE} AS SELECT {cols}", list(row.values()))

    def create_table(self, name: str, sql: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
        self.con.execute(f"CREATE TABLE {quote_ident(name)} AS {sql}")

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()]

    def export_csv(self, sql: str, path: Path) -> None:
        # A UTF-8 BOM first, so that Excel on a Traditional Chinese Windows opens the file correctly.
        body = path.with_suffix(".body")
        self.con.execute(f"COPY ({sql}) TO {quote_literal(str(body))} (HEADER, DELIMITER ',')")
        with path.open("wb") as out, body.open("rb") as src:
            out.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(src, out, 1 << 20)
        body.unlink()

    def export_parquet(self, sql: str, path: Path) -> None:
        self.con.execute(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet)")
