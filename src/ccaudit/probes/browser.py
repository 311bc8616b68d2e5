"""Headless Chromium for `probe site` and `probe pages`: Debian's chromium driven by Playwright, fenced in.

Every request the browser would make passes a guard first: a request to a registered site (scheme, host
and port of a registered URL) goes through; a navigation anywhere else is aborted before it leaves the
browser (so clicking a link to Facebook sends nothing to Facebook), and so is every other request to
another host unless `allow_third_party` lets the pages load their scripts, styles and images from
elsewhere as a visitor's browser would. Without it, host names other than the registered ones do not
even resolve (Chromium's host-resolver rules), so no DNS query leaks either. Nothing is downloaded: the
browser is the one at CCAUDIT_PROBE_CHROMIUM_PATH."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ccaudit.errors import CcauditError
from ccaudit.probes.net import Pace
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--dns-prefetch-disable", "--disable-features=NetworkPrediction",
        "--disable-default-apps", "--disable-extensions", "--mute-audio"]
LOCAL_SCHEMES = ("data", "blob", "about")
MAX_REDIRECTS = 10


class BrowserError(CcauditError):
    """Chromium cannot be started (not installed, not runnable)."""


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


@dataclass
class Guard:
    """Which requests may leave the browser, and a record of those that did not."""

    allowed: set[tuple[str, str, int]]
    allow_third_party: bool
    pace: Pace
    blocked: list[dict[str, Any]] = field(default_factory=list)
    navigations_blocked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self, url: str, navigation: bool) -> bool:
        scheme = urlsplit(url).scheme.lower()
        if scheme in LOCAL_SCHEMES:
            return True
        if scheme in ("http", "https") and origin(url) in self.allowed:
            return True
        return self.allow_third_party and not navigation and scheme in ("http", "https")

    def handle(self, route: Route) -> None:
        request = route.request
        navigation = request.is_navigation_request() and _main_frame(request)
        if not self.allows(request.url, navigation):
            self._block(route, request.url, navigation)
        elif navigation:
            self.pace.wait()  # page loads are paced like connections
            self._navigate(route)
        else:
            route.continue_()

    def _block(self, route: Route, url: str, navigation: bool) -> None:
        with self.lock:
            self.blocked.append({"url": visible(url[:500]), "navigation": navigation,
                                 "resource_type": route.request.resource_type})
            if navigation:
                self.navigations_blocked.append(url)
        route.abort("blockedbyclient")

    def _navigate(self, route: Route) -> None:
        """A page load on a registered site, its redirects followed here first: Chromium does not show a
        redirect's next hop to the guard, so a chain that leaves the registered sites is aborted before the
        browser follows it (the browser then follows a chain seen to stay on them)."""
        from playwright.sync_api import Error as PlaywrightError

        url = route.request.url
        try:
            first = response = route.fetch(max_redirects=0)
            for _ in range(MAX_REDIRECTS):
                location = response.headers.get("location")
                if response.status not in (301, 302, 303, 307, 308) or not location:
                    break
                url = urljoin(url, location)
                if not self.allows(url, True):
                    self._block(route, url, True)
                    return
                response = route.fetch(url=url, max_redirects=0)
        except PlaywrightError:
            route.continue_()  # the browser asks again and sees the failure itself (refused, timed out)
            return
        route.fulfill(response=first)


def _main_frame(request: Request) -> bool:
    """A page's own navigation (a tab or a pop-up), not an embedded frame's (a video player, a widget)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return request.frame.parent_frame is None
    except PlaywrightError:  # issued before its frame exists: a new page's (a pop-up, target=_blank)
        return True


def resolver_rule(guard: Guard) -> list[str]:
    """Chromium's host-resolver rule: only the registered host names resolve (none when third parties are
    allowed, which need DNS)."""
    if guard.allow_third_party:
        return []
    names = sorted({f"[{host}]" if ":" in host else host for _, host, _ in guard.allowed if host})
    excludes = "".join(f", EXCLUDE {n}" for n in names)
    return [f"--host-resolver-rules=MAP * ~NOTFOUND{excludes}"]


@contextmanager
def browser_context(settings: Settings, guard: Guard, javascript: bool = True) -> Iterator[BrowserContext]:
    """One Chromium, one fresh profile (no cookies, no cache, no stored log-ins), every request guarded."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    path = settings.probe_chromium_path
    if not path.is_file():
        raise BrowserError(f"Chromium not found at {visible(str(path))}: install Debian's chromium "
                           "(apt-get install chromium) or set CCAUDIT_PROBE_CHROMIUM_PATH; none is downloaded")
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=str(path), args=ARGS + resolver_rule(guard),
                                         timeout=60_000)
        except PlaywrightError as exc:
            raise BrowserError(f"Chromium at {visible(str(path))} did not start: "
                               f"{visible(str(exc).splitlines()[0])}") from None
        try:
            context = browser.new_context(java_script_enabled=javascript, accept_downloads=False,
                                          service_workers="block", viewport={"width": 1280, "height": 900},
                                          locale="zh-TW", user_agent=None)
            context.set_default_timeout(settings.probe_timeout_seconds * 1000)
            context.set_default_navigation_timeout(max(settings.probe_timeout_seconds, 10) * 1000)
            context.route("**/*", guard.handle)
            yield context
        finally:
            browser.close()
