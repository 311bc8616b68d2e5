"""Writes demo evidence files in the messy styles real firms use: CSV in UTF-8, UTF-8 with BOM or
Big5; Excel; Parquet; NDJSON; English or Chinese headers; ISO or ROC dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from ccaudit.evidence.models import FieldType
from ccaudit.evidence.readers import quote_ident, quote_literal
from ccaudit.evidence.templates import TemplateRegistry

Column = np.ndarray | list[Any]


@dataclass(frozen=True)
class Style:
    """How one demo file is written."""

    fmt: str = "csv"  # csv | xlsx | parquet | ndjson
    encoding: str = "utf-8"  # csv only: utf-8 | utf-8-sig | cp950
    zh_headers: bool = False
    roc_dates: bool = False  # dates written as ROC 113/05/15
    bool_style: str = "true"  # true | yn | zh | v


def roc(date: dt.date) -> str:
    return f"{date.year - 1911}/{date.month:02d}/{date.day:02d}"


def _date_strings(values: Column, roc_style: bool) -> list[str | None]:
    out: list[str | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, np.datetime64) and np.isnat(v)):
            out.append(None)
            continue
        d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(np.datetime64(v, "D")))
        out.append(roc(d) if roc_style else d.isoformat())
    return out


_BOOLS = {"true": ("true", "false"), "yn": ("Y", "N"), "zh": ("是", "否"), "v": ("V", "X")}


class EvidenceWriter:
    """Writes datasets into an evidence folder following the templates."""

    def __init__(self, folder: Path, registry: TemplateRegistry, fmt: str | None = None) -> None:
        """`fmt`: write every file in this format (e.g. parquet for large runs) instead of each style's."""
        self.folder = folder
        self.registry = registry
        self.fmt = fmt
        folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def write(
        self, dataset: str, columns: Mapping[str, Column], style: Style = Style(), name: str | None = None
    ) -> Path:
        """Write one file of `dataset`; columns are keyed by template field name."""
        if self.fmt is not None:
            style = replace(style, fmt=self.fmt)
        template = self.registry[dataset]
        unknown = set(columns) - {f.name for f in template.fields}
        if unknown:
            raise ValueError(f"{dataset}: unknown columns {sorted(unknown)}")
        table: dict[str, pa.Array] = {}
        for spec in template.fields:
            if spec.name not in columns:
                continue
            values = columns[spec.name]
            header = spec.zh if style.zh_headers else spec.name
            if spec.type is FieldType.DATE and style.fmt != "parquet":
                table[header] = pa.array(_date_strings(values, style.roc_dates), pa.string())
            elif spec.type is FieldType.BOOLEAN and style.fmt in ("csv", "xlsx"):
                yes, no = _BOOLS[style.bool_style]
                table[header] = pa.array([None if v is None else (yes if v else no) for v in _py(values)], pa.string())
            elif spec.type is FieldType.LIST:
                joined = [None if v is None else ";".join(map(str, v)) for v in _py(values)]
                table[header] = pa.array(joined, pa.string())
            else:
                table[header] = pa.array(_py(values) if not isinstance(values, np.ndarray) else values)
        arrow = pa.table(table)
        stem = name or dataset
        path = self.folder / f"{stem}.{style.fmt}"
        if style.fmt == "csv":
            _write_csv(arrow, path, style.encoding)
        elif style.fmt == "xlsx":
            _write_xlsx(arrow, path, dataset)
        elif style.fmt == "parquet":
            pq.write_table(arrow, path)
        else:
            con = duckdb.connect()
            con.register("t", arrow)
            con.execute(f"COPY t TO '{path}' (FORMAT json)")
            con.close()
        self.written.append(path)
        return path


    def write_relation(
        self, dataset: str, con: duckdb.DuckDBPyConnection, query: str, style: Style = Style(),
        name: str | None = None, order_by: str | None = None,
    ) -> Path:
        """Write one file of `dataset` from a DuckDB query (columns named by template field), straight from
        DuckDB with COPY: the large demo datasets never pass through Python rows. Columns named `_...` are
        helpers, never written; `order_by` orders the file by any column of the query. Same styles as `write`."""
        if self.fmt is not None:
            style = replace(style, fmt=self.fmt)
        template = self.registry[dataset]
        columns = set(con.sql(query).columns)
        select = []
        for spec in template.fields:
            if spec.name not in columns:
                continue
            col, header = quote_ident(spec.name), quote_ident(spec.zh if style.zh_headers else spec.name)
            expr = col
            if spec.type is FieldType.DATE and style.fmt != "parquet":
                expr = (f"printf('%d/%02d/%02d', year({col}) - 1911, month({col}), day({col}))" if style.roc_dates
                        else f"strftime({col}, '%Y-%m-%d')")
            elif spec.type is FieldType.BOOLEAN and style.fmt in ("csv", "xlsx"):
                yes, no = _BOOLS[style.bool_style]
                expr = f"CASE WHEN {col} THEN {quote_literal(yes)} WHEN NOT {col} THEN {quote_literal(no)} END"
            elif spec.type is FieldType.LIST:
                expr = f"array_to_string({col}, ';')"
            select.append(f"{expr} AS {header}")
        unknown = {c for c in columns if not c.startswith("_")} - {f.name for f in template.fields}
        if unknown:
            raise ValueError(f"{dataset}: unknown columns {sorted(unknown)}")
        sql = f"SELECT {', '.join(select)} FROM ({query}) AS q" + (f" ORDER BY {order_by}" if order_by else "")
        path = self.folder / f"{name or dataset}.{style.fmt}"
        target = quote_literal(str(path))
        if style.fmt == "csv":
            tmp = path.with_suffix(".tmp")
            con.execute(f"COPY ({sql}) TO {quote_literal(str(tmp))} (FORMAT csv, HEADER, DELIMITER ',')")
            _reencode(tmp, path, style.encoding)
        elif style.fmt == "parquet":
            con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")
        elif style.fmt == "ndjson":
            con.execute(f"COPY ({sql}) TO {target} (FORMAT json)")
        else:
            _write_xlsx(con.sql(sql).arrow(), path, dataset)
        self.written.append(path)
        return path


def _py(values: Column) -> list[Any]:
    if isinstance(values, np.ndarray):
        return list(values.tolist())
    return list(values)


def _write_csv(table: pa.Table, path: Path, encoding: str) -> None:
    con = duckdb.connect()
    con.register("t", table)
    tmp = path.with_suffix(".tmp")
    con.execute(f"COPY t TO '{tmp}' (HEADER, DELIMITER ',')")
    con.close()
    _reencode(tmp, path, encoding)


def _reencode(tmp: Path, path: Path, encoding: str) -> None:
    """DuckDB writes UTF-8: the file as `encoding` (utf-8-sig, cp950) at `path`."""
    if encoding == "utf-8":
        tmp.replace(path)
        return
    text = tmp.read_text(encoding="utf-8")
    path.write_text(text, encoding=encoding, newline="")
    tmp.unlink()


def _write_xlsx(table: pa.Table, path: Path, sheet: str) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet(sheet[:31])
    names = table.column_names
    for col, name in enumerate(names):
        ws.write_string(0, col, name)
    columns = [table.column(n).to_pylist() for n in names]
    for row in range(table.num_rows):
        for col in range(len(names)):
            value = columns[col][row]
            if value is None:
                continue
            if isinstance(value, bool | int | float):
                ws.write(row + 1, col, value)
            elif isinstance(value, dt.datetime):
                ws.write_string(row + 1, col, value.strftime("%Y-%m-%d %H:%M:%S"))
            else:
                ws.write_string(row + 1, col, str(value))
    book.close()
