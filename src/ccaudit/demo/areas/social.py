"""Demo evidence for the social-media area (Article 12.2).

The firm runs six official accounts and a closed one. Each dataset arrives the way such data usually
does: the account register as Excel with Chinese headers and V/X ticks, the platform's admin export as
CSV, the approved-poster list as Parquet, the moderation log as NDJSON with UTC timestamps, the
website link scan as a UTF-8-BOM CSV with Chinese headers and 是/否, the official websites register
as Excel with Chinese headers and statuses, and the risk assessments as a CSV
with ROC dates.

Planted gaps sit on fixed rows; the noise is clean by construction, including rows on the
boundaries (a review exactly 12 months back, an incident handled exactly 72 hours after detection,
an authorization that starts or ends on the as-of date, an incident detected just before the window).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Column, Style

SITE = "https://www.example-sec.com.tw"
# (account_id, platform, url); the last one is closed.
ACCOUNTS: list[tuple[str, str, str]] = [
    ("SM-FB-01", "Facebook", "https://www.facebook.com/examplesec"),
    ("SM-FB-02", "Facebook", "https://www.facebook.com/examplesec.academy"),
    ("SM-IG-01", "Instagram", "https://www.instagram.com/examplesec"),
    ("SM-LINE-01", "LINE", "https://line.me/R/ti/p/@examplesec"),
    ("SM-YT-01", "YouTube", "https://www.youtube.com/@examplesec"),
    ("SM-TH-01", "Threads", "https://www.threads.net/@examplesec"),
]
CLOSED = ("SM-X-01", "X", "https://x.com/examplesec")
PAGES = ["/", "/about", "/ir", "/news", "/service", "/contact", "/recruit", "/esg", "/academy", "/research"]
ACTIONS = ["隱藏留言", "刪除留言並封鎖帳號", "回覆澄清", "通報平台檢舉", "刪除詐騙連結並公告提醒",
           "轉客服中心處理"]
ROLES = ["admin", "editor", "editor", "moderator", "analyst"]
TAIPEI = dt.timedelta(hours=8)
MAX_HOURS = 72


def generate(ctx: FirmContext) -> None:
    _social_media_policies(ctx)
    _risk_assessments(ctx)
    _websites(ctx)
    if not ctx.in_scope("has_official_social_pages"):
        return
    ctx.policies.append({
        "doc_id": "POL-SOP-01", "title": "社群媒體官方專頁經營管理辦法",
        "policy_area": "social_official_pages",
        "topics": ["privacy_policy_review", "leave_notice", "page_identity", "account_authorization"],
        "version": "1.2", "approved_by": "總經理", "approved_on": ctx.days_before(640),
        "last_reviewed_on": ctx.days_before(150),
    })
    _accounts(ctx)
    _posters(ctx)
    _incidents(ctx)
    _links(ctx)


def _window_start(ctx: FirmContext) -> dt.date:
    return ctx.as_of - relativedelta(months=12)


def _social_media_policies(ctx: FirmContext) -> None:
    # The current rule defines shareable information; the personal-use guidance is an old document
    # past its review, so it no longer counts and the distinction is not covered.
    ctx.policies.append({
        "doc_id": "POL-SM-01", "title": "社群媒體資訊安全及使用規範", "policy_area": "social_media",
        "topics": ["shareable_business_info"], "version": "3.0", "approved_by": "總經理",
        "approved_on": ctx.days_before(400), "last_reviewed_on": ctx.days_before(90),
    })
    ctx.policies.append({
        "doc_id": "POL-SM-02", "title": "員工個人社群媒體使用須知", "policy_area": "social_media",
        "topics": ["personal_business_distinction"], "version": "1.0", "approved_by": "人資長",
        "approved_on": ctx.days_before(1100),
        "last_reviewed_on": ctx.days_before(420 if ctx.plants("social_media_policy_separates_personal_use") else 100),
    })
    ctx.planted.fail("social_media_policy_defines_shareable_info", "|POL-SM-02")
    ctx.planted.fail("social_media_policy_separates_personal_use",
                     "personal_business_distinction|", "|POL-SM-02")
    ctx.attestations.append({
        "requirement_id": "12.2.1.1", "result": "met", "attested_by": "稽核室 陳大文",
        "attested_on": ctx.days_before(30), "document_ref": "POL-SM-01 v3.0 §3",
        "note": "已列舉得分享之業務資訊類別",
    })
    ctx.attestations.append({
        "requirement_id": "12.2.1.2", "result": "met", "attested_by": "稽核室 陳大文",
        "attested_on": ctx.days_before(30), "document_ref": "POL-SM-02 v1.0",
        "note": "已區分個人與業務用途之社群媒體使用及應注意事項",
    })


def _risk_assessments(ctx: FirmContext) -> None:
    # Complete assessments lie before the window; this year's leaves out malware.
    start = _window_start(ctx)
    rows = [
        ("SMRA-2024", start - dt.timedelta(days=380), True, True, True, "教育訓練、DLP、社群帳號雙因子驗證"),
        ("SMRA-2025", start - dt.timedelta(days=20), True, True, True, "教育訓練、DLP、社交工程演練"),
        ("SMRA-2026", ctx.days_before(75), True, True, not ctx.plants("social_media_risk_assessed_within_year"),
         "教育訓練、社交工程演練"),
    ]
    names = ("assessment_id", "assessed_on", "covers_disclosure", "covers_social_engineering",
             "covers_malware", "controls")
    columns: dict[str, Column] = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    columns["approved_by"] = ["資安長"] * len(rows)
    ctx.writer.write("social_media_risk_assessments", columns,
                     Style(fmt="csv", roc_dates=True, bool_style="v"), name="社群媒體風險評估")
    ctx.planted.fail("social_media_risk_assessed_within_year", "firm")


def _accounts(ctx: FirmContext) -> None:
    rng = ctx.rng
    start = _window_start(ctx)
    rows: list[dict[str, Any]] = []
    for account_id, platform, url in ACCOUNTS:
        reviewed = ctx.days_before(int(rng.integers(20, 300)))
        rows.append({
            "account_id": account_id, "platform": platform, "url": url,
            "privacy_policy_reviewed_on": reviewed,
            "risk_assessed_on": reviewed + dt.timedelta(days=int(rng.integers(0, 15))),
            "shows_firm_name": True, "shows_contact": True, "status": "經營中",
        })
    by_id = {r["account_id"]: r for r in rows}
    by_id["SM-IG-01"]["privacy_policy_reviewed_on"] = start  # boundary day: still within the year
    by_id["SM-IG-01"]["risk_assessed_on"] = start
    if ctx.plants("social_account_privacy_policy_reviewed"):
        by_id["SM-YT-01"]["privacy_policy_reviewed_on"] = start - dt.timedelta(days=40)
        by_id["SM-FB-02"]["risk_assessed_on"] = None
    ctx.planted.fail("social_account_privacy_policy_reviewed", "SM-YT-01", "SM-FB-02")

    # Threads has no contact field; a pinned post carries the service line under an approved measure
    # (the credible firm has not approved one yet, so the gap stands).
    by_id["SM-TH-01"]["shows_contact"] = False
    if ctx.every_gap:
        ctx.measures.append({
            "measure_id": "CM-SM-001", "requirement_id": "12.2.3.3",
            "check_id": "social_account_shows_name_and_contact", "subject": "SM-TH-01",
            "description": "平台無聯絡資訊欄位，改以置頂貼文載明客服專線及官網", "approved_by": "公關部主管",
            "approved_on": ctx.days_before(120), "review_by": ctx.as_of + dt.timedelta(days=240),
        })
    ctx.planted.fail("social_account_shows_name_and_contact", "SM-TH-01", compensated=ctx.every_gap)

    closed_id, platform, url = CLOSED  # closed: stale and incomplete, but out of scope
    rows.append({
        "account_id": closed_id, "platform": platform, "url": url,
        "privacy_policy_reviewed_on": ctx.days_before(900), "risk_assessed_on": None,
        "shows_firm_name": True, "shows_contact": False, "status": "已關閉",
    })
    ctx.writer.write("social_accounts", {k: [r[k] for r in rows] for k in rows[0]},
                     Style(fmt="xlsx", zh_headers=True, bool_style="v"), name="社群帳號清冊")


def _team(ctx: FirmContext, size: int) -> list[str]:
    """The public-relations team: active people other areas are unlikely to touch."""
    people = ctx.people
    quiet = (people["employment_status"] == "active") & ~people["remote_allowed"].astype(bool) \
        & (people["iot_role"] == "none")
    pool = people["person_id"][quiet]
    if len(pool) < size:
        pool = ctx.active_people()
    return [str(p) for p in ctx.rng.choice(pool, size=min(size, len(pool)), replace=False)]


def _posters(ctx: FirmContext) -> None:
    rng = ctx.rng
    team = _team(ctx, 9)
    core, spare = team[:6], team[6:]
    admins: list[dict[str, Any]] = []
    auth: list[dict[str, Any]] = []
    for account_id, _, _ in ACCOUNTS:
        for person in rng.choice(core, size=int(rng.integers(2, 4)), replace=False):
            role = str(rng.choice(ROLES))
            admins.append({"account_id": account_id, "person_id": str(person), "role": role})
            until = None if rng.random() < 0.7 else ctx.as_of + dt.timedelta(days=int(rng.integers(30, 400)))
            since = ctx.days_before(int(rng.integers(60, 1500)))
            auth.append({"account_id": account_id, "person_id": str(person), "authorized_from": since,
                         "authorized_until": until, "approved_by": "公關部主管"})

    def admin_of(account_id: str) -> set[str]:
        return {a["person_id"] for a in admins if a["account_id"] == account_id}

    # Clean boundaries: an authorization that starts on the as-of day, one that ends on it.
    if spare:
        admins.append({"account_id": "SM-FB-02", "person_id": spare[0], "role": "editor"})
        auth.append({"account_id": "SM-FB-02", "person_id": spare[0], "authorized_from": ctx.as_of,
                     "authorized_until": None, "approved_by": "公關部主管"})
    first = next(a for a in auth if a["account_id"] == "SM-LINE-01")
    first["authorized_until"] = ctx.as_of
    # Former posters whose authorization ended and whose rights were removed: not gaps.
    for person in spare[1:]:
        ended = ctx.days_before(int(rng.integers(30, 300)))
        auth.append({"account_id": "SM-FB-01", "person_id": person, "authorized_from": ctx.days_before(900),
                     "authorized_until": ended, "approved_by": "公關部主管"})

    planted = ctx.planted
    planted.expect_check("social_posters_authorized")
    if planted.plants("social_posters_authorized"):
        # Gap: an IG editor added on the platform but never approved for it.
        unlisted = next(p for p in core if p not in admin_of("SM-IG-01"))
        admins.append({"account_id": "SM-IG-01", "person_id": unlisted, "role": "editor"})
        planted.fail("social_posters_authorized", f"SM-IG-01|{unlisted}")
        # Gap: a Facebook admin whose authorization lapsed two months ago.
        lapsed = next(a for a in auth if a["account_id"] == "SM-FB-01")
        lapsed["authorized_until"] = ctx.days_before(60)
        planted.fail("social_posters_authorized", f"SM-FB-01|{lapsed['person_id']}")
        # Gap: the video agency's account on YouTube, a person not in the people register.
        admins.append({"account_id": "SM-YT-01", "person_id": "AGY-0001", "role": "editor"})
        auth.append({"account_id": "SM-YT-01", "person_id": "AGY-0001", "authorized_from": ctx.days_before(200),
                     "authorized_until": None, "approved_by": "公關部主管"})
        planted.fail("social_posters_authorized", "SM-YT-01|AGY-0001")
        # Gap: someone who left the firm still holds LINE rights under an open authorization.
        people = ctx.people
        left = [str(p) for p, on in zip(people["person_id"], people["terminated_on"], strict=True)
                if on is not None and on <= ctx.as_of]
        if left:
            leaver = str(rng.choice(left))
            admins.append({"account_id": "SM-LINE-01", "person_id": leaver, "role": "admin"})
            since = ctx.days_before(1500)
            auth.append({"account_id": "SM-LINE-01", "person_id": leaver, "authorized_from": since,
                         "authorized_until": None, "approved_by": "公關部主管"})
            planted.fail("social_posters_authorized", f"SM-LINE-01|{leaver}")
    # Rights on the closed account do not matter.
    admins.append({"account_id": CLOSED[0], "person_id": core[0], "role": "admin"})

    ctx.writer.write("social_account_admins", {k: [a[k] for a in admins] for k in admins[0]},
                     Style(fmt="csv"), name="social_account_admins_export")
    ctx.writer.write("social_authorized_posters", {k: [a[k] for a in auth] for k in auth[0]},
                     Style(fmt="parquet"), name="社群授權名單")


def _utc_text(local: dt.datetime) -> str:
    return (local - TAIPEI).strftime("%Y-%m-%dT%H:%M:%SZ")


def _incidents(ctx: FirmContext) -> None:
    rng = ctx.rng
    as_of_end = dt.datetime.combine(ctx.as_of + dt.timedelta(days=1), dt.time())
    window_start = dt.datetime.combine(_window_start(ctx), dt.time())
    accounts = [a[0] for a in ACCOUNTS]
    rows: list[dict[str, Any]] = []

    def add(detected: dt.datetime, handled: dt.datetime | None, account: str | None = None) -> str:
        incident_id = f"INC-{len(rows) + 1:05d}"
        rows.append({"incident_id": incident_id, "account_id": account or str(rng.choice(accounts)),
                     "detected_at": _utc_text(detected),
                     "handled_at": None if handled is None else _utc_text(handled),
                     "action": None if handled is None else str(rng.choice(ACTIONS))})
        return incident_id

    # Noise: handled within 60 hours, detected early enough to be handled before the as-of day ends.
    count = max(30, ctx.n(200))
    offsets = np.sort(rng.integers(3 * 86400, 420 * 86400, size=count))[::-1]
    for seconds in offsets:
        detected = as_of_end - dt.timedelta(seconds=int(seconds))
        handled = detected + dt.timedelta(minutes=int(min(rng.exponential(8 * 60), 60 * 60)))
        add(detected, handled)
    planted = ctx.planted
    # Clean boundaries: handled exactly 72 hours later; still open but within its 72 hours; an open
    # incident detected the minute before the window opens (in UTC that is the previous afternoon).
    exact = _local(ctx, 150, 10, 5)
    add(exact, exact + dt.timedelta(hours=MAX_HOURS))
    add(as_of_end - dt.timedelta(hours=30), None)
    add(window_start - dt.timedelta(minutes=1), None, "SM-FB-01")
    planted.expect_check("social_incident_handled")
    if planted.plants("social_incident_handled"):
        # Gaps: handled late, left open, and a late one detected ten minutes into the window.
        late, later = _local(ctx, 100, 14, 20), _local(ctx, 200, 21, 45)
        edge = window_start + dt.timedelta(minutes=10)
        check = "social_incident_handled"
        planted.fail(check, add(late, late + dt.timedelta(hours=80)))
        planted.fail(check, add(later, later + dt.timedelta(days=6)))
        planted.fail(check, add(_local(ctx, 20, 8, 30), None, "SM-LINE-01"))
        planted.fail(check, add(edge, edge + dt.timedelta(days=4), "SM-FB-01"))
    order = rng.permutation(len(rows))
    shuffled = [rows[int(i)] for i in order]
    ctx.writer.write("social_moderation_incidents", {k: [r[k] for r in shuffled] for k in shuffled[0]},
                     Style(fmt="ndjson"), name="社群異常事件")


def _local(ctx: FirmContext, days_before: int, hour: int, minute: int) -> dt.datetime:
    """A local (Asia/Taipei) wall time `days_before` days before the as-of date."""
    return dt.datetime.combine(ctx.as_of - dt.timedelta(days=days_before), dt.time(hour, minute))


def _websites(ctx: FirmContext) -> None:
    """The official_websites register (what `ccaudit probe site` crawls) as the web team keeps it: Excel,
    Chinese headers and statuses; the retired campaign site is listed, never crawled. No check reads it."""
    ctx.writer.write("official_websites", {
        "site_id": ["WEB-01", "WEB-02", "WEB-03"],
        "url": [f"{SITE}/", "https://academy.example-sec.com.tw/", "https://etf2024.example-sec.com.tw/"],
        "name": ["公司官網", "投資學院", "2024 ETF 活動網站"],
        "status": ["使用中", "使用中", "已停用"],
    }, Style(fmt="xlsx", zh_headers=True), name="官方網站清冊")


def _links(ctx: FirmContext) -> None:
    rng = ctx.rng
    pairs = [(page, account) for page in PAGES for account in ACCOUNTS]
    count = min(len(pairs), max(12, ctx.n(40)))
    chosen = [pairs[int(i)] for i in rng.choice(len(pairs), size=count, replace=False)]
    scanned = dt.datetime.combine(ctx.as_of - dt.timedelta(days=3), dt.time(10, 0))
    rows: list[dict[str, Any]] = []
    for k, (page, (_, platform, url)) in enumerate(chosen):
        rows.append({"page_url": f"{SITE}{page}", "link_url": url, "link_id": None, "platform": platform,
                     "leave_notice_shown": True, "observed_at": scanned + dt.timedelta(seconds=17 * k)})
    # Gaps on a new campaign page: its footer repeats the header's link without the notice (link_id
    # tells the two apart), and the scan could not confirm another link.
    campaign = f"{SITE}/campaign/2026-etf"
    links = ((20, True, "header", ACCOUNTS[2]), (20, False, "footer", ACCOUNTS[2]), (21, None, None, ACCOUNTS[3]))
    for minutes, shown, link_id, (_, platform, url) in links:
        rows.append({"page_url": campaign, "link_url": url, "link_id": link_id, "platform": platform,
                     "leave_notice_shown": shown, "observed_at": scanned + dt.timedelta(minutes=minutes)})
        if not shown:
            ctx.planted.fail("social_link_shows_leave_notice", f"{campaign}|{url}|{link_id or ''}")
    ctx.writer.write("website_outbound_links", {k: [r[k] for r in rows] for k in rows[0]},
                     Style(fmt="csv", encoding="utf-8-sig", zh_headers=True, bool_style="zh"),
                     name="官網外部連結")
