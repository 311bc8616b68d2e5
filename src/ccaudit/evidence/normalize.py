"""Parsing rules, as SQL over text columns: booleans, numbers, enums, ISO and ROC dates, timestamps.

Everything is one set-based pass in DuckDB; the same rules serve CSV, Excel, JSON and Parquet input.
Timestamps become two columns: `<name>` in the firm's local wall time and `<name>_utc`, so checks
never depend on the time zone of the machine that runs them.

Each type has a fast path for the spelling exports use most (`2025-10-01 08:55:12`, a canonical enum
value, `2025-10-01`) and a general path (regular expressions) for everything else; both give the same
answer for what the fast path accepts. Converting between the firm's zone and UTC uses plain interval
arithmetic inside the span where the zone database gives the zone one fixed offset (for Asia/Taipei
every instant since 1979) and the zone database itself (ICU) outside it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ccaudit.errors import CcauditError
from ccaudit.evidence.datetext import _COMPACT_RE, _DATE_RE, _YMD, SHORT_YEAR_RE
from ccaudit.evidence.datetext import SHORT_YEAR_EXPECTED as SHORT_YEAR_EXPECTED  # the importer's messages
from ccaudit.evidence.datetext import short_year_message as short_year_message
from ccaudit.evidence.models import FieldSpec, FieldType
from ccaudit.evidence.readers import quote_literal
from ccaudit.textsafe import IDENTIFIER_INVISIBLE

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "v", "✓", "✔", "√", "o", "○", "◯", "有", "ok", "已完成", "on",
              "enabled")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "x", "✗", "✘", "×", "✕", "╳", "無", "未完成", "off", "disabled")
NULL_WORDS = ("", "null", "n/a", "#n/a", "nan", "nat")
# What officers type for "nothing here": empty for every type. An enum or boolean spelling comes
# first (無 is false for a boolean, iot_role's 無 is 'none'); a string placeholder is never a value,
# so an approval reference of '-' or '無' is no approval.
PLACEHOLDERS = ("-", "--", "---", "—", "——", "－", "─", "–", "n/a", "n.a.", "無", "不適用", "#n/a", "null")
_WS = " \t\r\n\u3000\u00a0"
WS = _WS
# Full-width ASCII (what a Chinese input method types: １１５／３／５, Ｙ) folded to ASCII for parsing.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
# 3/5/2026: month first (US) or day first; neither is guessed.
DAY_MONTH_RE = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:\D|$)"
DAY_MONTH = "day and month order unknown"
_AMPM = r"(上午|下午|(?i:am|pm|a\.m\.|p\.m\.))"
# date, then optionally: am/pm, hour, minute, optional seconds and fraction, am/pm, offset.
_TS_RE = (
    rf"^{_YMD}"
    rf"(?:(?:T|\s)+{_AMPM}?\s*(\d{{1,2}})\s*[:時]\s*(\d{{2}})(?:\s*[:分]\s*(\d{{2}})(?:[.,](\d{{1,9}}))?\s*秒?|\s*分)?"
    rf"\s*{_AMPM}?)?\s*(Z|z|UTC|GMT|[+-]\d{{2}}(?::?\d{{2}})?)?$"
)
_TIME_RE = rf"^{_AMPM}?\s*(\d{{1,2}})\s*[:時]\s*(\d{{2}})(?:\s*[:分]\s*(\d{{2}})\s*秒?|\s*分)?\s*{_AMPM}?$"
# Shapes the fast paths accept; TRY_CAST then checks the digits. No offset fits these shapes.
_ISO_TS_SHAPES = ("____-__-__ __:__:__", "____-__-__T__:__:__", "____-__-__ __:__")
# RFC 3339 instants (what exporters and the demo write: 2026-10-01T08:00:35+08:00, ...Z), taken by the fast
# path too; anything else (fractions, +0800, a padded value) is left to the general path.
_ISO_OFFSET_SHAPES = tuple(f"____-__-__{sep}__:__:__{sign}__:__" for sep in ("T", " ") for sign in "+-")
_ISO_UTC_SHAPES = ("____-__-__T__:__:__Z", "____-__-__ __:__:__Z")
_ISO_DATE_SHAPE = "____-__-__"
_SAMPLE_FROM, _SAMPLE_TO = dt.datetime(1900, 1, 1, 12), dt.datetime(2200, 1, 1, 12)


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(quote_literal(w) for w in words)


# --- the firm's zone -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    """The firm's zone and, where it has one, the span of UTC instants with one fixed offset."""

    name: str
    offset_minutes: int | None = None
    utc_from: dt.datetime | None = None  # inclusive
    utc_to: dt.datetime | None = None  # exclusive

    def _span(self, shift: int) -> str:
        assert self.utc_from is not None and self.utc_to is not None
        lo = self.utc_from + dt.timedelta(minutes=shift)
        hi = self.utc_to + dt.timedelta(minutes=shift)
        return f"x >= TIMESTAMP '{lo.isoformat(sep=' ')}' AND x < TIMESTAMP '{hi.isoformat(sep=' ')}'"

    def local_to_utc_sql(self) -> str:
        """Body of a macro of `x`, a wall time in the zone, giving the UTC wall time."""
        icu = f"timezone('UTC', timezone({quote_literal(self.name)}, x))"
        if self.offset_minutes is None:
            return icu
        return (f"CASE WHEN {self._span(self.offset_minutes)} "
                f"THEN x - INTERVAL '{self.offset_minutes}' MINUTE ELSE {icu} END")

    def utc_to_local_sql(self) -> str:
        icu = f"timezone({quote_literal(self.name)}, timezone('UTC', x))"
        if self.offset_minutes is None:
            return icu
        return f"CASE WHEN {self._span(0)} THEN x + INTERVAL '{self.offset_minutes}' MINUTE ELSE {icu} END"


def firm_zone(con: duckdb.DuckDBPyConnection, name: str, today: dt.date | None = None) -> Zone:
    """The zone with its fixed-offset span around today, read from the same zone database (ICU)
    that converts the instants outside it, so both ways always agree.

    The offset is sampled weekly at noon UTC; the span is the run of equal samples around today,
    narrowed by a week at each end so that no wall time inside it could belong to the neighbouring
    offset (an hour repeated or skipped at a transition). No zone changes its offset twice within
    a week."""
    return _firm_zone(con, name, today or dt.datetime.now(dt.UTC).date())


@functools.lru_cache(maxsize=8)
def _zone_span(name: str, today: dt.date) -> tuple[int, dt.datetime, dt.datetime] | None:
    con = duckdb.connect()
    try:
        row = con.execute(
            """
            WITH s AS (
                SELECT u, date_diff('minute', u, timezone($1, timezone('UTC', u))) AS off
                FROM generate_series($2::TIMESTAMP, $3::TIMESTAMP, INTERVAL 7 DAY) t(u)),
            g AS (
                SELECT u, off,
                       sum(CASE WHEN off IS DISTINCT FROM prev THEN 1 ELSE 0 END) OVER (ORDER BY u) AS run
                FROM (SELECT u, off, lag(off) OVER (ORDER BY u) AS prev FROM s))
            SELECT any_value(off), min(u), max(u) FROM g GROUP BY run
            HAVING min(u) <= $4::TIMESTAMP AND max(u) >= $4::TIMESTAMP
            """,
            [name, _SAMPLE_FROM, _SAMPLE_TO, dt.datetime.combine(today, dt.time(12))],
        ).fetchall()
    except duckdb.Error as exc:
        raise CcauditError(f"unknown firm time zone {name!r}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    if not row:
        return None
    offset, first, last = row[0]
    start, end = first + dt.timedelta(days=7), last - dt.timedelta(days=7)
    return (int(offset), start, end) if end > start else None


def _firm_zone(con: duckdb.DuckDBPyConnection, name: str, today: dt.date) -> Zone:
    try:
        con.execute("SELECT timezone(?, TIMESTAMP '2000-01-01 00:00:00')", [name]).fetchall()
    except duckdb.Error as exc:
        raise CcauditError(f"unknown firm time zone {name!r}: {str(exc).splitlines()[0]}") from None
    span = _zone_span(name, today)
    return Zone(name, *span) if span else Zone(name)


# --- macros ----------------------------------------------------------------------------------------


def install_macros(con: duckdb.DuckDBPyConnection, zone: Zone) -> None:
    """Define the parsing macros on a workspace connection (temporary: they are import machinery)."""
    con.execute("SET TimeZone = 'UTC'")
    ws = quote_literal(_WS)
    # A value with no blank at either end and not a null word is already clean: the common case,
    # tested with LIKE prefixes and suffixes, which cost far less than trimming every value.
    edges = " OR ".join(f"s LIKE {quote_literal(c + '%')} OR s LIKE {quote_literal('%' + c)}" for c in _WS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP MACRO cc_unguard(t) AS
            CASE WHEN t LIKE '="%"' THEN regexp_replace(t, '^="(.*)"$', '\\1', 's') ELSE t END;
        CREATE OR REPLACE TEMP MACRO cc_trimmed(s) AS
            CASE WHEN lower(cc_unguard(trim(s, {ws}))) IN ({_words(NULL_WORDS)}) THEN NULL
                 ELSE cc_unguard(trim(s, {ws})) END;
        CREATE OR REPLACE TEMP MACRO cc_clean(s) AS
            CASE WHEN NOT ({edges} OR s LIKE '=%') AND (strlen(s) > 4 OR lower(s) NOT IN ({_words(NULL_WORDS)}))
                 THEN s ELSE cc_trimmed(s) END;
        CREATE OR REPLACE TEMP MACRO cc_trimmed_text(s) AS
            CASE WHEN lower(cc_unguard(trim(s, {ws}))) IN ({_words((*NULL_WORDS, *PLACEHOLDERS))}) THEN NULL
                 ELSE cc_unguard(trim(s, {ws})) END;
        CREATE OR REPLACE TEMP MACRO cc_clean_text(s) AS
            CASE WHEN NOT ({edges} OR s LIKE '=%')
                      AND (strlen(s) > 9 OR lower(s) NOT IN ({_words((*NULL_WORDS, *PLACEHOLDERS))}))
                 THEN s ELSE cc_trimmed_text(s) END;
        CREATE OR REPLACE TEMP MACRO cc_fold(s) AS translate(s, {quote_literal(_FULL)}, {quote_literal(_HALF)});
        CREATE OR REPLACE TEMP MACRO cc_token(s) AS regexp_replace(lower(s), '[\\s\\-]+', '_', 'g');
        CREATE OR REPLACE TEMP MACRO cc_local_to_utc(x) AS {zone.local_to_utc_sql()};
        CREATE OR REPLACE TEMP MACRO cc_utc_to_local(x) AS {zone.utc_to_local_sql()};
        CREATE OR REPLACE TEMP MACRO cc_ymd(y, m, d) AS
            CASE WHEN length(y) >= 3 THEN TRY_CAST(printf('%04d-%02d-%02d',
                TRY_CAST(y AS INTEGER) + CASE WHEN length(y) <= 3 THEN 1911 ELSE 0 END,
                TRY_CAST(m AS INTEGER), TRY_CAST(d AS INTEGER)) AS DATE) END;
        CREATE OR REPLACE TEMP MACRO cc_date(s) AS
            CASE WHEN regexp_matches(s, '{_COMPACT_RE}')
                 THEN cc_ymd(regexp_extract(s, '{_COMPACT_RE}', 1), regexp_extract(s, '{_COMPACT_RE}', 2),
                             regexp_extract(s, '{_COMPACT_RE}', 3))
                 ELSE cc_ymd(regexp_extract(s, '{_DATE_RE}', 1), regexp_extract(s, '{_DATE_RE}', 2),
                             regexp_extract(s, '{_DATE_RE}', 3)) END;
        CREATE OR REPLACE TEMP MACRO cc_hour(h, ap1, ap2) AS
            CASE WHEN ap1 = '' AND ap2 = '' THEN
                      CASE WHEN TRY_CAST(h AS INTEGER) BETWEEN 0 AND 23 THEN TRY_CAST(h AS INTEGER) END
                 WHEN ap1 <> '' AND ap2 <> '' OR TRY_CAST(h AS INTEGER) > 12 THEN NULL
                 WHEN upper(replace(ap1 || ap2, '.', '')) IN ('PM', '下午')
                      THEN TRY_CAST(h AS INTEGER) % 12 + 12
                 ELSE TRY_CAST(h AS INTEGER) % 12 END;
        CREATE OR REPLACE TEMP MACRO cc_sixty(s) AS
            CASE WHEN s = '' THEN 0 WHEN TRY_CAST(s AS INTEGER) <= 59 THEN TRY_CAST(s AS INTEGER) END;
        CREATE OR REPLACE TEMP MACRO cc_ts_parts(s) AS
            regexp_extract(regexp_replace(s, '{_COMPACT_RE}', '\\1-\\2-\\3'), '{_TS_RE}',
                           ['y', 'mo', 'd', 'ap1', 'h', 'mi', 'sec', 'frac', 'ap2', 'tz']);
        CREATE OR REPLACE TEMP MACRO cc_offset_minutes(tz) AS
            CASE WHEN upper(tz) IN ('Z', 'UTC', 'GMT') THEN 0
                 WHEN TRY_CAST(tz[2:3] AS INTEGER) <= 14
                      AND coalesce(TRY_CAST(nullif(replace(tz[4:], ':', ''), '') AS INTEGER), 0) <= 59
                 THEN (CASE WHEN tz[1] = '-' THEN -1 ELSE 1 END) * (TRY_CAST(tz[2:3] AS INTEGER) * 60
                      + coalesce(TRY_CAST(nullif(replace(tz[4:], ':', ''), '') AS INTEGER), 0)) END;
        CREATE OR REPLACE TEMP MACRO cc_wall(p) AS
            cc_ymd(p.y, p.mo, p.d)::TIMESTAMP
            + to_hours(CASE WHEN p.h = '' THEN 0 ELSE cc_hour(p.h, p.ap1, p.ap2) END)
            + to_minutes(cc_sixty(p.mi))
            + to_microseconds(cc_sixty(p.sec) * 1000000
                              + coalesce(TRY_CAST(rpad(p.frac, 6, '0')[1:6] AS BIGINT), 0));
        CREATE OR REPLACE TEMP MACRO cc_time_of(h, m, sec, ap1, ap2) AS
            CASE WHEN ap1 = '' AND ap2 = '' AND h = '24' AND m = '00' AND sec IN ('', '00') THEN 1440
                 WHEN m <> '' AND cc_sixty(sec) IS NOT NULL THEN cc_hour(h, ap1, ap2) * 60 + cc_sixty(m) END;
        CREATE OR REPLACE TEMP MACRO cc_time(s) AS
            cc_time_of(regexp_extract(s, '{_TIME_RE}', 2), regexp_extract(s, '{_TIME_RE}', 3),
                       regexp_extract(s, '{_TIME_RE}', 4), regexp_extract(s, '{_TIME_RE}', 1),
                       regexp_extract(s, '{_TIME_RE}', 5));
        CREATE OR REPLACE TEMP MACRO cc_number(s) AS
            CASE WHEN isfinite(TRY_CAST(replace(s, ',', '') AS DOUBLE))
                 THEN TRY_CAST(replace(s, ',', '') AS DOUBLE) END;
        CREATE OR REPLACE TEMP MACRO cc_integer(s) AS
            CASE WHEN regexp_full_match(s, '[+-]?[0-9]+') THEN TRY_CAST(s AS BIGINT)
                 WHEN cc_number(s) = floor(cc_number(s)) AND abs(cc_number(s)) < 9007199254740992
                 THEN CAST(cc_number(s) AS BIGINT) END;
        """
    )


# --- per-field SQL ---------------------------------------------------------------------------------

Level = list[tuple[str, str]]
TEXT_TYPES = ("VARCHAR",)
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                  "HUGEINT")
_NUMBER_TYPES = (*_INTEGER_TYPES, "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class FieldParse:
    """How one field is computed: SELECT levels (each may use the columns of the levels before it;
    the last holds the output columns), the typed column whose NULL means "empty or not understood",
    and the value as text (NULL when empty), for presence tests and messages."""

    levels: list[Level]
    check: str
    text: str


def _map(mapping: dict[str, str], quote: bool = True) -> str:
    """A constant MAP literal: one lookup per value, however many spellings there are."""
    entries = ", ".join(f"{quote_literal(k)}: {quote_literal(v) if quote else v}" for k, v in mapping.items())
    return f"MAP {{{entries}}}"


def _full_width(text: str) -> str:
    """ASCII letters and digits as a Chinese input method types them (y -> ｙ), for lookups."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _token(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").split())


def _tmp(kind: str, name: str) -> str:
    return f'"__{kind}__{name}"'


def text_of(raw: str, source_type: str, placeholders: bool = False) -> str:
    """The cleaned text of a raw column: trimmed, and NULL for empty or null-like cells; with
    `placeholders`, NULL for PLACEHOLDERS too ('-', 'N/A', '無')."""
    macro = "cc_clean_text" if placeholders else "cc_clean"
    if source_type in TEXT_TYPES:
        return f"{macro}({raw})"
    return f"{macro}(CAST({raw} AS VARCHAR))"


DIRTY = "__dirty"
_SEP = chr(31)  # the ASCII unit separator: joins a row's cells for one test of them all


def dirty_sql(columns: list[str]) -> str:
    """True for a row where some of these text cells needs cleaning: a blank at either end of a
    cell, or a cell that is a null word. One regular expression over the joined cells costs far
    less than testing each cell's ends; clean rows (nearly all) then keep their cells untouched."""
    blank = r"[\s\x{3000}\x{a0}]"
    words = "|".join(re.escape(w) for w in (*NULL_WORDS, *PLACEHOLDERS) if w)
    pattern = rf"(^|\x1f){blank}|{blank}($|\x1f)|(^|\x1f)(?i:{words})($|\x1f)|(^|\x1f)=\""
    joined = f"concat_ws(chr(31), {', '.join(columns)})"
    return f"regexp_matches({joined}, {quote_literal(pattern)})"


def field_parse(
    spec: FieldSpec, raw: str, source_type: str, naive: str, dirty: str | None = None, general: bool = True,
    excel: bool = False,
) -> FieldParse:
    """The SQL computing one mapped field from its raw column `raw` (an identifier). With `dirty`,
    the name of a row flag from dirty_sql() over this column, text cells are cleaned only in the
    rows that need it.

    Without `general`, only the spellings exports use most are understood (ISO dates and times,
    plain numbers) and anything else comes out NULL, which the importer's guard catches before
    trying again with every rule. The general rules are costly even where a CASE never reaches
    them: DuckDB hoists their repeated parts out of the CASE, or runs lambdas over whole vectors.

    With `excel`, a five-digit number in a date or timestamp column is an Excel serial date (a date
    cell whose format was lost: 46086 is 2026-03-05). Placeholders (PLACEHOLDERS: '-', 'N/A', '無')
    are empty; full-width digits and letters are read as their ASCII forms."""
    name = spec.name
    out = f'"{name}"'
    # Parsing reads `cleaned`; a placeholder fails to parse and `text`, NULL for it, makes that no
    # problem. Keeping the placeholder test out of the parse keeps the expressions small to plan.
    cleaned = text_of(raw, source_type)
    text = text_of(raw, source_type, placeholders=True)
    kind = spec.type
    typed = source_type not in TEXT_TYPES
    if kind is FieldType.TIMESTAMP:
        return _timestamp(name, raw, cleaned, source_type, naive, general, excel, text)
    if kind is FieldType.STRING:
        expr = f"CASE WHEN {dirty} THEN {text} ELSE {raw} END" if dirty and not typed else text
        return FieldParse([[(name, expr)]], out, text)
    if kind is FieldType.ENUM:
        mapping: dict[str, str] = {_token(v): v for v in spec.values}
        mapping.update({_token(k): v for k, v in spec.value_aliases.items()})
        mapping.update({_full_width(k): v for k, v in list(mapping.items()) if _full_width(k) != k})
        slow = f"map_extract_value({_map(mapping)}, cc_token({cleaned}))"
        # Canonical spellings pass through a CASE on the raw column. A CASE over an expression (or a
        # long IN list) would be expanded per branch, or turned into a join, by DuckDB's planner.
        fast = " ".join(f"WHEN {quote_literal(v)} THEN {quote_literal(v)}" for v in spec.values)
        expr = slow if typed else f"CASE {raw} {fast} ELSE {slow} END"
        return FieldParse([[(name, expr)]], out, text)
    if kind is FieldType.BOOLEAN:
        if source_type == "BOOLEAN":
            return FieldParse([[(name, raw)]], out, text)
        spelled = {w: "true" for w in TRUE_WORDS} | {w: "false" for w in FALSE_WORDS}
        spelled |= {_full_width(w): v for w, v in spelled.items()}  # Ｙ, ｔｒｕｅ: one lookup still
        expr = f"map_extract_value({_map(spelled, quote=False)}, lower({cleaned}))"
        return FieldParse([[(name, expr)]], out, text)
    folded = f"cc_fold({cleaned})"
    if kind is FieldType.INTEGER:
        if source_type in _INTEGER_TYPES:
            return FieldParse([[(name, f"TRY_CAST({raw} AS BIGINT)")]], out, text)
        if not general and not typed:
            expr = f"CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,18}}') THEN CAST({raw} AS BIGINT) END"
            return FieldParse([[(name, expr)]], out, text)
        return FieldParse([[(name, f"cc_integer({folded})")]], out, text)
    if kind is FieldType.NUMBER:
        if source_type in _NUMBER_TYPES or source_type.startswith("DECIMAL"):
            return FieldParse([[(name, f"CAST({raw} AS DOUBLE)")]], out, text)
        if not general and not typed:
            expr = (f"CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,15}}([.][0-9]{{1,15}})?') "
                    f"THEN CAST({raw} AS DOUBLE) END")
            return FieldParse([[(name, expr)]], out, text)
        return FieldParse([[(name, f"cc_number({folded})")]], out, text)
    if kind is FieldType.DATE:
        if source_type == "DATE":
            return FieldParse([[(name, raw)]], out, text)
        if source_type in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"):
            expr = f"CASE WHEN {raw} = date_trunc('day', {raw}) THEN CAST({raw} AS DATE) END"
            return FieldParse([[(name, expr)]], out, text)
        if typed:
            return FieldParse([[(name, f"cc_date({folded})")]], out, text)
        fast = f"CASE WHEN {raw} LIKE '{_ISO_DATE_SHAPE}' THEN TRY_CAST({raw} AS DATE) WHEN {_roc_date_test(raw)} THEN "
        fast += f"TRY_CAST(printf('%d-%s-%s', CAST({raw}[1:3] AS INTEGER) + 1911, {raw}[5:6], {raw}[8:9]) AS DATE)"
        if excel:
            fast += f" WHEN {EXCEL_SERIAL.format(raw)} THEN DATE '1899-12-30' + CAST({raw} AS INTEGER)"
        expr = f"{fast} ELSE cc_date({folded}) END" if general else f"{fast} END"
        return FieldParse([[(name, expr)]], out, text)
    if kind is FieldType.TIME:
        if source_type == "TIME":
            expr = f"CAST(extract(hour FROM {raw}) * 60 + extract(minute FROM {raw}) AS INTEGER)"
            return FieldParse([[(name, expr)]], out, text)
        return FieldParse([[(name, f"cc_time({folded})")]], out, text)
    raise ValueError(f"no single-column parse for {kind}")


EXCEL_SERIAL = "regexp_full_match({}, '[1-9][0-9]{{4}}')"  # a date cell read as its number (1927 to 2173)
_EXCEL_SERIAL_TS = "regexp_full_match({}, '[1-9][0-9]{{4}}([.][0-9]+)?')"


def _timestamp(
    name: str, raw: str, text: str, source_type: str, naive: str, general: bool, excel: bool = False,
    shown: str | None = None,
) -> FieldParse:
    """`text` is parsed; `shown` (default `text`) is the FieldParse's text."""
    shown = shown or text
    utc_col = f"{name}_utc"
    utc = f'"{utc_col}"'
    to_utc = "{}" if naive == "utc" else "cc_local_to_utc({})"
    local = f"cc_utc_to_local({utc})"
    if source_type == "TIMESTAMP WITH TIME ZONE":
        return FieldParse([[(utc_col, f"timezone('UTC', {raw})")], [(name, local)]], utc, shown)
    if source_type in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"):
        wall = f"CAST({raw} AS TIMESTAMP)"
        return FieldParse([[(utc_col, to_utc.format(wall))], [(name, local)]], utc, shown)
    iso, iso_utc, roc = _tmp("iso", name), _tmp("isoutc", name), _tmp("roc", name)
    if source_type in TEXT_TYPES:
        shape = " OR ".join(f"{raw} LIKE '{s}'" for s in _ISO_TS_SHAPES)
        # TRY_CAST reads 24:00 as the next day; the general path refuses it, so must this one.
        no24 = f"NOT ends_with({raw}, '24:00:00') AND NOT ends_with({raw}, ' 24:00')"
        fast = f"CASE WHEN ({shape}) AND {no24} THEN TRY_CAST({raw} AS TIMESTAMP) END"
        fast_utc = _rfc3339_utc(raw)
        fast_roc = _roc_ampm_wall(raw)
    else:
        fast = fast_utc = fast_roc = "CAST(NULL AS TIMESTAMP)"
    # The general path parses once into a struct and reads it through lambdas, so each regular
    # expression and each wall time is computed once per value, and only for values that need it.
    wall_to_utc = "__w" if naive == "utc" else "cc_local_to_utc(__w)"
    general_sql = (
        f"list_transform([cc_ts_parts(cc_fold({text}))], lambda __p: CASE "
        f"WHEN __p.tz <> '' THEN cc_wall(__p) - to_minutes(cc_offset_minutes(__p.tz)) "
        f"ELSE list_transform([cc_wall(__p)], lambda __w: {wall_to_utc})[1] END)[1]"
    )
    rest = f" ELSE {general_sql}" if general else ""
    if excel and general:
        wall = f"TIMESTAMP '1899-12-30' + to_seconds(CAST(round(CAST({text} AS DOUBLE) * 86400) AS BIGINT))"
        rest = f" WHEN {_EXCEL_SERIAL_TS.format(text)} THEN {to_utc.format(wall)}{rest}"
    levels: list[Level] = [
        [(f"__iso__{name}", fast), (f"__isoutc__{name}", fast_utc), (f"__roc__{name}", fast_roc)],
        [(utc_col, f"CASE WHEN {iso} IS NOT NULL THEN {to_utc.format(iso)} "
                   f"WHEN {iso_utc} IS NOT NULL THEN {iso_utc} "
                   f"WHEN {roc} IS NOT NULL THEN {to_utc.format(roc)}{rest} END")],
        [(name, local)],
    ]
    return FieldParse(levels, utc, shown)


def typed_timestamp(spec: FieldSpec, raw: str, naive: str, offset_minutes: int | None) -> FieldParse:
    """A timestamp column DuckDB's reader parsed (evidence/typedscan.py): a wall time read as `naive` says,
    or, where the format names an offset (`Z`, `+08:00`), the wall time less that offset, as the text rules
    read `2026-10-01T08:00:35+08:00`."""
    if offset_minutes is None:
        return field_parse(spec, raw, "TIMESTAMP", naive)
    utc_col = f"{spec.name}_utc"
    utc = f"{raw} - INTERVAL '{offset_minutes}' MINUTE" if offset_minutes else raw
    return FieldParse([[(utc_col, utc)], [(spec.name, f'cc_utc_to_local("{utc_col}")')]], f'"{utc_col}"',
                      text_of(raw, "TIMESTAMP"))


# ROC dates with the Chinese AM/PM (what Taiwanese exports write: 115/03/01 上午 04:19:38): digits checked by
# their shape, all at once (a '1e2' or '+15' would pass a cast), then each part read by its position.
_ROC_AMPM_SHAPES = ("000/00/00 上午 00:00:00", "000/00/00 下午 00:00:00")


def _roc_date_test(raw: str) -> str:
    """True for a text written as a ROC date `115/03/01`: three digits, two, two (no cast would catch '1e2')."""
    return f"{raw}[4:4] = '/' AND translate({raw}, '123456789', '000000000') = '000/00/00'"


def _roc_ampm_wall(raw: str) -> str:
    """The wall time of a text written `115/03/01 上午 04:19:38`, else NULL: what the general path makes of it
    (ROC year + 1911; 上午 12 is hour 0, 下午 1-12 are 13-12, an hour above 12 is refused; minutes and
    seconds up to 59; the date checked by the cast), without its regular expressions."""
    shapes = ", ".join(quote_literal(s) for s in _ROC_AMPM_SHAPES)
    hour = f"CAST({raw}[14:15] AS INTEGER) % 12 + CASE WHEN {raw}[11:12] = '下午' THEN 12 ELSE 0 END"
    text = (f"printf('%d-%s-%s %02d:%s:%s', CAST({raw}[1:3] AS INTEGER) + 1911, {raw}[5:6], {raw}[8:9], "
            f"{hour}, {raw}[17:18], {raw}[20:21])")
    # The cheap test first: nearly every other value has no '/' there, and its translate is never made.
    return (f"CASE WHEN {raw}[4:4] = '/' AND translate({raw}, '123456789', '000000000') IN ({shapes}) "
            f"AND {raw}[14:15] <= '12' AND {raw}[17:18] <= '59' AND {raw}[20:21] <= '59' "
            f"THEN TRY_CAST({text} AS TIMESTAMP) END")


def _rfc3339_utc(raw: str) -> str:
    """The UTC instant of a text in one of the RFC 3339 shapes, else NULL: what the general path makes of
    it (the wall time less its offset; an offset of at most 14:59, no hour 24), without its regular
    expressions. The offset's digits are checked by range and TRY_CAST; a NULL sends the value on."""
    offset_shape = " OR ".join(f"{raw} LIKE '{s}'" for s in _ISO_OFFSET_SHAPES)
    utc_shape = " OR ".join(f"{raw} LIKE '{s}'" for s in _ISO_UTC_SHAPES)
    wall = f"TRY_CAST(substr({raw}, 1, 19) AS TIMESTAMP)"
    hours, mins = f"substr({raw}, 21, 2)", f"substr({raw}, 24, 2)"
    minutes = (f"(CASE WHEN substr({raw}, 20, 1) = '-' THEN -1 ELSE 1 END) * "
               f"(TRY_CAST({hours} AS INTEGER) * 60 + TRY_CAST({mins} AS INTEGER))")
    return (f"CASE WHEN substr({raw}, 12, 8) = '24:00:00' THEN NULL "
            f"WHEN ({offset_shape}) AND {hours} BETWEEN '00' AND '14' AND {mins} BETWEEN '00' AND '59' "
            f"THEN {wall} - to_minutes({minutes}) "
            f"WHEN {utc_shape} THEN {wall} END")


def list_split_expr(clean: str) -> str:
    """A list cell as an array of trimmed values: '443;554', '[443, 554]', '443、554'."""
    stripped = f"regexp_replace({clean}, '[\\[\\]\"]', '', 'g')"
    return f"regexp_split_to_array({stripped}, '\\s*[;,、|\\n，；]\\s*')"


# --- ranges and ambiguous years ----------------------------------------------------------------------


def _bound_sql(bound: object, kind: FieldType) -> str:
    if kind in (FieldType.DATE, FieldType.TIMESTAMP):
        return f"DATE '{bound}'"
    return repr(float(bound)) if isinstance(bound, float) else str(bound)


def out_of_range_sql(spec: FieldSpec) -> str | None:
    """True for a parsed value outside the field's range (NULL when there is no value); None when
    the field has no range. A timestamp is judged by its local day."""
    bounds = spec.bounds()
    if bounds is None:
        return None
    column = f'CAST("{spec.name}" AS DATE)' if spec.type is FieldType.TIMESTAMP else f'"{spec.name}"'
    terms = [f"{column} {op} {_bound_sql(b, spec.type)}" for op, b in zip(("<", ">"), bounds, strict=True)
             if b not in (float("-inf"), float("inf"))]
    return f"({' OR '.join(terms)})" if terms else None


def day_month_sql(text: str) -> str:
    """True for a date text written day and month first (3/5/2026): the order is not guessed."""
    return f"regexp_matches({text}, {quote_literal(DAY_MONTH_RE)})"


def day_month_message(text: str) -> str:
    """Both readings of 3/5/2026 (or the one a day past 12 allows), for the message refusing it."""
    match = re.search(DAY_MONTH_RE, text)
    if match is None:
        return DAY_MONTH
    a, b, year = (int(g) for g in match.group(1, 2, 3))
    readings = []
    if a <= 12 and b <= 31:
        readings.append(f"{year:04d}-{a:02d}-{b:02d} read month first (US)")
    if b <= 12 and a <= 31:
        readings.append(f"{year:04d}-{b:02d}-{a:02d} read day first")
    shown = text.strip()
    if len(readings) == 2:
        said = f"{DAY_MONTH}: {shown} is {readings[0]} or {readings[1]}; ccaudit does not guess which"
    elif readings:
        said = f"{DAY_MONTH}: {shown} is {readings[0]} only; ccaudit reads dates written year first"
    else:
        said = f"{DAY_MONTH}: {shown} is no valid date read either way"
    return said


DAY_MONTH_EXPECTED = "the year first: 2026-03-05, 2026/3/5 or ROC 115/03/05"
DAY_MONTH_EXPECTED_ZH = "年份在前之日期：2026-03-05、2026/3/5 或民國 115/03/05"


def short_year_sql(text: str) -> str:
    """True for a date text whose year has one or two digits (see SHORT_YEAR_RE)."""
    return f"regexp_matches({text}, {quote_literal(SHORT_YEAR_RE)})"




# --- identifiers ---------------------------------------------------------------------------------------
# Identifiers (keys and the columns that refer to them) are compared exactly, so a look-alike
# (full-width digits, a zero-width space, a BOM or NUL inside, direction marks) would make a record of
# its own. They are normalised to NFKC with invisible characters removed. DuckDB has NFC but not NFKC:
# NFKC(s) = NFC(the compatibility mapping of each character, concatenated), so each character is
# mapped through a table of Unicode's compatibility mappings (a join, for distinct values only) and
# the result NFC-normalised. Printable ASCII, nearly every identifier, is normal already.

NOT_PLAIN = "[^ -~]"  # a character outside printable ASCII
_INVISIBLE = IDENTIFIER_INVISIBLE
NFKC_TABLE = "cc_nfkc"
IDENTIFIER_NOTE = ("identifiers are compared after Unicode NFKC normalisation (full-width letters and digits "
                   "become ASCII) with invisible characters removed (zero-width spaces, BOM, NUL, direction "
                   "marks); one with nothing visible left is refused")


# Where Unicode has compatibility mappings (with room for new ones); a test compares with a full scan.
NFKC_BLOCKS = ((0x00A0, 0x3400), (0xA000, 0xAC00), (0xF900, 0x10000), (0x10700, 0x10800), (0x1D000, 0x1FC00))


@functools.cache
def _nfkc_mappings() -> tuple[list[str], list[str]]:
    """Every character whose NFKC differs from its canonical form, and what NFKC makes of it."""
    chars: list[str] = []
    images: list[str] = []
    for code in (c for lo, hi in NFKC_BLOCKS for c in range(lo, hi)):
        char = chr(code)
        image = unicodedata.normalize("NFKC", char)
        if image != unicodedata.normalize("NFC", char):
            chars.append(char)
            images.append(image)
    return chars, images


def ensure_nfkc_table(con: duckdb.DuckDBPyConnection) -> None:
    if con.execute(f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{NFKC_TABLE}' AND temporary").fetchall():
        return
    chars, images = _nfkc_mappings()
    con.register("__nfkc_arrow", pa.table({"c": chars, "r": images}))
    con.execute(f"CREATE TEMP TABLE {NFKC_TABLE} AS SELECT * FROM __nfkc_arrow")
    con.unregister("__nfkc_arrow")


def identifier_candidates_sql(table: str, columns: list[str]) -> str:
    """The distinct values of these columns that are not plain printable ASCII, in one scan (one
    regular expression per row over the row's identifiers joined: a quarter cheaper than one each)."""
    joined = f"concat({', '.join(columns)})"
    return (f"SELECT DISTINCT v FROM (SELECT unnest([{', '.join(columns)}]) AS v FROM {table} "
            f"WHERE regexp_matches({joined}, '{NOT_PLAIN}')) WHERE regexp_matches(v, '{NOT_PLAIN}')")


def identifier_normalised_sql(values: str) -> str:
    """`v` -> `n`, its NFKC form without invisible characters, trimmed; NULL when nothing is left."""
    ws = quote_literal(_WS)
    return f"""
        WITH chars AS (
            SELECT v, unnest(cs) AS c, generate_subscripts(cs, 1) AS i
            FROM (SELECT v, regexp_extract_all(regexp_replace(v, '{_INVISIBLE}', '', 'g'), '.') AS cs
                  FROM {values})),
        mapped AS (
            SELECT chars.v, string_agg(coalesce(m.r, chars.c), '' ORDER BY chars.i) AS s
            FROM chars LEFT JOIN {NFKC_TABLE} m ON m.c = chars.c GROUP BY chars.v)
        SELECT x.v, nullif(trim(nfc_normalize(mapped.s), {ws}), '') AS n
        FROM {values} x LEFT JOIN mapped ON mapped.v = x.v"""
