"""`ccaudit probe site`: does each link from the firm's official website to social media warn the user
before they leave (12.2.3.2)?

For each active site of the firm's official_websites register: its pages are read in headless Chromium
(same scheme, host and port only, breadth first, at most CCAUDIT_PROBE_SITE_MAX_DEPTH links deep and
CCAUDIT_PROBE_SITE_MAX_PAGES pages, page loads paced by CCAUDIT_PROBE_RATE_PER_SECOND; robots.txt is not
consulted, the register is the consent). Every link to a social-media platform (content/probes/
social_platforms.yaml) is then clicked on a fresh load of its page, with every navigation off the site
aborted inside the browser, and what happens first is recorded: a dialog (confirm/alert), a modal (an
element that became visible), an interstitial page on the same site, or the browser leaving at once.
A screenshot is kept per link.

Outputs in DIR: website_outbound_links.csv (one row per link), site_observations.json (every page read,
every click: dialogs, blocked navigations, the notice's text, the screenshot's SHA-256) and
website_screenshots/*.png."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from ccaudit.errors import EvidenceError
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.probes.browser import Guard, browser_context, origin
from ccaudit.probes.net import Pace
from ccaudit.probes.output import same_dataset_files, write_csv, write_json
from ccaudit.probes.platforms import Platforms
from ccaudit.probes.targets import read_register, utc_now
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Dialog, Page

DATASET = "website_outbound_links"
TARGETS = "official_websites"
OBSERVATIONS_FILE = "site_observations.json"  # not named after a dataset: inspect lists it, never imports it
SCREENSHOTS = "website_screenshots"
NOT_PAGES = re.compile(r"\.(pdf|zip|rar|7z|docx?|xlsx?|pptx?|odt|ods|csv|jpe?g|png|gif|svg|webp|mp4|mp3|exe|dmg|apk)$",
                       re.IGNORECASE)
NOTICE = ("dialog", "modal", "interstitial")
_SHOT_NAME = re.compile(r"[A-Za-z0-9_-]+-\d{4}\.png")

# Links of a page, in document order: the same list is taken again before each click, so the n-th is the same.
_ANCHORS = """() => Array.from(document.querySelectorAll('a[href], area[href]')).map((a, i) => {
  const place = a.closest('header, nav, footer, main, aside, [role=banner], [role=navigation], [role=contentinfo]');
  const text = (a.innerText || a.getAttribute('aria-label') || a.title || '').trim().slice(0, 120);
  return {index: i, href: a.href, text: text,
          place: place ? (place.getAttribute('role') || place.tagName.toLowerCase()) : 'body',
          target: a.getAttribute('target') || ''};
})"""
# Marks the dialog-like and fixed elements visible before the click; after it, returns the text and links of
# each that became visible since (a modal, or a chat bubble that happened to load then).
_MODAL = """(mark) => {
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'
      && parseFloat(s.opacity) > 0.1; };
  const dialogish = e => e.matches('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]');
  const layer = e => { const s = getComputedStyle(e);
    return s.position === 'fixed' || s.position === 'sticky'
      || (s.position === 'absolute' && parseInt(s.zIndex || '0') > 0); };
  const all = Array.from(document.querySelectorAll('body *')).filter(e => dialogish(e) || layer(e));
  if (mark) { all.forEach(e => { if (shown(e)) e.setAttribute('data-ccaudit-before', ''); }); return null; }
  const area = innerWidth * innerHeight; const found = [];
  for (const e of all) {
    if (e.hasAttribute('data-ccaudit-before') || !shown(e)) continue;
    const r = e.getBoundingClientRect(); const text = (e.innerText || '').trim();
    if (text && (dialogish(e) || r.width * r.height >= 0.04 * area))
      found.push({text: text.slice(0, 300), hrefs: Array.from(e.querySelectorAll('a[href]')).map(a => a.href)});
  }
  return found;
}"""


@dataclass(frozen=True)
class SiteRequest:
    targets: Path
    out: Path
    settings: Settings
    only: tuple[str, ...] = ()
    allow_third_party: bool = False
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


@dataclass
class Site:
    row: dict[str, Any]
    url: str

    @property
    def site_id(self) -> str:
        return str(self.row["site_id"])

    @property
    def origins(self) -> set[tuple[str, str, int]]:
        """The registered URL's scheme, host and port, and the same host over the other scheme on its standard
        port (http://www... redirecting to https://www... is the same site)."""
        _, host, _ = origin(self.url)
        return {origin(self.url), ("http", host, 80), ("https", host, 443)}

    def same_site(self, url: str) -> bool:
        return urlsplit(url).scheme.lower() in ("http", "https") and origin(url) in self.origins


@dataclass
class Link:
    site: Site
    page_url: str
    index: int
    href: str
    target_url: str
    platform: str
    place: str
    text: str

    @property
    def link_id(self) -> str:
        return f"{self.place}#{self.index + 1}"


@dataclass
class Crawl:
    pages: list[dict[str, Any]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    start_read: bool = False


def sites(rows: Sequence[dict[str, Any]]) -> tuple[list[Site], list[dict[str, Any]]]:
    """Active sites with a usable URL, and the retired ones (listed, not crawled). A URL that is not http(s)
    is refused, naming the row."""
    chosen: list[Site] = []
    skipped: list[dict[str, Any]] = []
    for row in rows:
        url = str(row["url"]).strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise EvidenceError(f"official_websites row {row['_row']}, column 'url': {visible(url)!r} is not a "
                                "website address (expected http:// or https:// and a host name)")
        if row.get("status") == "retired":
            skipped.append({"site_id": row["site_id"], "url": visible(url), "why": "retired"})
            continue
        chosen.append(Site(row, urldefrag(url)[0]))
    return chosen, skipped


def select(items: list[Site], only: Sequence[str]) -> list[Site]:
    """The sites --only names (site_id, URL, or host[:port]); anything else is refused before any request."""
    if not only:
        return items
    chosen: list[Site] = []
    for wanted in only:
        text = wanted.strip()
        hits = [s for s in items if s.site_id == text]
        if not hits and "://" in text:
            hits = [s for s in items if urldefrag(text)[0].rstrip("/") == s.url.rstrip("/")]
        if not hits:
            hits = [s for s in items if text.lower() in (s.url and urlsplit(s.url).netloc.lower(),
                                                         origin(s.url)[1])]
        if not hits:
            raise EvidenceError(f"--only {visible(wanted)} is not in the register: a probe reads only registered "
                                "websites (site_id, URL or HOST[:PORT])")
        chosen += [s for s in hits if s not in chosen]
    return chosen


def run(request: SiteRequest) -> dict[str, Any]:
    """Read the register, crawl and click, write the files; the summary document."""
    settings = request.settings
    rows = read_register(request.targets, TARGETS, settings)
    candidates, skipped = sites(rows)
    chosen = select(candidates, request.only)  # before any request: a refusal touches nothing
    if not chosen:
        raise EvidenceError(f"{visible(str(request.targets))}: no active website in the register to read (an empty "
                            f"{DATASET}.csv would prove nothing)")
    platforms = Platforms.load()
    guard = Guard({o for s in chosen for o in s.origins}, request.allow_third_party,
                  Pace(settings.probe_rate_per_second))
    shots = request.out / SCREENSHOTS
    observations: list[dict[str, Any]] = []
    crawls: dict[str, Crawl] = {}
    request.out.mkdir(parents=True, exist_ok=True)
    shots.mkdir(exist_ok=True)
    for stale in shots.iterdir():  # a previous run's screenshots: they would be cited by nothing
        if stale.is_file() and _SHOT_NAME.fullmatch(stale.name):
            stale.unlink()
    started = utc_now()
    with browser_context(settings, guard) as context:
        for site in chosen:
            crawl = _crawl(context, site, platforms, settings, guard)
            crawls[site.site_id] = crawl
            for n, link in enumerate(crawl.links, 1):
                observations.append(_click(context, link, guard, platforms, settings, shots, n, request))
    unread = [s for s in chosen if not crawls[s.site_id].start_read]
    registry = TemplateRegistry.load(settings.content_paths)
    fields = [f.name for f in registry[DATASET].fields]
    written = [OBSERVATIONS_FILE]
    if not unread:
        write_csv(request.out / f"{DATASET}.csv", fields, [o["row"] for o in observations])
        written.insert(0, f"{DATASET}.csv")
    doc = {
        "probe": "site",
        "targets": str(request.targets),
        "started_at": started,
        "sites_in_register": len(rows),
        "sites_probed": [s.site_id for s in chosen],
        "not_probed": skipped,
        "settings": {"max_pages": settings.probe_site_max_pages, "max_depth": settings.probe_site_max_depth,
                     "timeout_seconds": settings.probe_timeout_seconds,
                     "rate_per_second": settings.probe_rate_per_second,
                     "allow_third_party": request.allow_third_party, "chromium": str(settings.probe_chromium_path)},
        "sites": [{"site_id": s.site_id, "url": visible(s.url), "start_page_read": crawls[s.site_id].start_read,
                   "pages": crawls[s.site_id].pages, "social_links": len(crawls[s.site_id].links)} for s in chosen],
        "links": observations,
        "requests_blocked": guard.blocked,
        "outputs": written,
        "also_in_out": same_dataset_files(request.out, DATASET, f"{DATASET}.csv", registry) if not unread else [],
    }
    write_json(request.out / OBSERVATIONS_FILE, doc)
    if unread:
        names = "; ".join(f"{s.site_id} ({visible(s.url)}: {_why_unread(crawls[s.site_id])})" for s in unread)
        raise EvidenceError(f"start page not read: {names}; see {request.out / OBSERVATIONS_FILE}. No {DATASET}.csv "
                            "was written: a site that was not read would look like one without social-media links "
                            "(leave it out with --only, or retry when it answers)")
    return doc


def _why_unread(crawl: Crawl) -> str:
    start = crawl.pages[0] if crawl.pages else {}
    if start.get("detail"):
        return str(start["detail"])
    if start.get("result") == "not_a_page":
        return f"HTTP status {start.get('status')}, {start.get('content_type') or 'no content type'}"
    return str(start.get("result", "not tried"))


def _crawl(context: BrowserContext, site: Site, platforms: Platforms, settings: Settings, guard: Guard) -> Crawl:
    """Breadth first over the site's own pages; social-media links are collected, never followed."""
    from playwright.sync_api import Error as PlaywrightError

    crawl = Crawl()
    queue: list[tuple[str, int]] = [(site.url, 0)]
    seen = {site.url}
    while queue and len(crawl.pages) < settings.probe_site_max_pages:
        url, depth = queue.pop(0)
        page = context.new_page()
        entry: dict[str, Any] = {"url": visible(url), "depth": depth, "time": utc_now()}
        mark = len(guard.navigations_blocked)
        try:
            response = page.goto(url, wait_until="load")
            kind = (response.headers.get("content-type", "") if response else "").split(";")[0].strip().lower()
            entry.update(status=response.status if response else None, content_type=visible(kind))
            if response is None or response.status >= 400 or kind not in ("text/html", "application/xhtml+xml"):
                entry["result"] = "not_a_page"
                crawl.pages.append(entry)
                continue
            if not site.same_site(page.url):
                entry.update(result="left_the_site", final_url=visible(page.url[:500]))
                crawl.pages.append(entry)
                continue
            anchors: list[dict[str, Any]] = page.evaluate(_ANCHORS)
            title = page.title()
            here = urldefrag(page.url)[0]
        except PlaywrightError as exc:
            entry.update(result="not_read", detail=visible(str(exc).splitlines()[0][:300]))
            if len(guard.navigations_blocked) > mark:  # a redirect off the registered host, aborted
                went = guard.navigations_blocked[mark]
                entry["detail"] = visible(f"redirected to {went[:300]}, which is not the registered site (register "
                                          "that address to read it)")
            crawl.pages.append(entry)
            continue
        finally:
            page.close()
        if depth == 0:
            crawl.start_read = True
        entry.update(result="read", final_url=visible(here), title=visible(title[:200]), links=len(anchors))
        social = 0
        for a in anchors:
            href = str(a["href"])
            target = platforms.social_target(href, site.same_site(href))
            if target is not None:
                crawl.links.append(Link(site, here, int(a["index"]), href, target[1], target[0], str(a["place"]),
                                        str(a["text"])))
                social += 1
                continue
            nxt = urldefrag(href)[0]
            if depth < settings.probe_site_max_depth and site.same_site(nxt) and nxt not in seen \
                    and not NOT_PAGES.search(urlsplit(nxt).path):
                seen.add(nxt)
                queue.append((nxt, depth + 1))
        entry["social_links"] = social
        crawl.pages.append(entry)
    return crawl


def _click(context: BrowserContext, link: Link, guard: Guard, platforms: Platforms, settings: Settings,
           shots: Path, n: int, request: SiteRequest) -> dict[str, Any]:
    """Load the link's page afresh, click the link, and record what the user sees before leaving."""
    from playwright.sync_api import Error as PlaywrightError

    page = context.new_page()
    dialogs: list[dict[str, str]] = []
    popups: list[Page] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append({"type": dialog.type, "message": visible(dialog.message[:300]), "time": utc_now()})
        dialog.accept()  # the user agrees to leave: the navigation that follows is aborted by the guard

    page.on("dialog", on_dialog)
    page.on("popup", lambda popup: popups.append(popup))
    seen: dict[str, Any] = {"time": utc_now(), "site_id": link.site.site_id, "page_url": visible(link.page_url),
                            "link_id": link.link_id, "href": visible(link.href[:500]),
                            "link_url": visible(link.target_url[:500]), "platform": link.platform,
                            "link_text": visible(link.text)}
    kind, text, shot = "not_clicked", "", b""
    try:
        page.goto(link.page_url, wait_until="load")
        anchors = page.locator("a[href], area[href]")
        element = anchors.nth(link.index)
        if element.count() == 0 or element.evaluate("a => a.href") != link.href:
            now: list[dict[str, Any]] = page.evaluate(_ANCHORS)  # the page changed: the same link elsewhere
            same = [a for a in now if a["href"] == link.href and a["place"] == link.place] or \
                   [a for a in now if a["href"] == link.href]
            if not same:
                raise _Moved()
            element = anchors.nth(int(same[0]["index"]))
            seen["found_at"] = f"{same[0]['place']}#{int(same[0]['index']) + 1}"
        element.evaluate("a => a.style.outline = '3px solid red'")  # marks the link clicked in the screenshot
        element.scroll_into_view_if_needed()
        before = page.screenshot()
        page.evaluate(_MODAL, True)
        dialogs.clear()  # one the page showed while loading is not a notice about this link
        mark = len(guard.navigations_blocked)
        seen["click"] = _press(element)
        kind, text, where, shown_on = _outcome(page, popups, dialogs, guard, mark, link, platforms, settings)
        seen.update(where)
        shot = before if kind in ("dialog", "none", "no_reaction") else _screenshot(shown_on or page) or before
    except _Moved:
        seen["detail"] = "the link was not found again on a fresh load of its page (the page changes between loads)"
    except PlaywrightError as exc:
        seen["detail"] = visible(str(exc).splitlines()[0][:300])
    finally:
        for p in popups:
            p.close()
        page.close()
    seen.update(dialogs=dialogs, notice_kind=kind, notice_text=text)
    row: dict[str, Any] = {
        "page_url": link.page_url, "link_url": link.target_url, "link_id": link.link_id, "platform": link.platform,
        "leave_notice_shown": kind in NOTICE if kind != "not_clicked" else None,
        "observed_at": request.now().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "notice_kind": kind, "notice_text": text,
    }
    if shot:
        name = f"{_safe(link.site.site_id)}-{n:04d}.png"
        (shots / name).write_bytes(shot)
        digest = hashlib.sha256(shot).hexdigest()
        row.update(screenshot=f"{SCREENSHOTS}/{name}", screenshot_sha256=digest)
        seen.update(screenshot=f"{SCREENSHOTS}/{name}", screenshot_sha256=digest)
    seen["row"] = row
    return seen


class _Moved(Exception):
    pass


def _press(element: Any) -> str:
    """A real click where the link can be clicked; a scripted one where it is hidden (a folded menu)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        element.click(no_wait_after=True)
        return "mouse"
    except PlaywrightError:
        element.evaluate("a => a.click()")
        return "script (the link was not clickable where it stands: hidden or covered)"


def _outcome(page: Page, popups: list[Page], dialogs: list[dict[str, str]], guard: Guard, mark: int, link: Link,
             platforms: Platforms, settings: Settings) -> tuple[str, str, dict[str, Any], Page | None]:
    """What happened first after the click: dialog, modal, interstitial, none (left at once) or no_reaction."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + settings.probe_timeout_seconds
    others: set[str] = set()
    while True:
        seen_layers = {"other_layers": sorted(others)} if others else {}
        if dialogs:
            return "dialog", dialogs[0]["message"], seen_layers, None
        if len(guard.navigations_blocked) > mark:
            return "none", "", {"left_to": visible(guard.navigations_blocked[mark][:500]), **seen_layers}, None
        for candidate in [page, *popups]:
            url = urldefrag(candidate.url)[0]
            if link.site.same_site(url) and url != link.page_url:
                try:
                    candidate.wait_for_load_state("load")
                    body = candidate.evaluate("() => document.body ? document.body.innerText : ''")
                    hrefs = candidate.evaluate(
                        "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
                except PlaywrightError:
                    continue
                where = {"interstitial_url": visible(url[:500])}
                shown = visible(" ".join(str(body).split())[:300])
                if _names_target(str(body), [str(h) for h in hrefs], link, platforms):
                    return "interstitial", shown, where, candidate
                return "same_site_page", shown, where, candidate
        try:
            layers = page.evaluate(_MODAL, False) if not page.is_closed() and page.url.startswith("http") else []
        except PlaywrightError:
            layers = []
        for layer in layers or []:
            text = " ".join(str(layer["text"]).split())
            if _names_target(text, [str(h) for h in layer["hrefs"]], link, platforms):
                return "modal", visible(text), seen_layers, page
            others.add(visible(text[:120]))  # a layer that says nothing of leaving (a chat bubble): not the notice
        if time.monotonic() >= deadline:
            return "no_reaction", "", seen_layers, None
        page.wait_for_timeout(100)


def _names_target(body: str, hrefs: list[str], link: Link, platforms: Platforms) -> bool:
    """A notice (an interstitial page, a modal): it names where the user is going (the URL, its host, the
    platform, or a link there) or says in words that they are leaving (social_platforms.yaml notice_words)."""
    host = (urlsplit(link.target_url).hostname or "").lower()
    lowered = body.lower()
    if (host and host in lowered) or link.target_url.lower() in lowered:
        return True
    if any(name.strip().lower() in lowered for name in link.platform.split("/") if len(name.strip()) > 2):
        return True
    if any(platforms.platform(h) == link.platform for h in hrefs):
        return True
    return any(word in lowered for word in platforms.notice_words)


def _screenshot(page: Page) -> bytes:
    from playwright.sync_api import Error as PlaywrightError

    try:
        return bytes(page.screenshot())
    except PlaywrightError:
        return b""


def _safe(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", text)[:40]
    return cleaned if cleaned.strip("_") else hashlib.sha256(text.encode()).hexdigest()[:12]
