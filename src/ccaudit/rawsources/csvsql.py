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


def header_names(expr: str, delimiter: str = ",") -> str:
    """The column names of a header line: unquoted, a UTF-8 byte-order mark dropped, lower case."""
    bare = f"regexp_replace({expr}, chr(65279), {chr(39)}{chr(39)})"
    return (f"list_transform({csv_fields(bare, delimiter)}, "
            "lambda x: lower(trim(replace(regexp_replace(x, '^\"|\"$', '', 'g'), '\"\"', '\"'))))")


def culture_time(text: str) -> str:
    """SQL for a wall time as Windows and Microsoft portals write it in the user's culture: ISO, en-US
    '11/2/2026 8:15:02 AM', zh-TW '2026/11/2 上午 08:15:02', Log Analytics' '11/2/2026, 12:15:02.123 AM', or as
    Excel re-saves it ('2026/11/2 08:15'). NULL when none fits. Pass a plain column (it is repeated)."""
    t = (f"regexp_replace(replace(replace(replace(trim({text}), '上午', 'AM'), '下午', 'PM'), ',', ''), '\\s+', ' ',"
         " 'g')")
    return (f"COALESCE(TRY_CAST({t} AS TIMESTAMP), try_strptime({t}, ['%m/%d/%Y %I:%M:%S %p', "
            "'%m/%d/%Y %I:%M:%S.%f %p', '%Y/%m/%d %p %I:%M:%S', '%Y/%m/%d %H:%M:%S', '%m/%d/%Y %H:%M:%S', "
            "'%m/%d/%Y %I:%M %p', '%Y/%m/%d %p %I:%M', '%Y/%m/%d %H:%M', '%m/%d/%Y %H:%M']))")
