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
