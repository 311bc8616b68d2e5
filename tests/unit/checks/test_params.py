"""The 12-month window: inclusive boundary day, month-end clamping, leap days."""

from __future__ import annotations

import datetime as dt

from ccaudit.checks.params import InspectionParams


def test_window_opens_exactly_twelve_months_before() -> None:
    assert InspectionParams(dt.date(2026, 11, 30)).window_start == dt.date(2025, 11, 30)


def test_leap_day_as_of_clamps_to_28_february() -> None:
    assert InspectionParams(dt.date(2028, 2, 29)).window_start == dt.date(2027, 2, 28)


def test_as_of_day_ends_at_local_midnight() -> None:
    assert InspectionParams(dt.date(2026, 11, 30)).as_of_end == dt.datetime(2026, 12, 1, 0, 0)


def test_firm_review_interval_sets_the_regular_window() -> None:
    params = InspectionParams(dt.date(2026, 11, 30), review_interval_months=6)
    assert params.review_window_start == dt.date(2026, 5, 30)
    assert params.window_start == dt.date(2025, 11, 30)


def test_as_of_end_in_utc_is_taipei_midnight() -> None:
    assert InspectionParams(dt.date(2026, 11, 30)).as_of_end_utc == dt.datetime(2026, 11, 30, 16, 0)
