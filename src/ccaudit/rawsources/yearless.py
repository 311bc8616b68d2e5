"""Classic syslog times without a year (RFC 3164: `Nov  2 08:15:02 host ...`), given the year they were written in.

A relay that writes the BSD syslog header (rsyslog's default file format, syslog-ng's, a firewall's own syslog
server; pfSense and OPNsense for OpenVPN; a Cisco ASA without `logging timestamp`) keeps month, day and time only.
A source with `yearless` returns, beside SOURCE_COLUMNS, `noyear_text`: that header time, for a line whose only
time it is. The year is then settled per file, in SQL over those rows, in the order of the lines:

- the anchor: the year stated for the file (`--year`, evidence.yaml `year:`), which is the year of its FIRST such
  time; else the file's own lines that state their year (a device's own time on other lines: each time without
  one takes the year of the nearest such line before it, else after it, one more or less across a new year);
  else a date in the file's name (a rotation suffix `messages-20261101`, a daily file `asa-2026-11-02.log`, a
  monthly `vpn-2026-11.log`), else the file's modification time: the file was written up to that day, so its LAST
  time is the latest date with its month and day on or before that day (one day of slack for the zone the clock
  kept). From the file's name or its modification time the year is right for any log less than a year older than
  that date; a file copied later than that (its modification time the copy's) needs `--year`.
- the Dec -> Jan rollover: a time more than a day before the previous line's time (within a year: `Dec 31
  23:59:58` then `Jan  1 00:00:03`) starts the next year; a line late by seconds across midnight of 31 December
  (`Jan  1 00:00:01` then `Dec 31 23:59:59`) is the year before (a jump forward of more than 364 days).
- 29 February in a year that has none is no time ('no readable time').

parse_report.json says per file (`files[].year`) the year(s) read, how many times, how many rollovers and where the
year came from; `sources parse` prints it and `inspect` warns it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ccaudit.errors import EvidenceError
from ccaudit.rawsources.notes import say
from ccaudit.textsafe import visible

# a date in a file name: 20261102, 2026-11-02, 2026_11_02, 2026.11.02; or a month, 2026-11 (not inside a longer
# number: a serial such as FG100FTK20000001 is no date)
_NAME_DAY = re.compile(r"(?<!\d)(20\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_NAME_MONTH = re.compile(r"(?<!\d)(20\d{2})[-_.](0[1-9]|1[0-2])(?![-_.]?\d)")
STRPTIME = "%Y %b %d %H:%M:%S"


@dataclass(frozen=True)
class Anchor:
    year: int | None  # the year of the file's first time (stated), or None
    last_on_or_before: dt.date | None  # the file's last time falls on or before this day
    origin: str  # where the anchor came from, for the report (a note, content/messages/sources.yaml)


def year_value(text: object, where: str) -> int | None:
    """The year a --year or evidence.yaml `year:` states (1990-2100), Gregorian or ROC (民國 115 = 2026)."""
    if text is None or text == "":
        return None
    raw = str(text).strip()
    if not raw.isdigit():
        raise EvidenceError(f"{where} {visible(raw)!r}: expected a year such as 2026 (or ROC 115)",
                            zh=f"{where} {visible(raw)!r}：應為年份，例如 2026（或民國 115）")
    year = int(raw)
    if 50 <= year <= 189:  # ROC year
        year += 1911
    if not 1990 <= year <= 2100:
        raise EvidenceError(f"{where} {visible(raw)!r}: expected a year between 1990 and 2100",
                            zh=f"{where} {visible(raw)!r}：年份應介於 1990 與 2100 之間")
    return year


def anchor(path: Path, name: str, year: int | None, origin: str) -> Anchor:
    """Where the year of a file's times without one comes from (module docstring)."""
    if year is not None:
        return Anchor(year, None, say("year_from_stated", option=origin, year=year))
    base = Path(name).name
    day = _NAME_DAY.search(base)
    if day:
        try:
            found = dt.date(int(day.group(1)), int(day.group(3)), int(day.group(4)))
        except ValueError:
            found = None
        if found:
            return Anchor(None, found, say("year_from_name", date=found.isoformat()))
    month = _NAME_MONTH.search(base)
    if month:
        y, m = int(month.group(1)), int(month.group(2))
        last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        return Anchor(None, last, say("year_from_name_month", month=f"{y}-{m:02d}", date=last.isoformat()))
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()
    return Anchor(None, modified, say("year_from_mtime", date=modified.isoformat(), option="--year"))


def settle(con: duckdb.DuckDBPyConnection, found: Anchor) -> tuple[str | None, dict[str, Any]]:
    """Give each row of temp table q with a `noyear_text` its year: creates temp table `yl(line_no, year)` and
    returns the SQL that reads ts_local again (over q joined with yl), and what the report says."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE yl AS
        WITH t AS (
            SELECT DISTINCT line_no, regexp_replace(trim(noyear_text), '\\s+', ' ', 'g') AS txt FROM q
            WHERE noyear_text IS NOT NULL
        ), p AS (  -- in a leap year, so that 29 February has a place; the real year may have none
            SELECT line_no, txt, try_strptime('2000 ' || txt, '{STRPTIME}') AS t2000 FROM t
        ), d AS (  -- the file's lines that state their year (the device's own time on other lines)
            SELECT line_no, max(COALESCE(ts_local, ts_utc)) AS dated FROM q
            WHERE noyear_text IS NULL AND COALESCE(ts_local, ts_utc) IS NOT NULL GROUP BY line_no
        ), b AS (
            SELECT line_no, txt, t2000, CAST(NULL AS TIMESTAMP) AS dated FROM p WHERE t2000 IS NOT NULL
            UNION ALL SELECT line_no, NULL, NULL, dated FROM d
        ), c AS (
            SELECT *,
                last_value(dated IGNORE NULLS) OVER (ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                    AS prev_dated,
                first_value(dated IGNORE NULLS) OVER (ORDER BY line_no ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
                    AS next_dated
            FROM b
        ), s AS (
            SELECT line_no, txt, t2000,
                CASE WHEN lag(t2000) OVER w - t2000 > INTERVAL 1 DAY THEN 1
                     WHEN t2000 - lag(t2000) OVER w > INTERVAL 364 DAY THEN -1 ELSE 0 END AS step,
                -- the year of the nearest dated line before (else after), one more or less across a new year
                CASE WHEN prev_dated IS NOT NULL THEN year(prev_dated) + CASE
                         WHEN t2000 < {_in2000('prev_dated')} - INTERVAL 1 DAY THEN 1
                         WHEN t2000 > {_in2000('prev_dated')} + INTERVAL 364 DAY THEN -1 ELSE 0 END
                     WHEN next_dated IS NOT NULL THEN year(next_dated) + CASE
                         WHEN t2000 > {_in2000('next_dated')} + INTERVAL 1 DAY THEN -1
                         WHEN t2000 < {_in2000('next_dated')} - INTERVAL 364 DAY THEN 1 ELSE 0 END
                END AS ctx_year
            FROM c WHERE dated IS NULL WINDOW w AS (ORDER BY line_no)
        )
        SELECT line_no, txt, t2000, step, ctx_year,
               sum(step) OVER (ORDER BY line_no ROWS UNBOUNDED PRECEDING) AS off FROM s""")
    row = con.execute("SELECT count(*), arg_max(t2000, line_no), arg_max(off, line_no), count(ctx_year) "
                      "FROM yl").fetchone()
    assert row is not None
    count = int(row[0])
    if not count:
        return None, {}
    last_t, last_off, in_context = row[1], int(row[2]), int(row[3])
    origin = found.origin
    if found.year is not None:
        con.execute(f"ALTER TABLE yl ADD COLUMN year INTEGER; UPDATE yl SET year = {int(found.year)} + off")
    elif in_context:
        con.execute("ALTER TABLE yl ADD COLUMN year INTEGER; UPDATE yl SET year = ctx_year")
        origin = say("year_from_lines")
    else:
        assert found.last_on_or_before is not None
        limit = found.last_on_or_before + dt.timedelta(days=1)
        last_year = next(y for y in range(limit.year, limit.year - 9, -1) if _on(y, last_t) <= limit)
        con.execute(f"ALTER TABLE yl ADD COLUMN year INTEGER; UPDATE yl SET year = {int(last_year - last_off)} + off")
    years = con.execute("SELECT min(year), max(year), count(*) FILTER (WHERE try_strptime(year || ' ' || txt, "
                        f"'{STRPTIME}') IS NULL) FROM yl").fetchone()
    assert years is not None
    first, last, unread = int(years[0]), int(years[1]), int(years[2])
    expr = (f"CASE WHEN q.noyear_text IS NOT NULL THEN try_strptime(yl.year || ' ' || regexp_replace("
            f"trim(q.noyear_text), '\\s+', ' ', 'g'), '{STRPTIME}') ELSE q.ts_local END")
    read_as = str(first) if first == last else f"{first}-{last}"
    return expr, {"read_as": read_as, "times": count, "rollovers": last - first, "not_a_date": unread,
                  "from": origin}


def _in2000(col: str) -> str:
    """A timestamp's month, day and time in the year 2000 (a leap year, as the times without a year are read)."""
    return (f"make_timestamp(2000, month({col}), day({col}), hour({col}), minute({col}), "
            f"CAST(second({col}) AS DOUBLE))")


def _on(year: int, t2000: dt.datetime) -> dt.date:
    """The month and day of t2000 in the year (29 February of a common year as 1 March: later than the 28th)."""
    try:
        return dt.date(year, t2000.month, t2000.day)
    except ValueError:
        return dt.date(year, 3, 1)
