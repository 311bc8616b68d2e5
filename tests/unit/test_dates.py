"""Dates typed on the command line: Gregorian or ROC, by the evidence import's rules; short years refused."""

from __future__ import annotations

import datetime as dt

import pytest

from ccaudit.dates import DateInputError, parse_user_date


@pytest.mark.parametrize(
    "typed",
    [
        "2026-11-30",
        "2026/11/30",
        "20261130",
        "115/11/30",
        "115-11-30",
        "115.11.30",
        "1151130",
        "民國115年11月30日",
        "中華民國 115 年 11 月 30 日",
        "１１５/１１/３０",  # full-width, as a Chinese input method types it
        " 115/11/30 ",
    ],
)
def test_iso_and_roc_spellings_name_the_same_day(typed: str) -> None:
    assert parse_user_date(typed) == dt.date(2026, 11, 30)


def test_roc_and_gregorian_leap_days() -> None:
    assert parse_user_date("113/02/29") == dt.date(2024, 2, 29)
    with pytest.raises(DateInputError, match="day is out of range"):
        parse_user_date("114/02/29")


@pytest.mark.parametrize("typed", ["24/05/15", "240515", "民國24年5月15日", "5/11/15"])
def test_two_digit_years_are_refused_with_both_readings(typed: str) -> None:
    with pytest.raises(DateInputError, match="two-digit year is ambiguous: ROC") as err:
        parse_user_date(typed)
    assert "three-digit ROC year" in str(err.value)


@pytest.mark.parametrize("typed", ["", "tomorrow", "2026-13-01", "115/11", "11/30/2026"])
def test_what_is_not_a_date_says_what_to_write(typed: str) -> None:
    with pytest.raises(DateInputError, match=r"not a date|ambiguous"):
        parse_user_date(typed)
