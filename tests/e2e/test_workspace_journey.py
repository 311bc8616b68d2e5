"""The audit team's year in the browser, as one journey (each step needs the one before): the auditor
logs in with TOTP, ... and switches the language.

One test on purpose: the steps share one server and one audit whose state moves forward, and CI runs
the suite on two workers (pytest -n 2), which would split separate tests across two servers."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.e2e.conftest import Site
from tests.e2e.people import Authenticator, log_in, shoot


def test_audit_team_journey(site: Site, browser: Browser) -> None:
    ws = site.workspace
    shots = site.artifacts
    authenticator = Authenticator()
    alice = ws.members["alice"]

    auditor = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = auditor.new_page()

    # 1. The auditor logs in: password, then the code of her authenticator app.
    log_in(page, alice, authenticator, shots)
    expect(page.get_by_role("heading", level=1)).to_have_text("Audits you may open")
    expect(page.get_by_text(ws.firm_name)).to_be_visible()
    expect(page.locator(".who")).to_contain_text("alice")

    # Last: the language switch turns the whole page to Traditional Chinese, and it stays so.
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("可檢視之查核案件")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh"))
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("可檢視之查核案件")
    shoot(page, shots, "09-home-zh-TW")
    auditor.close()
