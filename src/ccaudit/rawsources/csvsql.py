"""SQL for CSV records held in one line (PAN-OS CSV syslog, exports read line by line): fields by position or by
the header's column names, quoted fields with commas and doubled quotes handled, all inside DuckDB."""

from __future__ import annotations


def csv_fields(expr: str, delimiter: str = ",") -> str:
    """The fields of the CSV record `expr` as a list, still quoted: read them with `csv_at`. `delimiter`: ',' or
    '\\t' (a tab-delimited export, as a regular-expression escape)."""
    d = delimiter
    return f"regexp_extract_all({expr}, '(?:^|{d})(\"(?:[^\"]|\"\")*\"|[^{d}]*)', 1)"


def csv_at(fields: str, index: str) -> str:
    """Field `index` (1-based SQL expression) of a `csv_fields` list, unquoted; NULL when empty or absent."""
    return f"nullif(trim(replace(regexp_replace({fields}[{index}], '^\"|\"$', '', 'g'), '\"\"', '\"')), '')"


# A syslog relay's header before a JSON record (rsyslog, syslog-ng or NXLog forwarding a diagnostic setting's or an
# agent's JSON line by line): '<PRI>' perhaps, an RFC 3339 / 5424 or BSD time, the host, perhaps a tag ('app[pid]:') or
# RFC 5424's procid, msgid and structured data ('-' or '[...]'), then the object.
SYSLOG_JSON_HEADER = (r"^(?:<\d{1,3}>)?(?:1 )?(?:\d{4}-\d{2}-\d{2}T\S+|[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}) \S+ "
                      r"(?:[\w./@-]+(?:\[\d+\])?:? )?(?:\S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) )?")


def json_record_text(col: str) -> str:
    """SQL: the JSON object `col` holds when the line is a record (NDJSON, or an array's element with its
    brackets and trailing comma, or a record behind a syslog relay's header), else NULL: exports that come as JSON
    or as CSV tell their forms apart by it."""
    header = SYSLOG_JSON_HEADER.replace("'", "''")
    return (f"CASE WHEN regexp_matches({col}, '^\\s*\\[?\\s*\\{{') THEN regexp_replace(trim({col}), "
            f"'^\\[\\s*|\\s*[,\\]]+$', '', 'g') "
            f"WHEN contains({col}, '{{') AND regexp_matches({col}, '{header}\\{{') "
            f"THEN regexp_replace(regexp_replace(trim({col}), '{header}', ''), '\\s*,$', '') END")


def header_names(expr: str, delimiter: str = ",") -> str:
    """The column names of a header line: unquoted, a UTF-8 byte-order mark dropped, lower case."""
    bare = f"regexp_replace({expr}, chr(65279), {chr(39)}{chr(39)})"
    return (f"list_transform({csv_fields(bare, delimiter)}, "
            "lambda x: lower(trim(replace(regexp_replace(x, '^\"|\"$', '', 'g'), '\"\"', '\"'))))")


def culture_time(text: str, order: str | None = None) -> str:
    """SQL for a wall time as Windows and Microsoft portals write it in the user's culture: ISO, en-US
    '11/2/2026 8:15:02 AM', zh-TW '2026/11/2 上午 08:15:02', Log Analytics' '11/2/2026, 12:15:02.123 AM', or as
    Excel re-saves it ('2026/11/2 08:15'). NULL when none fits. Pass a plain column (it is repeated).

    `order` says how a date with the year last (DAY_FIRST_SHAPE) is read: None month first with '/' only (en-US, as
    before orders were told apart), 'mdy' month first, 'dmy' day first (en-GB '05/03/2026 14:03:04', de
    '05.03.2026 14:03:04', fr, es, it, nl '5-3-2026'), or 'auto': day first where the first number is over 12, else
    month first, else day first (a provisional reading, settled per file with `date_shape` by parse.py)."""
    t = (f"regexp_replace(replace(replace(replace(trim({text}), '上午', 'AM'), '下午', 'PM'), ',', ''), '\\s+', ' ',"
         " 'g')")
    mdy = (f"COALESCE(TRY_CAST({t} AS TIMESTAMP), try_strptime({t}, ['%m/%d/%Y %I:%M:%S %p', "
           "'%m/%d/%Y %I:%M:%S.%f %p', '%Y/%m/%d %p %I:%M:%S', '%Y/%m/%d %H:%M:%S', '%m/%d/%Y %H:%M:%S', "
           "'%m/%d/%Y %I:%M %p', '%Y/%m/%d %p %I:%M', '%Y/%m/%d %H:%M', '%m/%d/%Y %H:%M']))")
    if order is None:
        return mdy
    # the year moved first, then day and month in the order given; a time written with dots (fi '14.03.04') with
    # colons
    def year_first(groups: str) -> str:
        ymd = (f"regexp_replace(regexp_replace({t}, '{DAY_FIRST_SHAPE}', '{groups}'), "
               "' (\\d{1,2})\\.(\\d{2})\\.(\\d{2})', ' \\1:\\2:\\3')")
        return (f"try_strptime({ymd}, ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M:%S.%f', '%Y/%m/%d %I:%M:%S %p', "
                "'%Y/%m/%d %I:%M:%S.%f %p', '%Y/%m/%d %H:%M', '%Y/%m/%d %I:%M %p', '%Y/%m/%d %p %I:%M:%S', "
                "'%Y/%m/%d'])")

    day_first, month_first = year_first("\\3/\\2/\\1"), year_first("\\3/\\1/\\2")
    if order in ("dmy", "mdy"):
        year_last = day_first if order == "dmy" else month_first
        return f"CASE WHEN regexp_matches({t}, '{DAY_FIRST_SHAPE}') THEN {year_last} ELSE {mdy} END"
    if order != "auto":
        raise ValueError(f"date order {order!r}: mdy, dmy or auto")
    return f"CASE WHEN {date_shape(t)} = 'dmy' THEN {day_first} ELSE COALESCE({mdy}, {day_first}) END"


# A date with the year last: day and month in the culture's order, separated by '/', '.' or '-'.
DAY_FIRST_SHAPE = "^(\\d{1,2})[/.\\-](\\d{1,2})[/.\\-](\\d{4})"


def date_shape(text: str) -> str:
    """SQL: for a date with the year last, which order its numbers decide: 'dmy' (the first is over 12), 'mdy' (the
    second is), 'either' (both 12 or less: the file's other values or the user must decide), 'neither' (both over
    12); NULL for any other text. Pass a plain column."""
    first = f"TRY_CAST(regexp_extract({text}, '{DAY_FIRST_SHAPE}', 1) AS INTEGER)"
    second = f"TRY_CAST(regexp_extract({text}, '{DAY_FIRST_SHAPE}', 2) AS INTEGER)"
    return (f"CASE WHEN NOT regexp_matches(COALESCE(trim({text}), ''), '{DAY_FIRST_SHAPE}') THEN NULL "
            f"WHEN {first} > 12 AND {second} > 12 THEN 'neither' WHEN {first} > 12 THEN 'dmy' "
            f"WHEN {second} > 12 THEN 'mdy' ELSE 'either' END")


def unclosed_quote_sql(lines: str) -> str:
    """SQL over `lines` (line_no, line: a CSV file's lines, sqlkit.read_lines_sql) giving one row (line, text) for the
    line where a quoted cell that is never closed starts, or none. Quotes are counted per line and summed in line
    order: a quoted cell holding a line break leaves an odd count on the line it starts on and on the one it ends on,
    so the count stays odd past the end of the file only when a cell's quote is never closed; it starts on the last
    line that turned the count from even to odd."""
    return f"""
        WITH q AS (SELECT line_no, line, length(line) - length(replace(line, '"', '')) AS n FROM ({lines})),
        r AS (SELECT line_no, line, n, sum(n) OVER (ORDER BY line_no ROWS UNBOUNDED PRECEDING) AS run FROM q)
        SELECT line_no, line FROM r
        WHERE (SELECT sum(n) FROM q) % 2 = 1 AND n % 2 = 1 AND (run - n) % 2 = 0
        ORDER BY line_no DESC LIMIT 1"""


def opening_column(line: str, delimiter: str) -> int | None:
    """The 1-based column of the quoted cell that breaks a line (the one unclosed_quote_sql names), read as RFC 4180
    reads it: a cell opened by a quote ends at a quote followed by the delimiter or the line's end (a doubled quote is
    one quote of its text); the cell is the culprit when a quote inside it is followed by anything else, or when it is
    still open at the line's end. None when the line holds no such cell (a quote in the middle of a bare value)."""
    column, i, n = 1, 0, len(line)
    while i < n:  # one line of the file, the one a refusal names: not a loop over its rows
        if line[i] == '"':
            opened, i = column, i + 1
            while i < n:
                if line[i] == '"' and i + 1 < n and line[i + 1] == '"':
                    i += 2
                elif line[i] == '"':
                    if i + 1 < n and line[i + 1] != delimiter:
                        return opened  # `"Dave "Ho"`: a quote inside the cell not doubled
                    i += 1
                    break
                else:
                    i += 1
            else:
                return opened  # still open at the end of the line
        while i < n and line[i] != delimiter:
            i += 1
        column, i = column + 1, i + 1
    return None
