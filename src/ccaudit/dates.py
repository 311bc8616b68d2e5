"""Dates a person types (`--as-of`, `--on`, `--due`, …), read by the rules evidence import uses for a
date column (src/ccaudit/evidence/normalize.py): ISO or slashed (`2026-11-30`, `2026/11/30`), ROC
(`115/11/30`, `115-11-30`, `1151130`, `民國115年11月30日`), full-width digits too. A year of one or two
digits is refused as ambiguous, naming both readings; nothing is guessed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# The same patterns the importer's SQL macros use (cc_date), so a date typed on the command line and a
# date in an evidence file are read alike.
from ccaudit.evidence.datetext import (
    _COMPACT_RE,
    _DATE_RE,
    SHORT_YEAR_EXPECTED,
    SHORT_YEAR_RE,
    short_year_message,
)

ROC_OFFSET = 1911
DATE_HELP = "2026-11-30, or ROC 115/11/30 or 民國115年11月30日"


class DateInputError(ValueError):
    """A typed date that is not one, or is ambiguous; the message says what to write instead."""


def parse_user_date(value: str) -> dt.date:
    """The date `value` names (Gregorian or ROC year), or DateInputError saying why not."""
    text = unicodedata.normalize("NFKC", value).strip()  # full-width digits and spaces as ASCII
    if re.search(SHORT_YEAR_RE, text):
        raise DateInputError(f"{value!r}: {short_year_message(text)}; expected {SHORT_YEAR_EXPECTED}")
    match = re.match(_COMPACT_RE, text) or re.match(_DATE_RE, text)
    if match is None:
        raise DateInputError(f"{value!r} is not a date: write {DATE_HELP}")
    year_text, month, day = match.group(1, 2, 3)
    year = int(year_text) + (ROC_OFFSET if len(year_text) <= 3 else 0)
    try:
        return dt.date(year, int(month), int(day))
    except ValueError as exc:
        raise DateInputError(f"{value!r} is not a date ({exc}): write {DATE_HELP}") from None


DATE_STYLES = ("iso", "roc")


def format_date(day: dt.date | None, style: str = "iso") -> str:
    """A date as a person prefers to read it: ISO (`2026-11-30`) or ROC (`115/11/30`, the Minguo year
    Taiwanese forms use); the reverse of parse_user_date. An empty string for no date. A date before
    the ROC era (1912) is shown in ISO whatever the style, since it has no ROC year."""
    if day is None:
        return ""
    if style == "roc" and day.year > ROC_OFFSET:
        return f"{day.year - ROC_OFFSET:03d}/{day.month:02d}/{day.day:02d}"
    return day.isoformat()
