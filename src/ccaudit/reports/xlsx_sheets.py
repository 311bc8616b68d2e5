"""Shared workbook set-up for every XLSX ccaudit writes (xlsxwriter, constant_memory).

Sheets are written row by row, top to bottom, so a sheet of any length holds one row in memory.
Every value goes through `cell()` and `write_string`, so firm data never becomes a formula and never
carries a character Excel would have to repair.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from ccaudit.reports.model import Result, is_zh

MAX_CELL = 32_767
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

RESULT_COLOURS: dict[Result, str] = {
    Result.COMPLIANT: "#D9EAD3",
    Result.NON_COMPLIANT: "#F4CCCC",
    Result.OBSERVATION: "#FFF2CC",
    Result.COMPENSATED: "#D0E0E3",
    Result.NOT_APPLICABLE: "#EEEEEE",
    Result.NEEDS_REVIEW: "#E6D5F0",
    Result.IN_REMEDIATION: "#FCE5CD",
}


def cell(value: object) -> str:
    """A value as text Excel accepts as is: no control characters, at most 32,767 characters."""
    if value is None:
        return ""
    text = _CONTROL.sub("\ufffd", str(value))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(values: Sequence[str], widths: Sequence[int]) -> float:
    """Points for a row of wrapped cells: set explicitly, as neither Excel nor Calc is sure to autofit."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if width <= 0:
            continue
        per_line = width * 1.15
        lines = max(lines, sum(max(1, math.ceil(display_width(seg) / per_line)) for seg in value.split("\n")))
    return min(409.0, 14.0 * lines + 2)


def parse_stamp(value: str) -> dt.datetime:
    """A stored ISO timestamp as a naive UTC datetime (workbook properties need one)."""
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        stamp = dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time())
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


class Book:
    """A workbook with the formats every sheet shares and unique, valid sheet names."""

    def __init__(self, path: Path, created: str, title: str, comments: str, lang: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "use_zip64": True,
        })
        # reproducible: the stored result's time, never the time the report was written
        self.wb.set_properties({"title": title, "author": "ccaudit", "company": "", "comments": comments,
                                "created": parse_stamp(created)})
        self.names: set[str] = set()
        self.lang = lang
        # Excel in Taiwan has Microsoft JhengHei; elsewhere (LibreOffice) fontconfig substitutes a CJK font
        font = "Microsoft JhengHei" if is_zh(lang) else "Calibri"
        base = {"font_name": font, "font_size": 10, "valign": "top"}
        self.title = self.wb.add_format({**base, "bold": True, "font_size": 14})
        self.meta = self.wb.add_format({**base, "font_color": "#444444"})
        self.header = self.wb.add_format(
            {**base, "bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "text_wrap": True,
             "border": 1})
        self.wrap = self.wb.add_format({**base, "text_wrap": True, "border": 1, "border_color": "#BFBFBF"})
        self.plain = self.wb.add_format({**base, "border": 1, "border_color": "#BFBFBF"})
        self.date = self.wb.add_format({**base, "border": 1, "border_color": "#BFBFBF", "num_format": "yyyy-mm-dd"})
        self.results = {r: self.wb.add_format({"bg_color": c}) for r, c in RESULT_COLOURS.items()}

    def sheet_name(self, wanted: str) -> str:
        name = _SHEET_BAD.sub("_", wanted).strip("'")[:31] or "Sheet"
        n = 2
        while name.lower() in self.names or name.lower() == "history":
            suffix = f"~{n}"
            name = name[: 31 - len(suffix)] + suffix
            n += 1
        self.names.add(name.lower())
        return name

    def add_sheet(self, wanted: str) -> Any:
        ws = self.wb.add_worksheet(self.sheet_name(wanted))
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)  # all columns on one page width
        ws.set_footer("&L&A&R第 &P 頁，共 &N 頁" if is_zh(self.lang) else "&L&A&RPage &P of &N")
        return ws

    def close(self) -> None:
        self.wb.close()


def table_sheet(
    book: Book,
    name: str,
    title_lines: Sequence[str],
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[object]],
    *,
    wrap: bool = True,
    freeze_cols: int = 0,
    hidden_cols: Sequence[int] = (),
    validation: tuple[int, list[str]] | None = None,
    colour_column: tuple[int, dict[Result, str]] | None = None,
    date_column: int | None = None,
) -> tuple[Any, int]:
    """A sheet: title lines, one header row (frozen, filtered, repeated on print), then the rows.

    `validation` puts a drop-down list on a column; `date_column` holds dates: ISO dates are written as
    real dates and the column accepts only dates, so a firm filling it in cannot type "next month"."""
    ws = book.add_sheet(name)
    for col, width in enumerate(widths):
        # a hidden column is grouped (level 1), so the outline's "+" shows it again
        ws.set_column(col, col, width, None, {"level": 1, "hidden": True} if col in hidden_cols else {})
    for r, line in enumerate(title_lines):
        ws.write_string(r, 0, cell(line), book.title if r == 0 else book.meta)
    head = len(title_lines)
    for col, text in enumerate(headers):
        ws.write_string(head, col, cell(text), book.header)
    ws.freeze_panes(head + 1, freeze_cols)
    ws.repeat_rows(head)
    fmt = book.wrap if wrap else book.plain
    last = head
    shown = [0 if col in hidden_cols else w for col, w in enumerate(widths)]
    for last, values in enumerate(rows, start=head + 1):
        texts = [cell(v) for v in values]
        if wrap:
            ws.set_row(last, row_height(texts, shown))
        for col, text in enumerate(texts):
            day = _iso_date(text) if col == date_column else None
            if day is not None:
                ws.write_datetime(last, col, day, book.date)
            else:
                ws.write_string(last, col, text, fmt)
    last_col = max(len(headers) - 1, 0)
    ws.autofilter(head, 0, max(last, head), last_col)
    if validation is not None and last > head:
        col, allowed = validation
        ws.data_validation(head + 1, col, last, col, {
            "validate": "list", "source": allowed, "error_type": "warning",
            "error_message": "; ".join(allowed)[:255],
        })
    if date_column is not None and last > head:
        ws.data_validation(head + 1, date_column, last, date_column, {
            "validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2099, 12, 31), "ignore_blank": True, "error_type": "stop",
            "error_message": "請輸入日期（YYYY-MM-DD）" if is_zh(book.lang) else "Enter a date (YYYY-MM-DD)",
        })
    if colour_column is not None and last > head:
        col, labels = colour_column
        for result, label in labels.items():
            ws.conditional_format(head + 1, col, last, col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"', "format": book.results[result],
            })
    return ws, last


def _iso_date(text: str) -> dt.datetime | None:
    if len(text) != 10:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError:
        return None
