"""SQL for CSV records held in one line (PAN-OS CSV syslog, exports read line by line): fields by position or by
the header's column names, quoted fields with commas and doubled quotes handled, all inside DuckDB."""

from __future__ import annotations


def csv_fields(expr: str) -> str:
    """The fields of the CSV record `expr` as a list, still quoted: read them with `csv_at`."""
    return f"regexp_extract_all({expr}, '(?:^|,)(\"(?:[^\"]|\"\")*\"|[^,]*)', 1)"


def csv_at(fields: str, index: str) -> str:
    """Field `index` (1-based SQL expression) of a `csv_fields` list, unquoted; NULL when empty or absent."""
    return f"nullif(trim(replace(regexp_replace({fields}[{index}], '^\"|\"$', '', 'g'), '\"\"', '\"')), '')"


def header_names(expr: str) -> str:
    """The column names of a header line: unquoted, a UTF-8 byte-order mark dropped, lower case."""
    return (f"list_transform({csv_fields(f'regexp_replace({expr}, chr(65279), {chr(39)}{chr(39)})')}, "
            "lambda x: lower(trim(replace(regexp_replace(x, '^\"|\"$', '', 'g'), '\"\"', '\"'))))")
