"""Formula-injection-safe CSV cells: the one rule every CSV ccaudit writes for people follows.

Spreadsheet programs evaluate a cell that starts with `=`, `+`, `-` or `@` (and, after a leading TAB
or CR, whatever follows). Following the OWASP CSV-injection rule, such a cell is written with a
single quote in front, so it opens as text. The rule is applied to every cell, also to a plain
negative number such as `-12`: a cell cannot tell a typed number from text that looks like one, and
`-2+3` is a formula. A cell that already starts with a quote gets one more, so the rule can be
undone exactly (`restore`): ccaudit reads its own offending/*.csv back (reports, audit attach) and
gets the values the checks produced. Stored evidence (blobs) is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable

QUOTE = "'"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", QUOTE)  # the quote itself: so that `restore` is exact


def cell(value: object) -> str:
    """The text written into a CSV cell for `value` (None is an empty cell)."""
    text = "" if value is None else str(value)
    return QUOTE + text if text.startswith(TRIGGERS) else text


def row(values: Iterable[object]) -> list[str]:
    return [cell(v) for v in values]


def restore(text: str) -> str:
    """The value a cell written by `cell` holds."""
    return text[1:] if text.startswith(QUOTE) else text


def sql_cell(expr: str) -> str:
    """`cell` as a DuckDB SQL expression over `expr` (any type), for CSV files written by COPY."""
    text = f"CAST({expr} AS VARCHAR)"
    chars = ", ".join("'" + c.replace("'", "''") + "'" for c in TRIGGERS)
    return f"CASE WHEN left({text}, 1) IN ({chars}) THEN '''' || {text} ELSE {text} END"


def sql_restore(expr: str) -> str:
    """`restore` as a DuckDB SQL expression over a VARCHAR `expr`."""
    return f"CASE WHEN left({expr}, 1) = '''' THEN substr({expr}, 2) ELSE {expr} END"
