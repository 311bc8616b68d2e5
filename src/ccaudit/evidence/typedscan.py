"""The typed first pass of a CSV file: timestamp columns parsed by DuckDB's CSV reader itself.

Reading a timestamp as text and converting it in SQL costs the reader's string for every cell, a test of
its shape and a cast; DuckDB's reader, told a column's type and its format, parses the digits as it splits
the line, for about half the CPU (bench/README.md, "the CSV import's parse"). So before the text passes, a
sample of the file's first records says which format each timestamp column is written in
(`2025-10-01 08:55:12`, `2025/10/01 08:55:12`, `2025-10-01T08:55:12`, with `Z` or one offset such as `+08:00`),
and where a column's sampled values all share one, the file is read once with those columns typed: a value
with no offset is the wall time the text rules would read, one with the format's offset that wall time
less the offset.

The reader's format is strict where it matters: a value it accepts is one the text rules read the same
way (the same wall time; a blank at either end is trimmed by both; `2025-6-5 1:2:3` is read alike), and
what the text rules refuse it refuses too (hour 24, minute or second 60, 30 February); what it refuses
the text rules may still read (a fraction, another offset or none, a null word, a full-width digit). A
year outside the field's range is refused by the guard, as on the text path. Anything the reader refuses
makes the statement fail, and the file is parsed by the text passes instead, which read or report every
value as before: this pass only ever produces the same table faster, never another one.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass

import duckdb

from ccaudit.evidence.readers import RawSource, csv_scan

# A timestamp as exporters write it: the date's separator, the time's, and an offset or Z, each the same
# for every sampled value of a column; anything else (a fraction, ROC years, AM/PM) stays with the text rules.
_SHAPE = re.compile(r"\d{4}([-/])\d{2}\1\d{2}([T ])\d{2}:\d{2}:\d{2}(Z|[+-](?:0\d|1[0-4]):[0-5]\d)?")
SAMPLE_ROWS = 2000
TYPED = "TIMESTAMP"


@dataclass(frozen=True)
class TimestampFormat:
    """One format of a file's timestamp columns: DuckDB's `timestampformat`, with the offset it names."""

    format: str
    offset_minutes: int | None  # None: no offset (a wall time, read as the template's naive_timestamps)


def _format_of(text: str) -> TimestampFormat | None:
    match = _SHAPE.fullmatch(text)
    if match is None:
        return None
    date_sep, time_sep, suffix = match.group(1), match.group(2), match.group(3) or ""
    offset = None
    if suffix == "Z":
        offset = 0
    elif suffix:
        offset = (-1 if suffix[0] == "-" else 1) * (int(suffix[1:3]) * 60 + int(suffix[4:6]))
    # The offset is a literal of the format: a value with any other offset is refused by the reader.
    fmt = f"%Y{date_sep}%m{date_sep}%d{time_sep}%H:%M:%S{suffix}"
    return TimestampFormat(fmt, offset)


def timestamp_format(
    con: duckdb.DuckDBPyConnection, raw: RawSource, positions: list[int]
) -> tuple[TimestampFormat | None, list[int]]:
    """The format most of these text columns are written in, judged on the file's first records, and the
    columns written in it; (None, []) when none is. A column whose sample is empty takes the format too."""
    if not positions or raw.kind != "csv":
        return None, []
    cols = ", ".join(raw.columns[p] for p in positions)
    try:
        sample = con.execute(f"SELECT {cols} FROM {raw.relation} LIMIT {SAMPLE_ROWS}").fetchall()
    except duckdb.Error:  # a malformed file: the text passes report it
        return None, []
    found: dict[int, TimestampFormat | None] = {}
    for i, position in enumerate(positions):
        formats = {_format_of(row[i]) for row in sample if row[i] is not None}
        if len(formats) == 1:
            found[position] = formats.pop()
    votes = Counter(f for f in found.values() if f is not None)
    if not votes:
        return None, []
    best = votes.most_common(1)[0][0]
    empty = [p for i, p in enumerate(positions) if all(row[i] is None for row in sample)]
    return best, sorted([p for p, f in found.items() if f == best] + empty)


def typed_source(raw: RawSource, fmt: TimestampFormat, positions: list[int]) -> RawSource:
    """The same file with these columns read as TIMESTAMP in `fmt` by DuckDB's reader."""
    assert raw.read_path is not None and raw.dialect is not None
    types = [TYPED if i in positions else t for i, t in enumerate(raw.types)]
    relation = csv_scan(raw.read_path, raw.columns, raw.dialect, types=types, timestampformat=fmt.format)
    return dataclasses.replace(raw, types=types, relation=relation)
