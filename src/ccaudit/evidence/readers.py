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
import datetime as dt
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
from ccaudit.evidence.layout import first_cell, footer_start
from ccaudit.evidence.templates import normalise_name
from ccaudit.evidence.untrusted import WorkbookLimits, check_workbook
from ccaudit.evidence.xlsx_facts import sheet_facts

if TYPE_CHECKING:  # DuckDB, Arrow and Calamine load in the functions that read: upload checks and the
    import duckdb  # audit service use this module's names without reading a file
    from python_calamine import CalamineWorkbook

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
        return _read_excel(con, path, table, sheet, sheet_hints, score, limits or WorkbookLimits())
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
        notes.append(_footer_note(path, first, last, cell))
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


def csv_scan(source: Path, columns: list[str], dialect: CsvDialect, rejects: bool = False) -> str:
    spec = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
    options = (
        f"delim={quote_literal(dialect.delimiter)}, quote='\"', escape='\"', header=true, "
        f"skip={dialect.skip}, auto_detect=false, columns={{{spec}}}, strict_mode=true, null_padding=false"
    )
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


def csv_row_numbers(source: Path, dialect: CsvDialect) -> list[int]:
    """The spreadsheet row of every record DuckDB reads, counted the slow, exact way.

    Used only when a file's line count and record count disagree: blank lines (which DuckDB skips)
    or line breaks inside quoted cells. A spreadsheet shows a blank line as an empty row."""
    rows: list[int] = []
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar='"', doublequote=True)
        for _ in range(dialect.skip + dialect.header_lines):
            handle.readline()
        row = dialect.skip + 1  # the header is one row however many lines it wraps over
        for record in reader:
            row += 1
            if record:
                rows.append(row)
    return rows


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


# --- Excel -----------------------------------------------------------------------------------------


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
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    sheet: str | None,
    hints: tuple[str, ...],
    score: HeaderScore,
    limits: WorkbookLimits,
) -> RawSource:
    import pyarrow as pa
    from python_calamine import CalamineWorkbook, PasswordError

    check_workbook(path, limits)  # before the library expands anything into memory
    refuse_encrypted(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        name, rows, header_index = _pick_sheet(book, sheet, hints, score, path)
    except EvidenceError:
        raise
    except PasswordError:
        raise EvidenceError(ENCRYPTED.format(name=path.name), zh=ENCRYPTED_ZH) from None
    except Exception as exc:  # calamine raises its own types for broken or encrypted files
        raise EvidenceError(f"{path.name}: not a readable workbook: {exc}") from None
    raw_headers = [_cell_text(c) or "" for c in rows[header_index]]
    while raw_headers and not raw_headers[-1]:
        raw_headers.pop()  # formatted but empty cells to the right of the table
    width = len(raw_headers)
    body = [[_cell_text(c) for c in record[:width]] for record in rows[header_index + 1 :]]
    notes: list[str] = []
    end = footer_start(body, width)
    if end is not None:
        filled = [i for i in range(end, len(body)) if any(c and c.strip() for c in body[i])]
        notes.append(_footer_note(path, header_index + 2 + end, header_index + 2 + filled[-1], first_cell(body[end])))
        body = body[:end]
    facts = sheet_facts(path, name)
    columns = [f"c{i}" for i in range(width)]
    values: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for offset, cells in enumerate(body):
        if not any(c is not None and c.strip() for c in cells):
            continue  # blank spacer rows are common in hand-kept registers
        cells += [None] * (width - len(cells))
        row_numbers.append(header_index + 2 + offset)
        if any(c is not None and len(c) > limits.cell_chars for c in cells):
            column = next(i for i, c in enumerate(cells) if c is not None and len(c) > limits.cell_chars)
            raise EvidenceError(
                f"{path.name}: row {row_numbers[-1]}, column '{raw_headers[column]}': a cell of "
                f"{len(cells[column] or ''):,} characters; the limit is CCAUDIT_MAX_CELL_CHARS={limits.cell_chars}"
            )
        for i, cell in enumerate(cells):
            values[i].append(cell)
    data_rows = set(row_numbers)
    problems = [CellProblem(r + 1, c, f"{text}") for (r, c), text in sorted(facts.errors.items())
                if r + 1 in data_rows and c < width]
    problems += [CellProblem(r + 1, c, None) for r, c in sorted(facts.uncalculated)
                 if r + 1 in data_rows and c < width]
    hidden = sorted(r + 1 for r in facts.hidden_rows if r + 1 in data_rows)
    if hidden:
        shown = ", ".join(str(r) for r in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        notes.append(f"{path.name}: {len(hidden)} row(s) hidden in Excel were imported (row {shown}) / "
                     f"Excel 中隱藏之 {len(hidden)} 列已一併匯入（第 {shown} 列）")
    hidden_cols = [raw_headers[c] for c in sorted(facts.hidden_columns) if c < width and raw_headers[c]]
    if hidden_cols:
        notes.append(f"{path.name}: column(s) hidden in Excel were read: {', '.join(hidden_cols)} / "
                     f"Excel 中隱藏之欄位已一併讀取：{'、'.join(hidden_cols)}")
    arrow = pa.table(
        {"_row": pa.array(row_numbers, pa.int64()),
         **{c: pa.array(v, pa.string()) for c, v in zip(columns, values, strict=True)}}
    )
    con.register(f"{table}__arrow", arrow)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {table}__arrow")
    con.unregister(f"{table}__arrow")
    cols = ", ".join(columns)
    return RawSource(
        kind="excel",
        headers=[h.strip() for h in raw_headers],
        columns=columns,
        types=["VARCHAR"] * width,
        relation=f"(SELECT {cols} FROM {table})",
        first_row=header_index + 2,
        numbered=f"(SELECT _row, {cols} FROM {table})",
        tables=[table],
        notes=notes,
        cell_problems=problems,
    )


ENCRYPTED = ("{name}: the workbook is password-protected (encrypted), so it cannot be read; save a copy "
             "without a password (File > Info > Protect Workbook > Encrypt with Password: clear it)")
ENCRYPTED_ZH = "活頁簿設有開啟密碼（已加密），無法讀取；請另存一份未設密碼之檔案"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refuse_encrypted(path: Path) -> None:
    """An encrypted .xlsx is an OLE container holding an EncryptedPackage stream: refused by name."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(_CFB) and "EncryptedPackage".encode("utf-16-le") in head:
        raise EvidenceError(ENCRYPTED.format(name=path.name), zh=ENCRYPTED_ZH)


def _footer_note(path: Path, first: int, last: int, cell: str) -> str:
    span = f"row {first}" if first == last else f"rows {first}-{last}"
    zh = f"第 {first} 列" if first == last else f"第 {first} 至 {last} 列"
    return (f"{path.name}: {span} below the table (starting {cell!r}: a total, notes or end marker) not imported / "
            f"{zh}為表格下方之合計、備註或結束標記（{cell}），未匯入")


def _fill_merged(rows: list[list[object]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A cell merged down over several rows (one department for five people) holds its value in its
    first row only; each row it spans gets it, as the sheet shows it."""
    for (top, left), (bottom, _right) in merged:
        if bottom <= top or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if left < len(rows[r]) and rows[r][left] in (None, ""):
                rows[r][left] = value


def _best_header(rows: list[list[object]], score: HeaderScore) -> tuple[int, int] | None:
    """(index, score) of the row that looks most like the header, among the first non-empty rows."""
    candidates = [i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)][:_HEADER_SEARCH]
    best: tuple[int, int] | None = None
    for index in candidates:
        value = score([_cell_text(c) or "" for c in rows[index]])
        if best is None or value > best[1]:
            best = (index, value)
    return best


def _pick_sheet(
    book: CalamineWorkbook, wanted: str | None, hints: tuple[str, ...], score: HeaderScore, path: Path
) -> tuple[str, list[list[object]], int]:
    """The sheet to read, its rows and its header row: the one named in evidence.yaml, else the one
    named after the dataset, else the visible worksheet whose header names the most fields. Two
    sheets that look alike are not guessed between."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    names = book.sheet_names
    if wanted:
        if wanted not in names:
            raise EvidenceError(f"{path.name}: no sheet named '{wanted}' (sheets: {', '.join(names)})")
        order = [wanted]
    else:
        shown = [m.name for m in book.sheets_metadata
                 if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet] or names
        folded = {normalise_name(h) for h in hints}
        named = [n for n in shown if normalise_name(n) in folded]
        order = named[:1] or shown
    scored: list[tuple[int, str, list[list[object]], int]] = []
    for name in order:
        sheet_obj = book.get_sheet_by_name(name)
        rows: list[list[object]] = [list(r) for r in sheet_obj.to_python(skip_empty_area=False)]
        _fill_merged(rows, list(sheet_obj.merged_cell_ranges or []))
        best = _best_header(rows, score)
        if best is not None:
            scored.append((best[1], name, rows, best[0]))
    if not scored:
        raise EvidenceError(f"{path.name}: sheet '{order[0]}' is empty")
    top = max(s[0] for s in scored)
    leaders = [s for s in scored if s[0] == top]
    if len(leaders) > 1 and top > 0:
        sheets = ", ".join(f"'{s[1]}'" for s in leaders)
        raise EvidenceError(
            f"{path.name}: sheets {sheets} all look like this dataset; name the one to read in evidence.yaml "
            f"(files: {{{path.name}: {{sheet: NAME}}}})",
            zh=f"工作表 {sheets} 皆似本資料集；請於 evidence.yaml 指定要讀取之工作表"
               f"（files: {{{path.name}: {{sheet: 名稱}}}}）")
    chosen = leaders[0] if top > 0 else scored[0]
    return chosen[1], chosen[2], chosen[3]


def missing_columns_issue(path: Path, column: str, zh: str, found: list[str]) -> ValidationIssue:
    return ValidationIssue(
        file=path.name,
        message=f"required column '{column}' ({zh}) is missing",
        row=1,
        expected=f"a header named {column} or {zh}; found: {', '.join(h for h in found if h) or 'none'}",
    )
