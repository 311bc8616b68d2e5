"""Read one evidence file into a DuckDB table of text columns plus `_row`, the row a person sees.

For CSV and Excel `_row` is the spreadsheet row (the header is row 1); for JSON and Parquet it is the
record number. Everything arrives as text so that one set of parsing rules (normalize.py) applies to
every format and every problem can be reported with the value as the firm wrote it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from ccaudit.errors import EvidenceError, ValidationIssue
from ccaudit.evidence import encoding as enc
from ccaudit.evidence.templates import normalise_name

FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel",
    ".json": "json", ".ndjson": "json", ".jsonl": "json",
    ".parquet": "parquet", ".pq": "parquet",
}


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


@dataclass(frozen=True)
class RawTable:
    """A query over the file giving `_row` and its columns as text, and what was learnt reading it.

    `sql` is a relation, not a table: the file is scanned once by the import's single parse pass
    rather than copied first. Excel sheets, already in memory, are materialised as `table`."""

    sql: str
    headers: list[str]
    encoding: str | None
    table: str | None = None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    sheet_hints: tuple[str, ...] = (),
    scratch: Path,
) -> RawTable:
    kind = file_format(path)
    if kind == "csv":
        return _read_csv(con, path, table, encoding, scratch)
    if kind == "excel":
        return _read_excel(con, path, table, sheet, sheet_hints)
    if kind == "json":
        return _read_via_duckdb(con, path, table, f"read_json({quote_literal(str(path))}, format='auto')")
    if kind == "parquet":
        return _read_via_duckdb(con, path, table, f"read_parquet({quote_literal(str(path))})")
    raise EvidenceError(f"{path.name}: unsupported file type {path.suffix!r} (use CSV, XLSX, JSON or Parquet)")


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, encoding: str | None, scratch: Path
) -> RawTable:
    used = enc.canonical(encoding) if encoding else enc.detect(path)
    source = path
    if used != "utf-8":
        handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=".csv", delete=False)
        handle.close()
        source = Path(handle.name)
        enc.transcode_to_utf8(path, source, used)
    delim = "\t" if path.suffix.lower() == ".tsv" else None
    options = "header=true, all_varchar=true, null_padding=false"
    if delim:
        options += ", delim='\\t'"
    scan = f"read_csv({quote_literal(str(source))}, {options})"
    try:
        headers = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        # A full pass now surfaces malformed lines (wrong column counts, bad quoting) with their line.
        con.execute(f"SELECT count(*) FROM {scan}").fetchone()
    except duckdb.Error as exc:
        raise EvidenceError(_csv_error(path, exc)) from None
    # row_number() over a single-file scan follows the file's order (insertion order is preserved).
    return RawTable(f"SELECT row_number() OVER () + 1 AS _row, * FROM {scan}", headers, used)


def _csv_error(path: Path, exc: duckdb.Error) -> str:
    text = str(exc)
    first = text.splitlines()[0] if text else "unreadable"
    line = next((ln for ln in text.splitlines() if "Line:" in ln or "line" in ln.lower()), "")
    detail = f"; {line.strip()}" if line and line != first else ""
    return f"{path.name}: not a readable CSV file: {first}{detail}"


def _read_via_duckdb(con: duckdb.DuckDBPyConnection, path: Path, table: str, source_sql: str) -> RawTable:
    try:
        cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()]
    except duckdb.Error as exc:
        raise EvidenceError(f"{path.name}: cannot be read: {str(exc).splitlines()[0]}") from None
    casts = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in cols)
    return RawTable(f"SELECT row_number() OVER () AS _row, {casts} FROM {source_sql}", cols, None)


def _cell_text(value: object) -> str | None:
    """Excel cells as the text a person reads: 443.0 -> '443', dates in ISO."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # a time of day typed into Excel
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value)


def _read_excel(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, sheet: str | None, hints: tuple[str, ...]
) -> RawTable:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for broken or encrypted files
        raise EvidenceError(f"{path.name}: not a readable workbook: {exc}") from None
    name = _pick_sheet(book.sheet_names, sheet, hints, path)
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    header_index = next((i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)), None)
    if header_index is None:
        raise EvidenceError(f"{path.name}: sheet '{name}' is empty")
    headers = _unique([_cell_text(c) or f"column{i + 1}" for i, c in enumerate(rows[header_index])])
    width = len(headers)
    body = rows[header_index + 1 :]
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for offset, record in enumerate(body):
        cells = [_cell_text(c) for c in record[:width]]
        if not any(cells):
            continue  # blank spacer rows are common in hand-kept registers
        cells += [None] * (width - len(cells))
        row_numbers.append(header_index + 2 + offset)
        for i, cell in enumerate(cells):
            columns[i].append(cell)
    arrow = pa.table(
        {"_row": pa.array(row_numbers, pa.int64()), **{h: pa.array(c, pa.string()) for h, c in zip(headers, columns, strict=True)}}
    )
    con.register(f"{table}__arrow", arrow)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}__arrow")
    con.unregister(f"{table}__arrow")
    return RawTable(f"SELECT * FROM {table}", headers, None, table=table)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        count = seen.get(header, 0)
        seen[header] = count + 1
        out.append(header if count == 0 else f"{header}_{count}")
    return out


def _pick_sheet(names: list[str], wanted: str | None, hints: tuple[str, ...], path: Path) -> str:
    if wanted:
        if wanted not in names:
            raise EvidenceError(f"{path.name}: no sheet named '{wanted}' (sheets: {', '.join(names)})")
        return wanted
    folded = {normalise_name(h) for h in hints}
    for name in names:
        if normalise_name(name) in folded:
            return name
    return names[0]


def missing_columns_issue(path: Path, column: str, zh: str, found: list[str]) -> ValidationIssue:
    return ValidationIssue(
        file=path.name,
        message=f"required column '{column}' ({zh}) is missing",
        row=1,
        expected=f"a header named {column} or {zh}; found: {', '.join(found) or 'no headers'}",
    )
