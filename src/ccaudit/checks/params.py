"""Inspection parameters as a one-row table that every check joins: the as-of date and its windows.

"Once a year" means within the 12 months before the as-of date, both ends included: for an as-of
date of 2026-11-30 the window is 2025-11-30 .. 2026-11-30. Month arithmetic clamps to the month's
end, so an as-of date of 2028-02-29 opens the window on 2027-02-28, and for 2025-02-28 a review on
2024-02-29 counts. Timestamps compare in the firm's local time: the as-of day ends at local midnight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class InspectionParams:
    as_of: dt.date
    review_interval_months: int = 12
    firm_timezone: str = "Asia/Taipei"

    @property
    def window_start(self) -> dt.date:
        return self.as_of - relativedelta(months=12)

    @property
    def review_window_start(self) -> dt.date:
        return self.as_of - relativedelta(months=self.review_interval_months)

    @property
    def as_of_end(self) -> dt.datetime:
        """Local midnight after the as-of day: timestamps before it are on or before the as-of date."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time())

    @property
    def as_of_end_utc(self) -> dt.datetime:
        """The same instant as `as_of_end`, in UTC (for comparisons on `_utc` columns)."""
        local = self.as_of_end.replace(tzinfo=ZoneInfo(self.firm_timezone))
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    def row(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "as_of_end": self.as_of_end,
            "as_of_end_utc": self.as_of_end_utc,
            "window_start": self.window_start,
            "window_start_ts": dt.datetime.combine(self.window_start, dt.time()),
            "review_window_start": self.review_window_start,
            "review_interval_months": self.review_interval_months,
        }


PARAMS_TABLE = "params"
