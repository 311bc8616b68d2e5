"""What a member of the audit team does with the browser: log in (password, then the code of their
authenticator app), take screenshots of what they see."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

from ccaudit.demo.workspace import Member


class Authenticator:
    """Each member's authenticator app. The server accepts a code once, and only for the time step
    before, at or after its own (web/mfa.py), so a code is never reused: the next unused step within
    that window is chosen, waiting for the clock only when all three are used."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def code(self, member: Member) -> str:
        assert member.totp_secret, f"{member.user_id} has no second factor"
        totp = pyotp.TOTP(member.totp_secret)
        while True:
            now = totp.timecode(_now())
            step = max(now - 1, self._used.get(member.user_id, now - 1) + 1)  # the seeding used now - 1
            if step <= now + 1:
                self._used[member.user_id] = step
                return str(totp.generate_otp(step))
            time.sleep(1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def log_in(page: Page, member: Member, authenticator: Authenticator, shots: Path | None = None) -> None:
    """The log-in page, then the second factor's page when the member has one; ends logged in."""
    page.goto("/login")
    page.get_by_label(re.compile("user", re.I)).fill(member.user_id)
    page.get_by_label(re.compile("password", re.I)).fill(member.password)
    if shots is not None:
        shoot(page, shots, "01-login")
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    if member.totp_secret:
        expect(page).to_have_url(re.compile(r"/mfa"))
        page.locator("input[name=code]").fill(authenticator.code(member))
        page.locator("form[action='/mfa'] button").click()
    expect(page).not_to_have_url(re.compile(r"/(login|mfa)(\?|$)"))


def shoot(page: Page, folder: Path, name: str) -> Path:
    """A full-page screenshot, the test's artifact to look at."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
