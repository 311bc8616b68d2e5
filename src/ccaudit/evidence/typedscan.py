"""The typed first pass of a CSV file: timestamp columns parsed by DuckDB's CSV reader itself.

Reading a timestamp as text and converting it in SQL costs the reader's string for every cell, a test of
its shape and a cast; DuckDB's reader, told a column's type and its format, parses the digits as it splits
the line, for about half the CPU (bench/README.md, "the CSV import's parse"). So before the text passes, a
sample of the file's first records says which format each timestamp column is written in, and where a
column's sampled values all have one of FORMATS the file is read once with those columns typed.

The reader's format is strict where it matters: a value it accepts is one the text rules read the same
way (the same wall time; a blank at either end is trimmed by both; `2025-6-5 1:2:3` is read alike), and
what the text rules refuse it refuses too (hour 24, minute or second 60, 30 February, a fraction, an
offset, a trailing `Z`, a null word, a full-width digit). A year outside the field's range is refused by
the guard, as on the text path. Anything the reader refuses makes the statement fail, and the file is
parsed by the text passes instead, which read or report every value as before: this pass only ever
produces the same table faster, never another one.
"""

from __future__ import annotations

import dataclasses
import re

import duckdb

from ccaudit.evidence.readers import RawSource, csv_scan

# (DuckDB strptime format, what every sampled value must fully match to use it)
FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("%Y-%m-%d %H:%M:%S", re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")),
    ("%Y-%m-%dT%H:%M:%S", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")),
    ("%Y/%m/%d %H:%M:%S", re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}")),
)
SAMPLE_ROWS = 2000
TYPED = "TIMESTAMP"


def timestamp_format(con: duckdb.DuckDBPyConnection, raw: RawSource, positions: list[int]) -> tuple[str, list[int]]:
    """The format most of these text columns are written in, judged on the file's first records, and the
    columns written in it; ('', []) when none is. A column whose sample is empty takes the format too."""
    if not positions or raw.kind != "csv":
        return "", []
    cols = ", ".join(raw.columns[p] for p in positions)
    try:
        sample = con.execute(f"SELECT {cols} FROM {raw.relation} LIMIT {SAMPLE_ROWS}").fetchall()
    except duckdb.Error:  # a malformed file: the text passes report it
        return "", []
    best: tuple[str, list[int]] = ("", [])
    for fmt, shape in FORMATS:
        fits = [p for i, p in enumerate(positions)
                if all(row[i] is None or shape.fullmatch(row[i]) for row in sample)]
        written = [p for i, p in enumerate(positions) if any(row[i] is not None for row in sample)]
        if set(fits) & set(written) and len(fits) > len(best[1]):
            best = (fmt, fits)
    return best


def typed_source(raw: RawSource, fmt: str, positions: list[int]) -> RawSource:
    """The same file with these columns read as TIMESTAMP in `fmt` by DuckDB's reader."""
    assert raw.read_path is not None and raw.dialect is not None
    types = [TYPED if i in positions else t for i, t in enumerate(raw.types)]
    relation = csv_scan(raw.read_path, raw.columns, raw.dialect, types=types, timestampformat=fmt)
    return dataclasses.replace(raw, types=types, relation=relation)
