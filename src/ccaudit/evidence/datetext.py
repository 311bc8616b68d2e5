"""How a date is written in evidence and on the command line: the patterns the importer's SQL macros
(evidence/normalize.py) and `parse_user_date` (dates.py) share. Plain `re` only, so the command line can
read a typed date without loading DuckDB or Arrow."""

from __future__ import annotations

import re

_YMD = r"(?:中華民國|民國)?\s*(\d{1,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
# A year of one or two digits is ambiguous (ROC 24 is 1935; the writer likely meant 2024): refused
# with both readings, never guessed. Six digits alone (240515) read the same way.
SHORT_YEAR_RE = (r"^(?:(?:中華民國|民國)?\s*(\d{1,2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
                 r"|(\d{2})(\d{2})(\d{2}))(?:\D|$)")
_DATE_RE = rf"^{_YMD}(?:[T\s]+0{{1,2}}:0{{2}}(?::0{{2}}(?:\.0+)?)?)?$"
_COMPACT_RE = r"^(\d{3,4})(\d{2})(\d{2})$"


def short_year_message(text: str) -> str:
    """Both readings of a date with a two-digit year, for the message refusing it."""
    match = re.search(SHORT_YEAR_RE, text)
    if match is None:
        return "two-digit year is ambiguous"
    y, m, d = (int(g) for g in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
    gregorian = 2000 + y if y < 50 else 1900 + y
    return (f"two-digit year is ambiguous: ROC {y} = {1911 + y:04d}-{m:02d}-{d:02d}, "
            f"or {gregorian:04d}-{m:02d}-{d:02d}")


SHORT_YEAR_EXPECTED = "the year written in full (2024-05-15) or as a three-digit ROC year (113/05/15)"
