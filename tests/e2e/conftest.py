"""Browser tests: the demo firm's workspace served by a real `ccaudit serve` process on a free loopback
port, driven by Debian's Chromium (headless, through Playwright; no browser is ever downloaded).

One server and one browser per test session. Screenshots go to CCAUDIT_E2E_ARTIFACTS (default: a
folder under pytest's tmp), with the server's log, and on a failure every page still open. Skipped
only when /usr/bin/chromium is absent."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from ccaudit.demo.server import serving
from ccaudit.demo.workspace import Workspace, seed_workspace
from ccaudit.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Site:
    """The running server and what was seeded in it."""

    url: str
    workspace: Workspace
    artifacts: Path
    anchor_dir: Path  # where sign-off writes the signed trail heads (CCAUDIT_ANCHOR_DIR)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CCAUDIT_E2E_ARTIFACTS")
    folder = Path(given) if given else tmp_path_factory.mktemp("e2e-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def chromium_present() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package (scripts/system-deps does)")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("e2e-site")
    env = {
        "CCAUDIT_DATA_DIR": str(root / "data"),
        "CCAUDIT_ANCHOR_DIR": str(root / "anchors"),
        "CCAUDIT_DB": f"sqlite:///{root / 'audit.db'}",
    }
    settings = Settings(data_dir=root / "data", anchor_dir=root / "anchors", db=env["CCAUDIT_DB"])
    workspace = seed_workspace(settings, root / "demo", scale=0.1, previous_year=False, run=False)
    with serving(env["CCAUDIT_DB"], env, artifacts / "server.log", extra_args=("--insecure-cookies",)) as served:
        yield Site(served.url, workspace, artifacts, root / "anchors")


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when == "call":
        item.stash[FAILED] = report.failed


@pytest.fixture(autouse=True)
def shots_on_failure(request: pytest.FixtureRequest, browser: Browser, artifacts: Path) -> Iterator[None]:
    """When a test fails, every page still open is saved as it was (failure-<test>-<n>.png), then closed."""
    yield
    for n, ctx in enumerate(list(browser.contexts)):
        if request.node.stash.get(FAILED, False):
            for m, page in enumerate(ctx.pages):
                page.screenshot(path=str(artifacts / f"failure-{request.node.name}-{n}-{m}.png"), full_page=True)
        ctx.close()


# Module scope, not session: while Playwright's sync driver is open its event loop counts as running in this
# thread, and any other Playwright user later in the same worker (the site and page probes) would be refused.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
