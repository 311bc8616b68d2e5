"""What a workbook's cell values alone do not tell: hidden rows and columns, formulas Excel never
calculated, and cells showing an Excel error (#N/A, #REF!, #DIV/0!).

Calamine (readers.py) returns a formula's saved result, which is what the officer saw on screen. A
workbook written by a program and never opened in Excel has formulas without saved results, and
an error cell comes back empty: both would import as a blank where the sheet shows something else.
Hidden rows (a filter, or rows an officer hid) are data in the file and are imported, with a note.

Only .xlsx/.xlsm (Office Open XML) are read here, streamed with defusedxml, and only when a quick
byte scan of the sheet finds a formula, an error or a hidden row or column at all.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from defusedxml import ElementTree as SafeET

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NEEDLES = (b"<f", b't="e"', b"hidden=")
_CELL_RE = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass
class SheetFacts:
    """0-based (row, column) positions, as calamine's rows are numbered."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cell -> '#REF!'
    uncalculated: set[tuple[int, int]] = field(default_factory=set)  # formula without a saved result


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the sheet named `sheet`, through workbook.xml and its relationships."""
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, SafeET.ParseError):
        return None
    rel_id = next((s.get(f"{_REL}id") for s in book.iter(f"{_MAIN}sheet") if s.get("name") == sheet), None)
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _mentions(handle: IO[bytes]) -> bool:
    """Whether the sheet XML holds a formula, an error cell or something hidden (a byte scan)."""
    tail = b""
    while chunk := handle.read(1 << 20):
        window = tail + chunk
        if any(needle in window for needle in _NEEDLES):
            return True
        tail = chunk[-16:]
    return False


def sheet_facts(path: Path, sheet: str) -> SheetFacts:
    facts = SheetFacts()
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return facts
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or part not in archive.namelist():
                return facts
            with archive.open(part) as handle:
                if not _mentions(handle):
                    return facts
            with archive.open(part) as handle:
                _scan(handle, facts)
    except (zipfile.BadZipFile, SafeET.ParseError, OSError, ValueError):
        return facts  # calamine has read the sheet already; what it cannot read it reports
    return facts


def _scan(handle: IO[bytes], facts: SheetFacts) -> None:
    next_row = 0
    for _event, element in SafeET.iterparse(handle, events=("end",)):
        tag = element.tag
        if tag == f"{_MAIN}col" and element.get("hidden") in ("1", "true"):
            low, high = int(element.get("min", "1")), int(element.get("max", "1"))
            facts.hidden_columns.update(range(low - 1, min(high, 16384)))
        elif tag == f"{_MAIN}c":
            match = _CELL_RE.match(element.get("r", ""))
            if match is None:
                continue
            where = (int(match.group(2)) - 1, _column_index(match.group(1)))
            value = element.find(f"{_MAIN}v")
            if element.get("t") == "e":
                facts.errors[where] = (value.text or "#error") if value is not None else "#error"
            elif element.find(f"{_MAIN}f") is not None and (
                    value is None or (not value.text and element.get("t") != "str")):
                facts.uncalculated.add(where)  # an empty text result is saved as <v></v> with t="str"
            element.clear()
        elif tag == f"{_MAIN}row":
            number = int(element.get("r", next_row + 1))
            next_row = number
            if element.get("hidden") in ("1", "true"):
                facts.hidden_rows.add(number - 1)
            element.clear()
