"""How hand-made exports lay a table out around its records: what sits below the last record.

Officers export a register from Excel or an ERP and leave the report's furniture in: a total row
(合計 12 筆), notes (備註：…), a signature line (製表人、覆核), or 以下空白 ("nothing below"). Read as
records, a total row would be a person or a device named 合計. Rows from the first such marker to
the end of the file, where every row after it is furniture too, are left out and the import says
which rows it left out; anything that looks like data after the marker keeps them all in, so the
ordinary checks report it with its row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# A cell starting with one of these words and then nothing, a separator, a digit or a bracket; an
# English word not followed by a space and more words ("Total Security Gateway" is a name).
_MARKERS_ZH = (
    "合計", "總計", "小計", "共計", "總筆數", "筆數", "總數", "備註", "備考", "附註", "註", "說明", "以下空白",
    "以下無資料", "以下無", "資料結束", "本頁結束", "製表人", "製表", "承辦人",
)
_MARKERS_EN = ("total", "grand total", "subtotal", "sum", "note", "notes", "remark", "remarks", "end of report",
               "prepared by", "reviewed by", "approved by")


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(m) for m in sorted(words, key=len, reverse=True))


_MARKER_RE = re.compile(
    rf"^(?:(?:{_alternatives(_MARKERS_ZH)})(?:$|[\s:：,，、.。()（）\d*＊-])"
    rf"|(?:{_alternatives(_MARKERS_EN)})\s*(?:$|[:：(（\d]))",
    re.IGNORECASE,
)


def _fold(cell: str | None) -> str:
    return unicodedata.normalize("NFKC", cell or "").strip()


def is_marker_row(cells: Sequence[str | None]) -> bool:
    """True for a row whose first non-empty cell is a total, a note or an end-of-table marker."""
    first = next((c for c in (_fold(x) for x in cells) if c), "")
    return bool(first) and bool(_MARKER_RE.match(first))


def _filled(cells: Sequence[str | None]) -> int:
    return sum(1 for c in cells if _fold(c))


def footer_start(rows: Sequence[Sequence[str | None]], width: int) -> int | None:
    """The index of the first row of a trailing footer in `rows` (the records below the header), or None.

    A footer starts at a marker row; every non-blank row after it is a marker row or, in a table of
    three or more columns, a row with a single filled cell (a line of notes)."""
    start = None
    for index in range(len(rows) - 1, -1, -1):
        cells = rows[index]
        filled = _filled(cells)
        if filled == 0:
            continue
        if is_marker_row(cells):
            start = index
        elif not (filled == 1 and width >= 3):
            break
    return start


def first_cell(cells: Sequence[str | None]) -> str:
    """The first non-empty cell, for the note naming the rows left out."""
    return next((c for c in (_fold(x) for x in cells) if c), "")[:40]


def footer_note(path: Path, first: int, last: int, cell: str) -> str:
    span = f"row {first}" if first == last else f"rows {first}-{last}"
    zh = f"第 {first} 列" if first == last else f"第 {first} 至 {last} 列"
    return (f"{path.name}: {span} below the table (starting {cell!r}: a total, notes or end marker) not imported / "
            f"{zh}為表格下方之合計、備註或結束標記（{cell}），未匯入")
