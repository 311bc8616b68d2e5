"""The dashboard of one audit (per firm and year), and the inspector's view of several firms side by side."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from ccaudit.audit.service import AuditService
from ccaudit.audit.snapshot import AuditSnapshot, AuditStatus
from ccaudit.errors import CcauditError
from ccaudit.reports import charts
from ccaudit.reports.from_audit import from_snapshot
from ccaudit.reports.from_result_dir import Labels, load_labels
from ccaudit.reports.model import ReportData, Result
from ccaudit.web import dashboard
from ccaudit.web.context import WebContext
from ccaudit.web.deps import CurrentUser, Service, Web, date_style_for, lang_for
from ccaudit.web.render import fragment, render

router = APIRouter(include_in_schema=False)


def labels_for(ctx: WebContext, snap: AuditSnapshot) -> Labels:
    key = ("labels", snap.catalog_id, snap.catalog_version)
    if key not in ctx.cache:
        ctx.cache[key] = load_labels(ctx.settings, snap.catalog_id, snap.catalog_version)[0]
    labels: Labels = ctx.cache[key]
    return labels


def previous_audit(svc: AuditService, actor: str, snap: AuditSnapshot) -> AuditSnapshot | None:
    """Last year's audit of the firm: the one this audit was carried over from, else the year before's."""
    if snap.carried_from is not None:
        return svc.snapshot(snap.carried_from, actor)
    earlier = [a for a in svc.list_audits(actor, snap.firm_id) if a.year == snap.year - 1]
    return svc.snapshot(earlier[-1].id, actor) if earlier else None


def ageing_day(ctx: WebContext, snap: AuditSnapshot) -> dt.date:
    """Remediation is aged on the sign-off day of a signed audit, else on today (in the firm's zone)."""
    if snap.status is AuditStatus.SIGNED and snap.signoff.signed_at:
        return dt.date.fromisoformat(snap.signoff.signed_at[:10])
    return ctx.clock().astimezone(ZoneInfo(ctx.settings.firm_timezone)).date()


VIEW_CACHE_SIZE = 256
_cache_lock = threading.Lock()
T = TypeVar("T")


def view_key(ctx: WebContext, svc: AuditService, actor: str, audit_id: int, lang: str) -> tuple[object, ...]:
    """Raise unless the actor may read the audit now (every request, against the database); else the key of
    what its dashboard shows: the audit, its trail head and the head of the firm's audits (last year's,
    which the trend compares, included), the language and the day. A change in another firm moves none."""
    access = svc.read_access(actor, audit_id)
    today = ctx.clock().astimezone(ZoneInfo(ctx.settings.firm_timezone)).date()
    return ("view", audit_id, access.version, access.firm_version, lang, today)


def cached(ctx: WebContext, key: tuple[object, ...], build: Callable[[], T]) -> T:
    """The process's dashboard cache (least recently used out first); `build` runs outside the lock."""
    cache: OrderedDict[object, Any] = ctx.cache.setdefault("views", OrderedDict())
    with _cache_lock:
        if key in cache:
            cache.move_to_end(key)
            found: T = cache[key]
            return found
    value = build()
    with _cache_lock:
        cache[key] = value
        while len(cache) > VIEW_CACHE_SIZE:
            cache.popitem(last=False)
    return value


def audit_view(ctx: WebContext, svc: AuditService, actor: str, audit_id: int, lang: str) -> dict[str, object]:
    """What one audit's dashboard shows, from the cache while nothing recorded in the firm's audits has
    changed and the day is the same; the actor's right to read it is checked every time, before the cache."""
    return cached(ctx, view_key(ctx, svc, actor, audit_id, lang), lambda: build_view(ctx, svc, actor, audit_id, lang))


def build_view(ctx: WebContext, svc: AuditService, actor: str, audit_id: int, lang: str) -> dict[str, object]:
    """Everything one audit's dashboard (or its column in the inspector view) shows."""
    snap = svc.snapshot(audit_id, actor)
    previous = previous_audit(svc, actor, snap)
    labels = labels_for(ctx, snap)
    data: ReportData = from_snapshot(snap, labels, previous)
    frequencies = {r.id: r.frequency_months for r in labels.catalog.requirements} if labels.catalog else {}
    difference = svc.diff(actor, previous.audit_id, snap.audit_id) if previous is not None else None
    on = ageing_day(ctx, snap)
    board = dashboard.build(snap, data, frequencies, on, lang, difference)
    return {
        "snap": snap,
        "data": data,
        "board": board,
        "previous": previous,
        "results": [r for r in Result if board.counts.get(r)],
        # the reports' own charts: server-side SVG whose every text is escaped where it is drawn
        "chart_status": Markup(charts.status_by_area(data, lang)),
        "chart_trend": Markup(charts.trend(data, lang)),
        "chart_ageing": Markup(charts.ageing(data, lang, on)),
    }


@router.get("/audits/{audit_id}")
def audit_dashboard(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    """The page around its main block, which is the same for every reader (no form, no user data): rendered
    once per view key and date style, then reused."""
    lang = lang_for(request)
    key = view_key(ctx, svc, user.id, audit_id, lang)
    view = cached(ctx, key, lambda: build_view(ctx, svc, user.id, audit_id, lang))
    main = cached(ctx, (*key, "main", date_style_for(request)),
                  lambda: fragment(request, "_dashboard_main.html", view))
    return render(request, "dashboard.html", {"snap": view["snap"], "main": main})


@router.get("/inspector")
def inspector(request: Request, user: CurrentUser, svc: Service, ctx: Web, year: int | None = None) -> Response:
    """Every firm the user may read (an inspector's grants, or their roles), its audit of one year side by
    side: results, deficiencies, overdue remediation, what expired. Read-only: no forms."""
    audits = svc.list_audits(user.id)
    years = sorted({a.year for a in audits}, reverse=True)
    chosen = year if year in years else (years[0] if years else None)
    grants = dict(svc.inspector_firms(user.id))
    names = dict(svc.list_firms())
    columns = []
    lang = lang_for(request)
    for audit in (a for a in audits if a.year == chosen):
        try:
            view = audit_view(ctx, svc, user.id, audit.id, lang)
        except CcauditError:  # pragma: no cover - listed audits are readable
            continue
        columns.append({"audit": audit, "name": names.get(audit.firm_id, audit.firm_id),
                        "until": grants.get(audit.firm_id), **view})
    return render(request, "inspector.html", {"columns": columns, "years": years, "year": chosen,
                                             "results": list(Result)})
