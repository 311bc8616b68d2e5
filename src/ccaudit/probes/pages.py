"""`ccaudit probe pages`: does each official social-media page show the firm's name and a contact method
(12.2.3.3)?

For each active account of the firm's social_accounts register: its saved copy (`--saved DIR`, a file named
after the account_id: SM-FB-01.html) is read, or, with `--fetch`, the URL the register gives is rendered in
headless Chromium (only that URL's host; see browser.py). The page's text (body, title, meta descriptions,
structured data, links) is searched for the firm's Chinese and English names (firm_profile, `--name`) and
for a phone number, e-mail address, postal address or a link to one of the firm's official websites.

Outputs in DIR: social_accounts.csv (every register row; checked rows with page_checked_at, page_shows_firm_name,
page_shows_contact, page_found, page_source, page_sha256) and page_observations.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ccaudit.errors import EvidenceError
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.probes.browser import Guard, browser_context, origin
from ccaudit.probes.net import Pace
from ccaudit.probes.output import same_dataset_files, write_csv, write_json
from ccaudit.probes.pagetext import PageText, decode, extract, find_contacts, find_name, name_forms, website_hosts
from ccaudit.probes.targets import read_register, utc_now
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

DATASET = "social_accounts"
OBSERVATIONS_FILE = "page_observations.json"  # not named after a dataset: inspect lists it, never imports it
SAVED_SUFFIXES = (".html", ".htm", ".xhtml")
MAX_SAVED_BYTES = 20 * 1024 * 1024
RENDERED = "social_pages"  # pages rendered with --fetch, kept as read (named by their SHA-256)
Seen = tuple[PageText, str, str, dict[str, Any]]  # the text, where it came from, its SHA-256, how it was read


@dataclass(frozen=True)
class PagesRequest:
    targets: Path
    out: Path
    settings: Settings
    firm: Path | None = None
    names: tuple[str, ...] = ()
    saved: Path | None = None
    fetch: bool = False
    sites: Path | None = None
    only: tuple[str, ...] = ()
    allow_third_party: bool = False
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


def firm_names(request: PagesRequest) -> list[str]:
    names = list(request.names)
    if request.firm is not None:
        for row in read_register(request.firm, "firm_profile", request.settings):
            names += [str(row[f]) for f in ("firm_name", "firm_name_en") if row.get(f)]
    if not any(n.strip() for n in names):
        raise EvidenceError("no firm name to look for: give --firm firm_profile.csv (firm_name, firm_name_en) "
                            "or --name")
    return names


def saved_copies(folder: Path | None, accounts: Sequence[dict[str, Any]]) -> dict[str, Path]:
    """account_id -> its saved page in `folder` (file name = account_id, case-insensitive, .html/.htm/.xhtml)."""
    if folder is None:
        return {}
    if not folder.is_dir():
        raise EvidenceError(f"--saved {visible(str(folder))}: not a folder")
    by_stem = {p.stem.casefold(): p for p in sorted(folder.iterdir())
               if p.is_file() and not p.is_symlink() and p.suffix.lower() in SAVED_SUFFIXES}
    return {str(a["account_id"]): by_stem[str(a["account_id"]).casefold()] for a in accounts
            if str(a["account_id"]).casefold() in by_stem}


def select(accounts: list[dict[str, Any]], only: Sequence[str]) -> list[dict[str, Any]]:
    if not only:
        return accounts
    chosen: list[dict[str, Any]] = []
    for wanted in only:
        hits = [a for a in accounts if str(a["account_id"]) == wanted.strip()
                or (a.get("url") and str(a["url"]).strip().rstrip("/") == wanted.strip().rstrip("/"))]
        if not hits:
            raise EvidenceError(f"--only {visible(wanted)} is not in the register: a probe reads only registered "
                                "accounts (account_id or URL)")
        chosen += [a for a in hits if a not in chosen]
    return chosen


def run(request: PagesRequest) -> dict[str, Any]:
    settings = request.settings
    if request.saved is None and not request.fetch:
        raise EvidenceError("nothing to read: give --saved DIR (saved copies named after each account_id) "
                            "and/or --fetch (render each registered URL in Chromium)")
    rows = read_register(request.targets, DATASET, settings)
    forms = name_forms(firm_names(request))
    hosts = website_hosts([str(r["url"]) for r in read_register(request.sites, "official_websites", settings)]
                          if request.sites is not None else [])
    active = [r for r in rows if r.get("status") != "closed"]
    chosen = select(active, request.only)  # before any request
    saved = saved_copies(request.saved, chosen)
    to_fetch = [a for a in chosen if str(a["account_id"]) not in saved and request.fetch and _url(a)]
    not_checked = [{"account_id": a["account_id"], **_why_not(request.fetch)}
                   for a in chosen if str(a["account_id"]) not in saved and a not in to_fetch]
    pages: dict[str, Seen] = {}
    for account_id, path in saved.items():
        data = path.read_bytes()[: MAX_SAVED_BYTES + 1]
        if len(data) > MAX_SAVED_BYTES:
            raise EvidenceError(f"{visible(str(path))}: larger than {MAX_SAVED_BYTES // 2**20} MB; not a saved page")
        html, encoding = decode(data, str(path))
        pages[account_id] = (extract(html), path.name, hashlib.sha256(data).hexdigest(),
                             {"source": "saved", "file": visible(str(path)), "encoding": encoding})
    if to_fetch:
        pages.update(_fetch(to_fetch, request))
    for account in chosen:
        got = pages.get(str(account["account_id"]))
        if got is None:
            continue
        page, source, digest, _ = got
        name = find_name(page, forms)
        contacts = find_contacts(page, hosts)
        if not page.text:  # not read, or nothing in it: the register's own flags still decide
            not_checked.append({"account_id": account["account_id"], "code": "not_read",
                                "why": "the page could not be read or shows "
                                "no text (see the observations)"})
            continue
        account.update(page_checked_at=request.now().isoformat(timespec="seconds").replace("+00:00", "Z"),
                       page_shows_firm_name=name is not None, page_shows_contact=bool(contacts),
                       page_found="; ".join(([f"name: {visible(name)}"] if name else []) + contacts),
                       page_source=visible(source), page_sha256=digest)
    request.out.mkdir(parents=True, exist_ok=True)
    registry = TemplateRegistry.load(settings.content_paths)
    fields = [f.name for f in registry[DATASET].fields]
    write_csv(request.out / f"{DATASET}.csv", fields, rows)
    observations = []
    for account in chosen:
        got = pages.get(str(account["account_id"]))
        if got is not None:
            page, source, digest, how = got
            observations.append({"account_id": account["account_id"], "platform": account["platform"],
                                 "url": visible(str(account.get("url") or "")), **how, "sha256": digest,
                                 "checked_at": account.get("page_checked_at"),
                                 "shows_firm_name": account.get("page_shows_firm_name"),
                                 "shows_contact": account.get("page_shows_contact"),
                                 "found": account.get("page_found"),
                                 "text_read": visible(page.text[:2000])})
    doc = {
        "probe": "pages",
        "targets": str(request.targets),
        "started_at": utc_now(),
        "accounts_in_register": len(rows),
        "names_looked_for": [shown for _, shown in forms],
        "website_hosts": sorted(hosts),
        "settings": {"fetch": request.fetch, "saved": str(request.saved) if request.saved else None,
                     "allow_third_party": request.allow_third_party,
                     "timeout_seconds": settings.probe_timeout_seconds},
        "observations": observations,
        "not_checked": not_checked,
        "outputs": [f"{DATASET}.csv", OBSERVATIONS_FILE],
        "also_in_out": same_dataset_files(request.out, DATASET, f"{DATASET}.csv", registry),
    }
    write_json(request.out / OBSERVATIONS_FILE, doc)
    return doc


def _why_not(fetch: bool) -> dict[str, str]:
    if not fetch:
        return {"code": "no_saved_copy", "why": "no saved copy (and --fetch not given)"}
    return {"code": "no_url", "why": "no saved copy and no http(s) URL in the register"}


def _url(account: dict[str, Any]) -> str | None:
    url = str(account.get("url") or "").strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") and urlsplit(url).hostname else None


def _fetch(accounts: list[dict[str, Any]], request: PagesRequest) -> dict[str, Seen]:
    """Each account's registered URL rendered in Chromium (its host only, unless --allow-third-party)."""
    from playwright.sync_api import Error as PlaywrightError

    settings = request.settings
    guard = Guard({origin(u) for a in accounts if (u := _url(a))}, request.allow_third_party,
                  Pace(settings.probe_rate_per_second))
    got: dict[str, Seen] = {}
    kept = request.out / RENDERED
    if kept.is_dir():  # a previous run's pages: they would be cited by nothing
        for stale in kept.iterdir():
            if stale.is_file() and re.fullmatch(r"[0-9a-f]{16}\.html", stale.name):
                stale.unlink()
    with browser_context(settings, guard) as context:
        for account in accounts:
            url = _url(account)
            assert url is not None
            page = context.new_page()
            how: dict[str, Any] = {"source": "url", "time": utc_now()}
            try:
                response = page.goto(url, wait_until="load")
                how["status"] = response.status if response else None
                if response is None or response.status >= 400:
                    how["result"] = "not_read"
                    got[str(account["account_id"])] = (PageText(""), url, "", how)
                    continue
                html = page.content()
                how.update(result="read", final_url=visible(page.url[:500]))
            except PlaywrightError as exc:
                how.update(result="not_read", detail=visible(str(exc).splitlines()[0][:300]))
                got[str(account["account_id"])] = (PageText(""), url, "", how)
                continue
            finally:
                page.close()
            rendered = html.encode("utf-8")
            digest = hashlib.sha256(rendered).hexdigest()
            keep = request.out / RENDERED / f"{digest[:16]}.html"  # the page as read, kept beside as evidence
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_bytes(rendered)
            how["rendered_copy"] = f"{RENDERED}/{keep.name}"
            got[str(account["account_id"])] = (extract(html), url, digest, how)
    return got
