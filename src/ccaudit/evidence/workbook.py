"""Excel workbooks (.xlsx, .xlsm, .xls, .ods) as a RawSource: the sheet to read, its header row, its
records as the sheet shows them (merged cells filled down, the footer left out), and what the cell
values alone do not tell (hidden rows, error cells, formulas never calculated: xlsx_facts.py).

Read with python-calamine: cell values and formulas' saved results; macros are never run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ccaudit.errors import EvidenceError
from ccaudit.evidence.layout import first_cell, footer_note, footer_start
from ccaudit.evidence.readers import _HEADER_SEARCH, CellProblem, HeaderScore, RawSource
from ccaudit.evidence.templates import normalise_name
from ccaudit.evidence.untrusted import WorkbookLimits, check_workbook
from ccaudit.evidence.xlsx_facts import sheet_facts

if TYPE_CHECKING:
    import duckdb
    from python_calamine import CalamineWorkbook


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


def read_excel(
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
        notes.append(footer_note(path, header_index + 2 + end, header_index + 2 + filled[-1], first_cell(body[end])))
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
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: .xls, or an encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def refuse_encrypted(path: Path) -> None:
    """An encrypted .xlsx is an OLE container holding an EncryptedPackage stream: refused by name."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(CFB) and ENCRYPTED_STREAM in head:
        raise EvidenceError(ENCRYPTED.format(name=path.name), zh=ENCRYPTED_ZH)


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
