"""Parsing rules, as SQL over text columns: booleans, numbers, enums, ISO and ROC dates, timestamps.

Everything is one set-based pass in DuckDB; the same rules serve CSV, Excel, JSON and Parquet input.
Timestamps become two columns: `<name>` in the firm's local wall time and `<name>_utc`, so checks
never depend on the time zone of the machine that runs them.
"""

from __future__ import annotations

import duckdb

from ccaudit.evidence.models import FieldSpec, FieldType
from ccaudit.evidence.readers import quote_ident, quote_literal

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "v", "✓", "✔", "o", "有", "ok", "已完成", "on", "enabled")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "x", "✗", "✘", "無", "未完成", "off", "disabled")
NULL_WORDS = ("", "null", "n/a", "#n/a", "nan", "nat")
_DATE_RE = (
    r"^(?:中華民國|民國)?\s*(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?$"
)
_COMPACT_RE = r"^(\d{3,4})(\d{2})(\d{2})$"
_TS_RE = (
    r"^(?:中華民國|民國)?\s*(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:T|\s)+(上午|下午|AM|PM|am|pm)?\s*(\d{1,2})[:時](\d{2})(?:[:分](\d{2})(?:[.,](\d{1,9}))?)?秒?"
    r"\s*(上午|下午|AM|PM|am|pm)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
_TIME_RE = r"^(上午|下午|AM|PM|am|pm)?\s*(\d{1,2})[:時](\d{2})(?:[:分](\d{2}))?\s*(上午|下午|AM|PM|am|pm)?$"


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(quote_literal(w) for w in words)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the parsing macros on a workspace connection (temporary: they are import machinery)."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP MACRO cc_clean(s) AS
            CASE WHEN s = '' OR (strlen(s) <= 4 AND lower(s) IN ({_words(NULL_WORDS)})) THEN NULL
                 WHEN starts_with(s, ' ') OR ends_with(s, ' ') OR contains(s, '\u3000') OR contains(s, '\t')
                      OR contains(s, '\r') OR contains(s, '\n')
                 THEN CASE WHEN lower(trim(s, ' \t\r\n\u3000')) IN ({_words(NULL_WORDS)}) THEN NULL
                           ELSE trim(s, ' \t\r\n\u3000') END
                 ELSE s END;
        CREATE OR REPLACE TEMP MACRO cc_ymd(y, m, d) AS
            TRY_CAST(printf('%04d-%02d-%02d',
                CASE WHEN length(y) <= 3 THEN TRY_CAST(y AS INTEGER) + 1911 ELSE TRY_CAST(y AS INTEGER) END,
                TRY_CAST(m AS INTEGER), TRY_CAST(d AS INTEGER)) AS DATE);
        CREATE OR REPLACE TEMP MACRO cc_date(s) AS
            CASE WHEN regexp_matches(s, '{_COMPACT_RE}')
                 THEN cc_ymd(regexp_extract(s, '{_COMPACT_RE}', 1), regexp_extract(s, '{_COMPACT_RE}', 2),
                             regexp_extract(s, '{_COMPACT_RE}', 3))
                 ELSE cc_ymd(regexp_extract(s, '{_DATE_RE}', 1), regexp_extract(s, '{_DATE_RE}', 2),
                             regexp_extract(s, '{_DATE_RE}', 3)) END;
        CREATE OR REPLACE TEMP MACRO cc_hour(h, ampm1, ampm2) AS
            CASE WHEN coalesce(nullif(ampm1, ''), nullif(ampm2, '')) IS NULL THEN TRY_CAST(h AS INTEGER)
                 WHEN TRY_CAST(h AS INTEGER) NOT BETWEEN 1 AND 12 THEN NULL
                 WHEN upper(coalesce(nullif(ampm1, ''), ampm2)) IN ('PM', '下午')
                    THEN TRY_CAST(h AS INTEGER) % 12 + 12
                 ELSE TRY_CAST(h AS INTEGER) % 12 END;
        CREATE OR REPLACE TEMP MACRO cc_ts_parts(s) AS
            regexp_extract(s, '{_TS_RE}', ['y', 'mo', 'd', 'ap1', 'h', 'mi', 'sec', 'frac', 'ap2', 'tz']);
        CREATE OR REPLACE TEMP MACRO cc_offset_minutes(tz) AS
            CASE WHEN tz = '' THEN NULL
                 WHEN upper(tz) IN ('Z', 'UTC', 'GMT') THEN 0
                 ELSE (CASE WHEN tz[1] = '-' THEN -1 ELSE 1 END) * (
                      TRY_CAST(tz[2:3] AS INTEGER) * 60
                      + coalesce(TRY_CAST(nullif(replace(tz[4:], ':', ''), '') AS INTEGER), 0)) END;
        CREATE OR REPLACE TEMP MACRO cc_wall(p) AS
            CASE WHEN cc_ymd(p.y, p.mo, p.d) IS NOT NULL
                  AND coalesce(cc_hour(nullif(p.h, ''), p.ap1, p.ap2), 0) BETWEEN 0 AND 23
                  AND coalesce(TRY_CAST(nullif(p.mi, '') AS INTEGER), 0) BETWEEN 0 AND 59
                  AND coalesce(TRY_CAST(nullif(p.sec, '') AS INTEGER), 0) BETWEEN 0 AND 59
                 THEN cc_ymd(p.y, p.mo, p.d)::TIMESTAMP
                      + to_hours(coalesce(cc_hour(nullif(p.h, ''), p.ap1, p.ap2), 0))
                      + to_minutes(coalesce(TRY_CAST(nullif(p.mi, '') AS INTEGER), 0))
                      + to_microseconds(CAST(round(coalesce(TRY_CAST(nullif(p.sec, '') AS INTEGER), 0) * 1e6
                            + coalesce(TRY_CAST(rpad(nullif(p.frac, ''), 6, '0')[1:6] AS INTEGER), 0)) AS BIGINT))
                 END;
        CREATE OR REPLACE TEMP MACRO cc_time(s) AS
            CASE WHEN regexp_matches(s, '{_TIME_RE}') THEN
                (SELECT CASE WHEN h BETWEEN 0 AND 23 AND m BETWEEN 0 AND 59 THEN h * 60 + m END
                 FROM (SELECT cc_hour(regexp_extract(s, '{_TIME_RE}', 2), regexp_extract(s, '{_TIME_RE}', 1),
                                      regexp_extract(s, '{_TIME_RE}', 5)) AS h,
                              TRY_CAST(regexp_extract(s, '{_TIME_RE}', 3) AS INTEGER) AS m))
            END;
        """
    )


def clean_expr(column: str) -> str:
    return f"cc_clean({quote_ident(column)})"


def _norm_token(expr: str) -> str:
    return f"regexp_replace(lower({expr}), '[\\s\\-]+', '_', 'g')"


def _token(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").split())


Level = list[tuple[str, str]]


def parse_levels(spec: FieldSpec, clean: str, firm_tz: str, naive: str) -> list[Level]:
    """The typed column(s) of one field as successive SELECT levels over its cleaned text `clean`.

    Each level may use the columns of the levels before it. Splitting the work this way makes each
    regular expression run once per value; the last level holds the field's output columns.
    """
    name = spec.name
    kind = spec.type
    if kind is FieldType.TIMESTAMP:
        return _timestamp_levels(name, clean, firm_tz, naive)
    if kind is FieldType.STRING:
        return [[(name, clean)]]
    if kind is FieldType.ENUM:
        mapping: dict[str, str] = {_token(v): v for v in spec.values}
        mapping.update({_token(k): v for k, v in spec.value_aliases.items()})
        whens = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in mapping.items())
        return [[(name, f"CASE {_norm_token(clean)} {whens} END")]]
    if kind is FieldType.INTEGER:
        num = f"TRY_CAST(replace({clean}, ',', '') AS DOUBLE)"
        return [[(name, f"CASE WHEN {num} = floor({num}) THEN CAST({num} AS BIGINT) END")]]
    if kind is FieldType.NUMBER:
        return [[(name, f"TRY_CAST(replace({clean}, ',', '') AS DOUBLE)")]]
    if kind is FieldType.BOOLEAN:
        low = f"lower({clean})"
        return [[(name, f"CASE WHEN {low} IN ({_words(TRUE_WORDS)}) THEN true "
                        f"WHEN {low} IN ({_words(FALSE_WORDS)}) THEN false END")]]
    if kind is FieldType.DATE:
        return [[(name, f"cc_date({clean})")]]
    if kind is FieldType.TIME:
        return [[(name, f"cc_time({clean})")]]
    raise ValueError(f"no single-column parse for {kind}")


def _timestamp_levels(name: str, clean: str, firm_tz: str, naive: str) -> list[Level]:
    tz = quote_literal(firm_tz)
    iso, parts, wall, offset, utc = (quote_ident(f"__{k}__{name}") for k in ("iso", "p", "w", "o", "utc"))
    # Fast path: plain ISO without an offset, the shape most gateways export, skips the regex.
    # TRY_CAST silently drops an offset, so it only sees YYYY-MM-DD[ T]HH:MM[:SS] with nothing after.
    level1 = [(f"__iso__{name}", f"CASE WHEN length({clean}) BETWEEN 16 AND 19 AND {clean}[5] = '-' "
                                 f"AND {clean}[8] = '-' AND {clean}[14] = ':' THEN TRY_CAST({clean} AS TIMESTAMP) END")]
    level2 = [(f"__p__{name}", f"CASE WHEN {iso} IS NULL AND {clean} IS NOT NULL THEN cc_ts_parts({clean}) END")]
    level3 = [
        (f"__w__{name}", f"coalesce({iso}, cc_wall({parts}))"),
        (f"__o__{name}", f"cc_offset_minutes({parts}.tz)"),
    ]
    naive_utc = f"timezone('UTC', timezone({tz}, {wall}))" if naive == "local" else wall
    level4 = [(f"__utc__{name}", f"CASE WHEN {offset} IS NOT NULL THEN {wall} - to_minutes({offset}) ELSE {naive_utc} END")]
    level5 = [(name, f"timezone({tz}, timezone('UTC', {utc}))"), (f"{name}_utc", utc)]
    return [level1, level2, level3, level4, level5]


def list_split_expr(clean: str) -> str:
    """A list cell as an array of trimmed values: '443;554', '[443, 554]', '443、554'."""
    stripped = f"regexp_replace({clean}, '[\\[\\]\"]', '', 'g')"
    return f"regexp_split_to_array({stripped}, '\\s*[;,、|\\n，；]\\s*')"
