"""SQL shared by the sources: reading a file's lines, key=value pairs, syslog prefixes, epochs, offsets.

Everything here runs inside DuckDB: a log is read as one VARCHAR column (a delimiter no log contains,
no quoting), numbered, and parsed with string and regular-expression functions, so a 2 GB log streams
through in constant memory and Python never sees a line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb

# A four-byte delimiter no text log contains, so each line is one column whatever it holds; '\r\n' as
# the newline makes DuckDB accept LF, CRLF and mixed files alike (the sniffer would count a stray CR
# as an extra line). The parallel reader cannot split on that newline, hence parallel=false.
# A line may be long: Graph writes a page of sign-ins (a thousand) on one line, and a hostile file holds whatever it
# likes. DuckDB's default limit (2 MB) is kept for the first read: a larger one costs every file a bigger buffer
# (measured on a 300k-line FortiGate log: +50 MB peak RSS, +0.07 CPU s for the first lines alone). A file with a
# longer line is read again within long_lines() (parse.py), up to MAX_LINE_BYTES; a line longer than that refuses
# the file, naming the line.
MAX_LINE_BYTES = 64 << 20
_LONG_LINES: ContextVar[bool] = ContextVar("long_lines", default=False)
_READ = ("read_csv({path}, columns={{'line': 'VARCHAR'}}, delim=e'\\x01\\x02\\x03\\x04', quote='', "
         "escape='', header=false, auto_detect=false, strict_mode=false, new_line='\\r\\n', parallel=false{size})")


@contextmanager
def long_lines() -> Iterator[None]:
    """Read lines of up to MAX_LINE_BYTES within the block (the default is DuckDB's 2 MB)."""
    token = _LONG_LINES.set(True)
    try:
        yield
    finally:
        _LONG_LINES.reset(token)


def _read(path: Path) -> str:
    size = f", max_line_size={MAX_LINE_BYTES}" if _LONG_LINES.get() else ""
    return _READ.format(path=sql_str(str(path)), size=size)


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_lines_sql(path: Path) -> str:
    """(line_no, line, is_last) of a text file, line numbers from 1, blank lines kept as ''. A copy made for a file
    holding a CR alone inside a line (textfile.LONE_CR_SUFFIX) has its CRs put back into their lines."""
    # is_last marks the final line (a streaming LEAD), so the number of lines comes with the one pass.
    line = "COALESCE(line, '')"
    if path.name.endswith(".lonecr.txt"):
        line = f"replace({line}, '\ue00d', chr(13))"
    return (f"SELECT line_no, line, lead(line_no) OVER () IS NULL AS is_last FROM ("
            f"SELECT CAST(row_number() OVER () AS BIGINT) AS line_no, {line} AS line "
            f"FROM {_read(path)})")


def read_lines_floor_sql(path: Path) -> str:
    """DuckDB's own read of the lines, the benchmark's floor."""
    return f"SELECT count(*), sum(length(line)) FROM {_read(path)}"


# The value of key k in a key=value line: k="a b", k='a b' or k=abc (ends at a space or comma, so
# FortiOS's CSV syslog format and the default one both work); NULL when the key is absent or empty.
# One regular expression per key, quotes trimmed (measured faster than one regexp_extract_all of every
# pair). A macro repeats its argument wherever it is used, so unquoting with a CASE over the match ran
# the expression four times: 6x slower.
KV_MACRO = r"""
CREATE OR REPLACE TEMP MACRO kv(p, k) AS nullif(trim(
    regexp_extract(p, '(?:^|[\s,])' || k || '=("[^"]*"|''[^'']*''|[^\s,"'']*)', 1), '"'''), '');
-- The same on a line made by kv_spaced(line) (FortiOS's CSV format, where ',logid=' or ',type=' shows it,
-- turned into spaces): every key preceded by one space and every value quoted
-- with " or not at all, so the pattern starts with a literal RE2 finds by substring search and has one
-- alternative less (measured 1.5-2x faster than kv on FortiGate lines).
-- Only commas outside quoted values: a run of quoted values and other characters is consumed before each
-- ',key=' (a name typed as "y,reason=x" keeps its commas).
CREATE OR REPLACE TEMP MACRO kv_commas(line) AS CASE WHEN contains(line, ',logid=') OR contains(line, ',type=')
    THEN regexp_replace(line, '((?:"(?:[^"\\]|\\.)*"|[^",])*),(\w+)=', '\1 \2=', 'g') ELSE line END;
-- (a single quote looked for first: a search for =' stops at every '=' of the line, one for ' at none)
CREATE OR REPLACE TEMP MACRO kv_spaced(line) AS ' ' || CASE WHEN contains(line, '''') AND contains(line, '=''')
    THEN regexp_replace(kv_commas(line), '=''([^'']*)''', '="\1"', 'g') ELSE kv_commas(line) END;
-- A CEF line's extension in the same form (' k="v"' pairs, for kvs): a CEF value runs to the next ' key='
-- and may hold spaces; '\=' and '\\' are its escapes. Marking each key's start with chr(30) lets one
-- pattern quote every value; a '"' inside a value becomes "'" (CEF writers such as FortiOS drop them).
CREATE OR REPLACE TEMP MACRO cef_kv(line) AS replace(replace(regexp_replace(regexp_replace(
    ' ' || replace(replace(regexp_extract(line, 'CEF:\s?\d+\|(?:(?:[^|\\]|\\.)*\|){6}(.*)$', 1), '\\', chr(31)),
                   '"', ''''),
    '\s+([A-Za-z0-9_.]+)=', chr(30) || '\1=', 'g'),
    chr(30) || '([A-Za-z0-9_.]+)=([^' || chr(30) || ']*)', ' \1="\2"', 'g'), '\=', '='), chr(31), '\');
-- FortiAnalyzer's CSV download: every cell one "key=value", the value's quotes doubled
-- (a cell "time=""08:15:02"" " without the space): unwrapped into the syslog form.
CREATE OR REPLACE TEMP MACRO faz_csv_kv(line) AS ' ' || replace(replace(
    regexp_replace(line, '^\s*"|"\s*$', '', 'g'), '","', ' '), '""', '"');
-- kvs for a value that never holds a space, comma or quote (a number, an address, a keyword): one
-- alternative less and no trim (measured 25% faster); a value with a space would come back cut at it.
CREATE OR REPLACE TEMP MACRO kvw(p, k) AS nullif(regexp_extract(p, ' ' || k || '="?([^\s,"]*)', 1), '');
CREATE OR REPLACE TEMP MACRO kvs(p, k) AS nullif(trim(regexp_extract(p, ' ' || k || '=("[^"]*"|[^\s,"]*)', 1), '"'),
    '');
-- kvs outside quoted values: ' k=' inside an earlier quoted value (a user name typed at a failed login:
-- user="x reason=...") is passed over. Slower (the pattern walks the line from its start): for the few lines
-- where kvs would be fooled.
CREATE OR REPLACE TEMP MACRO kvs_outside(p, k) AS nullif(trim(regexp_extract(p,
    '^(?:[^"]|"[^"]*")*? ' || k || '=("[^"]*"|[^\s,"]*)', 1), '"'), '');
-- A line whose keys are read outside quoted values: a value is anyone's text (a user name typed at a log-in, an
-- XAuth name, a URL), and user="x duration=99999 remip=1.2.3.4" must not set duration= or remip=. Where a quoted
-- value holds '[space, comma or >]word=' or an escaped quote (user="a\"b" is the name a"b, not a\; a DFA test, one
-- pass over the line), the line is cut into quoted values
-- (\" escapes kept inside them; an unterminated one runs to the line's end) and text between them, and inside
-- the quoted values '=', '\"' and '\\' are replaced by chr(30), chr(31) and chr(29), so no key can start there;
-- kv_unmasked(value) puts them back. Other lines, nearly all, are returned unchanged.
CREATE OR REPLACE TEMP MACRO kv_masked(p) AS array_to_string(list_transform(
    regexp_extract_all(p, '"(?:[^"\\]|\\.)*(?:"|$)|[^"]+'),
    lambda x: CASE WHEN starts_with(x, '"')
                   THEN replace(replace(replace(x, '\\', chr(29)), '\"', chr(31)), '=', chr(30)) ELSE x END), '');
CREATE OR REPLACE TEMP MACRO kv_guarded(p) AS CASE WHEN regexp_matches(p, '="(?:[^"\\]|\\.)*(?:[\s,>][\w.-]+=|\\")')
    THEN kv_masked(p) ELSE p END;
CREATE OR REPLACE TEMP MACRO kv_unmasked(v) AS replace(replace(replace(v, chr(30), '='), chr(31), '\"'), chr(29), '\\');
"""

COMMON_MACROS = r"""
-- An epoch in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude
-- (seconds reach 1e11 only in the year 5138; nanoseconds of 1990 already exceed 1e17).
CREATE OR REPLACE TEMP MACRO epoch_ts(x) AS CASE
    WHEN x IS NULL OR x <= 0 THEN NULL
    WHEN x < 100000000000 THEN make_timestamp(x * 1000000)
    WHEN x < 100000000000000 THEN make_timestamp(x * 1000)
    WHEN x < 100000000000000000 THEN make_timestamp(x)
    ELSE make_timestamp(x // 1000) END;
-- Minutes east of UTC from '+0800', '+08:00', '"+08:00"', 'UTC+8', 'GMT+08', 'Z', 'UTC'; NULL otherwise.
CREATE OR REPLACE TEMP MACRO tz_minutes(t) AS CASE
    WHEN upper(trim(t, ' "''')) IN ('Z', 'UTC', 'GMT') THEN 0
    WHEN regexp_matches(trim(t, ' "'''), '^(?i:UTC|GMT)?\s*[+-]\d{1,2}(:?\d{2})?$') THEN
        (CASE WHEN regexp_extract(trim(t, ' "'''), '([+-])', 1) = '-' THEN -1 ELSE 1 END) * (
         CAST(regexp_extract(trim(t, ' "'''), '[+-](\d{1,2}?)(:?\d{2})?$', 1) AS INTEGER) * 60
         + COALESCE(TRY_CAST(nullif(regexp_extract(trim(t, ' "'''), '[+-]\d{1,2}?:?(\d{2})$', 1), '')
                             AS INTEGER), 0))
    END;
-- The message of a syslog line: without '<PRI>', an RFC 5424 version, the relay's timestamp and host
-- (RFC 3164 'Nov  2 08:15:02 host' or ISO), and a 'tag[pid]:' when one is there.
CREATE OR REPLACE TEMP MACRO syslog_pri(line) AS TRY_CAST(nullif(regexp_extract(line, '^<(\d{1,3})>', 1), '')
    AS INTEGER);
-- An IP address without its port: '203.0.113.5:51642' -> '203.0.113.5', '[2001:db8::1]:443' -> '2001:db8::1',
-- 'udp4:203.0.113.5:1194' -> '203.0.113.5'; a bare IPv6 address is kept whole, without a link-local address's zone
-- index ('fe80::1%eth0' -> 'fe80::1': the interface is the logging host's own, not part of the address).
CREATE OR REPLACE TEMP MACRO ip_only(a) AS CASE
    WHEN a IS NULL OR trim(a) = '' THEN NULL
    WHEN NOT contains(a, ':') THEN a  -- a bare IPv4 address, the usual case: no regular expression
    WHEN regexp_matches(a, '^\[.*\]') THEN regexp_replace(regexp_extract(a, '^\[([^\]]*)\]', 1), '%[\w.-]*$', '')
    WHEN regexp_matches(a, '^(?:(?:udp|tcp)[46]?(?:-server)?:)?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$')
        THEN regexp_extract(a, '(\d{1,3}(?:\.\d{1,3}){3})', 1)
    ELSE regexp_replace(regexp_replace(a, '^(?:udp|tcp)[46]?(?:-server)?:', ''), '%[\w.-]*$', '') END;
"""


def connect(threads: int | None = None, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session in UTC (never the machine's zone) with the sources' macros."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
    con.execute("SET preserve_insertion_order = true")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(KV_MACRO)
    con.execute(COMMON_MACROS)
    return con


_HEAD_BYTES = 1 << 16
# Graph, Jamf Pro, CloudTrail, shippers; Defender's advanced hunting API ({"Stats", "Schema": [...], "Results": [...]})
_WRAPPERS = ("value", "results", "Results", "Records", "records", "events")


def _depth_at(text: str, end: int) -> int:
    """How many objects and arrays are open at `end` of a JSON text (strings skipped)."""
    depth, in_string, escaped = 0, False, False
    for ch in text[:end]:
        if escaped:
            escaped = False
        elif in_string:
            escaped, in_string = ch == "\\", ch != '"'
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return depth


def json_document(path: Path) -> int | None:
    """For a file of JSON that is not one object per line (a pretty-printed array or object, Graph's
    `{"value": [...]}` wrapper, an array on one line): the brace depth at which its records open (0, or 1
    inside a wrapper written over several lines); None for anything else, NDJSON included. Only the file's
    start is read."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if re.match(r"Record \d+\s*\n\s*\{", head):
        return 0  # evtx_dump -o json: 'Record N' lines between pretty-printed events (outside any record)
    if not head.startswith(("[", "{")):
        return None
    first = head.split("\n", 1)[0].strip().rstrip(",")
    try:
        whole = json.loads(first)
    except (ValueError, RecursionError):  # not JSON on its own, or nested deeper than Python parses (a nesting bomb)
        whole = None
    if isinstance(whole, dict) and not any(isinstance(whole.get(k), list) for k in _WRAPPERS):
        return None  # one object per line: the lines are the records
    keys = "|".join(_WRAPPERS)
    # a wrapper's array among the top object's own fields, whatever comes before it (scalars, a "Schema" array)
    wrapped = first == "{" and any(_depth_at(head, m.start()) == 1
                                   for m in re.finditer(rf'"(?:{keys})"\s*:\s*\[', head))
    return 1 if wrapped else 0


def json_records_sql(path: Path, depth: int, max_lines: int | None = None) -> str:
    """(line_no, line, is_last) of a JSON document, one row per record: its text on one line, numbered by
    the line the record starts on, so provenance still names the file's own line. Records are found in SQL
    by counting braces outside strings (a running sum over the lines, streamed); an array or wrapper on a
    single line is unnested (its records all cite that line). The last line comes as a row of its own
    (blank unless a record starts there), for the line count."""
    lines = read_lines_sql(path) + (f" LIMIT {int(max_lines)}" if max_lines else "")
    wrappers = ", ".join(f"json_extract(t, '$.{k}')" for k in _WRAPPERS)
    return f"""
WITH l AS ({lines}),
b AS (SELECT line_no, line, is_last, regexp_replace(line, '"(?:[^"\\\\]|\\\\.)*"', '""', 'g') AS bare FROM l),
d AS (SELECT *, length(bare) - length(replace(bare, '{{', '')) AS opens,
             length(bare) - length(replace(bare, '}}', '')) AS closes FROM b),
r AS (SELECT *, sum(opens - closes) OVER (ROWS UNBOUNDED PRECEDING) - (opens - closes) AS depth FROM d),
g AS (SELECT *, sum(CASE WHEN depth = {depth} AND opens > 0 THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING) AS rec
      FROM r),
recs AS (SELECT min(line_no) AS line_no, rtrim(regexp_replace(string_agg(line, ' ' ORDER BY line_no),
                                                          '^\\s*\\[\\s*', ''), ' ,') AS t
         FROM g WHERE depth > {depth} OR (depth = {depth} AND opens > 0) GROUP BY rec),
fixed AS (SELECT line_no, CASE WHEN json_valid(t) THEN t
                               WHEN json_valid(regexp_replace(t, '\\][\\s,]*$', ''))
                                   THEN regexp_replace(t, '\\][\\s,]*$', '')
                               WHEN json_valid(regexp_replace(t, '\\][\\s,]*\\}}[\\s,]*$', ''))
                                   THEN regexp_replace(t, '\\][\\s,]*\\}}[\\s,]*$', '')
                               WHEN json_valid('[' || regexp_replace(t, '\\][\\s,]*$', '') || ']')
                                   THEN '[' || regexp_replace(t, '\\][\\s,]*$', '') || ']'
                               ELSE t END AS t FROM recs),
items AS (
    SELECT line_no, t AS line FROM fixed WHERE NOT json_valid(t) OR (json_type(t) = 'OBJECT'
        AND COALESCE({wrappers}) IS NULL)
    UNION ALL
    SELECT line_no, CAST(unnest(from_json(COALESCE(CASE WHEN json_type(t) = 'ARRAY' THEN json(t) END, {wrappers}),
                                          '["JSON"]')) AS VARCHAR) AS line
    FROM fixed WHERE json_valid(t) AND (json_type(t) = 'ARRAY' OR COALESCE({wrappers}) IS NOT NULL)
),
last AS (SELECT max(line_no) AS n FROM l)
SELECT line_no, line, line_no = (SELECT n FROM last) AS is_last FROM (
    SELECT * FROM items
    UNION ALL
    SELECT n, '' FROM last WHERE n NOT IN (SELECT line_no FROM items)
) ORDER BY line_no"""
