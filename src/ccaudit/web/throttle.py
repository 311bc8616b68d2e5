"""Log-in rate limiting and lockout per user name (table web_login_throttle), known or not.

CCAUDIT_WEB_LOGIN_MAX_FAILURES failed passwords or second-factor codes within
CCAUDIT_WEB_LOGIN_WINDOW_MINUTES lock the name for CCAUDIT_WEB_LOCKOUT_MINUTES; while locked even the
right password is refused, with the same answer as a wrong one, so the page tells an attacker neither
whether a name exists nor whether a guess was right. A success clears the count."""

from __future__ import annotations

import datetime as dt
import unicodedata

from ccaudit.audit.context import Clock
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import WebLoginThrottle
from ccaudit.settings import Settings

NAME_MAX = 64


def throttle_key(typed: str) -> str:
    """The name as typed, folded (NFKC, case) so `Ａｌｉｃｅ` and `alice` share one counter."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()[:NAME_MAX]


class Throttle:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def locked(self, typed: str) -> bool:
        now = self.clock()
        with self.db.read() as s:
            row = s.get(WebLoginThrottle, throttle_key(typed))
            return row is not None and row.locked_until is not None and now < row.locked_until

    def failed(self, typed: str) -> None:
        now = self.clock()
        window = dt.timedelta(minutes=self.settings.web_login_window_minutes)
        with self.db.transaction() as s:
            key = throttle_key(typed)
            row = s.get(WebLoginThrottle, key)
            if row is None:
                row = WebLoginThrottle(user_id=key, failures=0)
                s.add(row)
            if row.first_failure_at is None or now - row.first_failure_at > window:
                row.failures, row.first_failure_at = 0, now
            row.failures += 1
            if row.failures >= self.settings.web_login_max_failures:
                row.locked_until = now + dt.timedelta(minutes=self.settings.web_lockout_minutes)
                row.failures, row.first_failure_at = 0, None

    def succeeded(self, typed: str) -> None:
        with self.db.transaction() as s:
            row = s.get(WebLoginThrottle, throttle_key(typed))
            if row is not None:
                s.delete(row)
