"""Microsoft Sentinel's CommonSecurityLog (the CEF and syslog lines of firewalls as Log Analytics keeps them) exported
from the portal as CSV (*Logs > Export > CSV (all columns)*): each row is turned into the JSON object the same query
exported as JSON gives, so the sources read one form (fortigate, globalprotect and cisco-asa read CommonSecurityLog
records). The portal writes times `TimeGenerated [UTC]`: the ` [UTC]` is dropped from the names.

A row may hold a line break inside a quoted cell (a Message): a row is the run of lines between two where the count of
quotes so far is even. Each row is numbered by the line it starts on; the header and the lines a row continues on are
blank rows, so line numbers and the line count stay the file's."""

from __future__ import annotations

from pathlib import Path

from ccaudit.rawsources.csvsql import csv_fields
from ccaudit.rawsources.sqlkit import read_lines_sql

_HEAD_BYTES = 65536
MAX_ROW_LINES = 100  # the lines one row of the export may run over (a Message with line breaks)


def is_csl_csv(path: Path) -> bool:
    """The file's first line is the header of a CommonSecurityLog CSV export."""
    try:
        with path.open("rb") as fh:
            first = fh.read(_HEAD_BYTES).split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return False
    names = {n.strip().strip('"').removesuffix(" [UTC]") for n in first.split(",")}
    return {"DeviceVendor", "DeviceProduct", "TimeGenerated"} <= names and bool(
        names & {"AdditionalExtensions", "Message"})


def csl_csv_records_sql(path: Path, max_lines: int | None = None) -> str:
    """(line_no, line, is_last) of a CommonSecurityLog CSV export, each row as a JSON object on the line it starts."""
    lines = read_lines_sql(path) + (f" LIMIT {int(max_lines)}" if max_lines else "")
    unquoted = "nullif(replace(regexp_replace(x, '^\"|\"$', '', 'g'), '\"\"', '\"'), '')"
    return f"""
WITH l AS ({lines}),
q AS (SELECT *, length(line) - length(replace(line, '"', '')) AS quotes FROM l),
o AS (SELECT *, (sum(quotes) OVER (ROWS UNBOUNDED PRECEDING) - quotes) % 2 = 0 AS starts FROM q),
g0 AS (SELECT *, sum(CASE WHEN starts THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING) AS rec0 FROM o),
-- a quote never closed (a damaged or hostile file) would make the rest of the file one row: a row is cut after
-- {MAX_ROW_LINES} lines, so what one row holds stays bounded
g AS (SELECT *, rec0 * 1000000 + (row_number() OVER (PARTITION BY rec0 ORDER BY line_no) - 1) // {MAX_ROW_LINES}
                AS rec FROM g0),
recs AS (SELECT rec, min(line_no) AS line_no, string_agg(line, chr(10) ORDER BY line_no) AS t FROM g GROUP BY rec),
h AS (SELECT list_transform({csv_fields('t')}, lambda x: replace(trim({unquoted}), ' [UTC]', ''))
             AS names FROM recs WHERE line_no = 1),
j AS (SELECT r.line_no,
             '{{' || array_to_string(list_transform(
                 list_zip(h.names, list_transform({csv_fields('r.t')}, lambda x: {unquoted})),
                 lambda p: to_json(COALESCE(p[1], '')) || ':' || COALESCE(to_json(p[2]), 'null')), ',') || '}}' AS line
      FROM recs r, h WHERE r.line_no > 1)
SELECT g.line_no, COALESCE(j.line, '') AS line, g.is_last
FROM g LEFT JOIN j ON j.line_no = g.line_no
ORDER BY g.line_no"""


# AdditionalExtensions: the CEF extension's pairs that have no column of their own, written 'k=v;k=v' (Microsoft's
# CommonSecurityLog reference: "fields are logged as key-value pairs"). Nothing escapes a ';' in a value, so a pair
# starts only at a ';' followed by a key and an '=' that CEF did not escape ('\=' and '\\' are CEF's escapes in a
# value): a value holding 'x;user\=y' stays one value. A value holding an unescaped ';user=y' cannot be told from a
# pair: the sources report a record on which a key they read appears twice (a value may hold it), never read it.
_PAIR_START = r"(?:^|;)\s*{prefix}([A-Za-z0-9_.]+)="
_MARKS = r"[\x1c-\x1f]"  # the marks used below: a record holding one has it replaced (U+FFFD), so it marks nothing


def extension_pairs(ext: str, prefix: str = "") -> str:
    """SQL: the AdditionalExtensions text `ext` as a list of {'k': key, 'v': value} (CEF's escapes undone in the value),
    in the record's order; `prefix`: a regular expression for a vendor prefix dropped from the keys
    ('(?:FortinetFortiGate|FTNTFGT)?')."""
    kept = f"replace(replace(regexp_replace({ext}, '{_MARKS}', '\ufffd', 'g'), '\\\\', chr(31)), '\\=', chr(29))"
    start = _PAIR_START.format(prefix=prefix).replace("'", "''")
    marked = f"regexp_replace({kept}, '{start}', chr(30) || '\\1' || chr(28), 'g')"
    value = "replace(replace(substr(x, strpos(x, chr(28)) + 1), chr(29), '='), chr(31), '\\')"
    return (f"list_transform(string_split({marked}, chr(30))[2:], "
            f"lambda x: {{'k': split_part(x, chr(28), 1), 'v': {value}}})")
