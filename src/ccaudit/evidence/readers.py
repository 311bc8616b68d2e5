"""Open one evidence file as a DuckDB relation of its columns, and say how its rows are numbered.

`_row` is the row a person sees: for CSV and Excel the spreadsheet row (the header is row 1 unless a
title sits above it); for JSON and Parquet the record number. CSV, JSON and Excel cells arrive as
text so that one set of parsing rules (normalize.py) serves every format and every problem can be
reported with the value as the firm wrote it; Parquet keeps its column types, which normalize.py
uses directly where they already mean what the template says (a TIMESTAMP, a DATE, a BOOLEAN).

The file is not read here beyond its first megabyte (CSV) or its schema (JSON, Parquet): the
importer's single parse pass scans it. For CSV the dialect is decided here and handed to DuckDB
explicitly, so DuckDB never guesses a delimiter or skips a line on its own.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ccaudit.errors import EvidenceError, ValidationIssue
from ccaudit.evidence import encoding as enc
from ccaudit.evidence.layout import first_cell, footer_note, footer_start
from ccaudit.evidence.untrusted import WorkbookLimits

if TYPE_CHECKING:  # DuckDB, Arrow and Calamine load in the functions that read: upload checks and the
    import duckdb  # audit service use this module's names without reading a file
    import pyarrow as pa

FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".ods": "excel",
    ".json": "json", ".ndjson": "json", ".jsonl": "json",
    ".parquet": "parquet", ".pq": "parquet",
}
_DELIMITERS = (",", "\t", ";", "|")
_HEADER_SEARCH = 30  # records looked at for the header row (a title or notes may sit above it)

HeaderScore = Callable[[list[str]], int]


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    skip: int  # physical lines before the header
    header_lines: int  # physical lines the header itself takes (more than 1 with a quoted line break)


@dataclass(frozen=True)
class CellProblem:
    """A workbook cell that shows an Excel error (`error` '#REF!') or a formula never calculated (None)."""

    row: int  # spreadsheet row
    column: int  # position in the header
    error: str | None


@dataclass
class RawSource:
    """One file, ready for the parse pass.

    `relation` yields `columns` (named c0, c1, ... in file order, one per header) in file order and
    without row numbers: the importer numbers rows by insertion order, which keeps its parse
    parallel. Where a row number is known up front (Excel, Parquet) `numbered` yields `_row` too.
    """

    kind: str
    headers: list[str]
    columns: list[str]
    types: list[str]  # DuckDB type per column: VARCHAR except for typed Parquet columns
    relation: str
    first_row: int  # `_row` of the first record when rows are numbered by position
    encoding: str | None = None
    numbered: str | None = None
    read_path: Path | None = None  # the UTF-8 file DuckDB reads (CSV; a transcoded copy if needed)
    dialect: CsvDialect | None = None
    tables: list[str] = field(default_factory=list)  # materialised here; dropped by the importer
    notes: list[str] = field(default_factory=list)  # how the file was read, for the manifest's warnings
    cell_problems: list[CellProblem] = field(default_factory=list)  # cells whose value cannot be trusted

    def numbered_relation(self) -> str:
        """A relation with `_row`; positional numbering makes this one a serial scan (slow path)."""
        if self.numbered:
            return self.numbered
        cols = ", ".join(self.columns)
        return f"(SELECT row_number() OVER () + {self.first_row - 1} AS _row, {cols} FROM {self.relation})"


def read_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    sheet_hints: tuple[str, ...] = (),
    scratch: Path,
    header_score: HeaderScore | None = None,
    limits: WorkbookLimits | None = None,
) -> RawSource:
    kind = file_format(path)
    score = header_score or (lambda cells: 0)
    if kind == "csv":
        return open_csv(path, encoding, scratch, score)
    if kind == "excel":
        from ccaudit.evidence.workbook import read_excel

        return read_excel(con, path, table, sheet, sheet_hints, score, limits or WorkbookLimits())
    if kind == "json":
        return _open_json(con, path)
    if kind == "parquet":
        return _open_parquet(con, path)
    raise EvidenceError(
        f"{path.name}: unsupported file type {path.suffix!r} (use CSV, XLSX, JSON or Parquet)"
    )


# --- CSV -------------------------------------------------------------------------------------------


def open_csv(path: Path, encoding: str | None, scratch: Path, score: HeaderScore) -> RawSource:
    """Decide encoding, delimiter and header row from the start of the file."""
    used = enc.canonical(encoding) if encoding else (enc.sniff(path) or enc.detect(path))
    notes: list[str] = []
    if used == "big5hkscs" and (note := enc.hkscs_note(path)):
        notes.append(note)
    source = path
    if used != "utf-8":
        source = transcoded(path, used, scratch)
    if encoding:  # named in evidence.yaml: a UTF-8 line would have been read as other characters
        enc.refuse_mixed(path, used)
    with source.open("rb") as handle:
        head_bytes = handle.read(enc.HEAD_BYTES)
    complete = len(head_bytes) < enc.HEAD_BYTES
    head = head_bytes.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if not complete:  # drop the last, possibly cut, line
        head = head[: head.rfind("\n") + 1] if "\n" in head else head
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _guess_delimiter(head)
    header, skip, header_lines = _find_header(head, delimiter, score)
    if header is None:
        raise EvidenceError(f"{path.name}: the file is empty (no header row)")
    columns = [f"c{i}" for i in range(len(header))]
    dialect = CsvDialect(delimiter, skip, header_lines)
    footer = _csv_footer(source, dialect, len(header))
    if footer is not None:
        offset, first, last, cell = footer
        source = _truncated(source, offset, scratch)
        notes.append(footer_note(path, first, last, cell))
    return RawSource(
        kind="csv",
        headers=[h.strip() for h in header],
        columns=columns,
        types=["VARCHAR"] * len(columns),
        relation=csv_scan(source, columns, dialect),
        first_row=skip + 2,  # a header wrapped over lines (員工\\n編號) is one spreadsheet row
        encoding=used,
        read_path=source,
        dialect=dialect,
        notes=notes,
    )


_TAIL_BYTES = 1 << 16


def _csv_footer(source: Path, dialect: CsvDialect, width: int) -> tuple[int, int, int, str] | None:
    """(byte offset, first line, last line, first cell) of the total/notes lines ending a CSV file.

    Only the end of the file is read: a footer is a few lines (see layout.py)."""
    size = source.stat().st_size
    with source.open("rb") as handle:
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
    base = max(0, size - _TAIL_BYTES)
    pieces = tail.split(b"\n")
    start = 0 if base == 0 else 1  # a cut first line is not parsed
    if base == 0:
        start = dialect.skip + dialect.header_lines  # the header is not a record
    records: list[list[str | None]] = []
    for piece in reversed(pieces[start:]):  # from the end, up to the first line that is a record
        text = piece.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip("\r")
        try:
            cells: list[str | None] = list(next(csv.reader([text], delimiter=dialect.delimiter, quotechar='"'), []))
        except csv.Error:
            cells = [text]
        records.append(cells)
        if footer_start([cells], width) is None and sum(1 for c in cells if c and c.strip()) > 1:
            break
    records.reverse()
    start = len(pieces) - len(records)
    found = footer_start(records, width)
    if found is None:
        return None
    offset = base + sum(len(piece) + 1 for piece in pieces[: start + found])
    filled = [i for i in range(found, len(records)) if any(c and c.strip() for c in records[i])]
    if base == 0:
        first_line = start + found + 1
    else:
        with source.open("rb") as handle:
            first_line = handle.read(offset).count(b"\n") + 1
    return offset, first_line, first_line + filled[-1] - found, first_cell(records[found])


def _truncated(source: Path, offset: int, scratch: Path) -> Path:
    """A copy of the file's first `offset` bytes, for DuckDB to read without the footer."""
    handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=".csv", delete=False)  # noqa: SIM115
    with handle, source.open("rb") as src:
        remaining = offset
        while remaining > 0 and (chunk := src.read(min(remaining, 1 << 22))):
            handle.write(chunk)
            remaining -= len(chunk)
    return Path(handle.name)


def transcoded(path: Path, encoding: str, scratch: Path) -> Path:
    handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=".csv", delete=False)  # noqa: SIM115
    handle.close()
    target = Path(handle.name)
    enc.transcode_to_utf8(path, target, encoding)
    return target


def csv_scan(
    source: Path, columns: list[str], dialect: CsvDialect, rejects: bool = False,
    types: list[str] | None = None, timestampformat: str | None = None,
) -> str:
    """read_csv of the file: every column VARCHAR, or of `types` (with DuckDB's own `timestampformat`
    for the TIMESTAMP ones: the typed first pass, evidence/typedscan.py)."""
    spec = ", ".join(f"{quote_literal(c)}: {quote_literal(t)}"
                     for c, t in zip(columns, types or ["VARCHAR"] * len(columns), strict=True))
    options = (
        f"delim={quote_literal(dialect.delimiter)}, quote='\"', escape='\"', header=true, "
        f"skip={dialect.skip}, auto_detect=false, columns={{{spec}}}, strict_mode=true, null_padding=false"
    )
    if timestampformat:
        options += f", timestampformat={quote_literal(timestampformat)}"
    if rejects:
        options += ", ignore_errors=true, store_rejects=true"
    return f"read_csv({quote_literal(str(source))}, {options})"


def _records(head: str, delimiter: str, limit: int) -> list[tuple[list[str], int, int]]:
    """The first records of the head as (cells, first line, last line), blank lines skipped."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    out: list[tuple[list[str], int, int]] = []
    before = 0
    try:
        for record in reader:
            if record and any(cell.strip() for cell in record):
                out.append((record, before + 1, reader.line_num))
                if len(out) >= limit:
                    break
            before = reader.line_num
    except csv.Error:
        pass  # a broken line: DuckDB reports it with its line number during the parse
    return out


def _guess_delimiter(head: str) -> str:
    """The delimiter that splits the first records most consistently into more than one column."""
    best = (0, ",")
    for delimiter in _DELIMITERS:
        counts = Counter(len(r) for r, _, _ in _records(head, delimiter, _HEADER_SEARCH))
        if not counts:
            continue
        width, agreeing = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width > 1 and agreeing > best[0]:
            best = (agreeing, delimiter)
    return best[1]


def _find_header(head: str, delimiter: str, score: HeaderScore) -> tuple[list[str] | None, int, int]:
    """(header cells, lines before it, lines it takes): the best-scoring of the first records."""
    records = _records(head, delimiter, _HEADER_SEARCH)
    if not records:
        return None, 0, 0
    chosen = records[0]
    best = score(chosen[0])
    for record in records[1:]:
        value = score(record[0])
        if value > best:
            chosen, best = record, value
    cells, first, last = chosen
    return cells, first - 1, last - first + 1


def csv_row_numbers(source: Path, dialect: CsvDialect) -> pa.Array:
    """The spreadsheet row of every record DuckDB reads, counted the slow, exact way.

    Used only when a file's line count and record count disagree: blank lines (which DuckDB skips)
    or line breaks inside quoted cells. A spreadsheet shows a blank line as an empty row. The rows are
    kept as packed 64-bit integers (8 bytes a record, not a Python int and a list slot each: at 10M
    records that is 80 MB instead of some 360 MB) and handed to Arrow without a copy."""
    from array import array

    import numpy as np
    import pyarrow as pa

    rows = array("q")
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar='"', doublequote=True)
        for _ in range(dialect.skip + dialect.header_lines):
            handle.readline()
        row = dialect.skip + 1  # the header is one row however many lines it wraps over
        for record in reader:
            row += 1
            if record:
                rows.append(row)
    return pa.array(np.frombuffer(rows, dtype=np.int64))


def csv_error(path: Path, exc: duckdb.Error) -> str:
    """DuckDB's CSV error as a sentence a firm can act on, with the line it names."""
    text = str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    found = re.search(r"CSV Error on Line: (\d+)", text)
    line_no = found.group(1) if found else None
    if "Invalid unicode" in text:
        reason = "not valid UTF-8; save the file as UTF-8 or name its encoding in evidence.yaml"
    elif "unterminated quote" in text:
        reason = "a quoted value is never closed (a missing closing \")"
    else:
        expected = next((ln for ln in lines if ln.startswith("Expected Number of Columns")), None)
        reason = expected.replace("Expected Number of Columns:", "expected").replace(
            "Found:", "columns, found") if expected else (lines[0] if lines else "unreadable")
    original = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Original Line:")), None)
    where = f" on line {line_no}" if line_no else ""
    shown = f" ({original[:120]!r})" if original else ""
    return f"{path.name}: not a readable CSV file{where}: {reason}{shown}"


# --- JSON and Parquet ------------------------------------------------------------------------------


def _describe(con: duckdb.DuckDBPyConnection, path: Path, source_sql: str) -> list[tuple[str, str]]:
    import duckdb

    try:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()]
    except duckdb.Error as exc:
        raise EvidenceError(f"{path.name}: cannot be read: {str(exc).splitlines()[0]}") from None


def _open_json(con: duckdb.DuckDBPyConnection, path: Path) -> RawSource:
    described = _describe(con, path, f"read_json({quote_literal(str(path))}, format='auto')")
    # Read again with every key as text: DuckDB's own type guessing would turn an offset-less
    # timestamp into UTC and drop the spelling a firm used.
    names = [name for name, _ in described]
    spec = ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names)
    scan = f"read_json({quote_literal(str(path))}, format='auto', columns={{{spec}}})"
    columns = [f"c{i}" for i in range(len(names))]
    select = ", ".join(f"{quote_ident(n)} AS {c}" for n, c in zip(names, columns, strict=True))
    return RawSource(
        kind="json", headers=names, columns=columns, types=["VARCHAR"] * len(names),
        relation=f"(SELECT {select} FROM {scan})", first_row=1,
    )


def _open_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> RawSource:
    scan = f"read_parquet({quote_literal(str(path))}, file_row_number=true)"
    described = [(n, t) for n, t in _describe(con, path, scan) if n != "file_row_number"]
    columns = [f"c{i}" for i in range(len(described))]
    select = ", ".join(f"{quote_ident(n)} AS {c}" for (n, _), c in zip(described, columns, strict=True))
    return RawSource(
        kind="parquet",
        headers=[n for n, _ in described],
        columns=columns,
        types=[t for _, t in described],
        relation=f"(SELECT {select} FROM {scan})",
        first_row=1,
        numbered=f"(SELECT file_row_number + 1 AS _row, {select} FROM {scan})",
    )


def missing_columns_issue(path: Path, column: str, zh: str, found: list[str]) -> ValidationIssue:
    return ValidationIssue(
        file=path.name,
        message=f"required column '{column}' ({zh}) is missing",
        row=1,
        expected=f"a header named {column} or {zh}; found: {', '.join(h for h in found if h) or 'none'}",
    )
