"""Render a page: `render(request, "name.html", {...})`. Every template gets, besides what the route passes:

    t(key, **params)   a text of content/web/*.yaml in the user's language
    note(text)         a raw export's parse note (a warning stored in English) in the user's language
                       (content/messages/sources.yaml); other text as it is
    label(kind, value) a status, role, result... in the reports' words (kind: status, result, role, work,
                       remediation, audit_status, attestation, obligation, outcome, change)
    d(date)            a date in the user's style (ISO 2026-11-30 or ROC 115/11/30); ts(datetime): with the
                       time, in the firm's zone
    lang, date_style, user (WebUser or None), csrf_token, csrf_field() (the hidden input every form needs),
    request

Autoescape is on for every template and undefined names are errors: evidence is hostile, and a value
reaches the page only through {{ }} (never `|safe` on anything that came from a firm or a user)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from ccaudit.cli.audit.texts import CHANGE, ROLE, WORK_STATUS
from ccaudit.dates import format_date
from ccaudit.findings.messages import is_zh
from ccaudit.findings.models import STATUS_LABELS
from ccaudit.rawsources.notes import translate
from ccaudit.reports.model import RESULT_LABELS
from ccaudit.reports.texts import ATTESTATION, OBLIGATION, OUTCOME, REMEDIATION_STATUS, SIGN_OFF
from ccaudit.textsafe import visible_in_page
from ccaudit.web.deps import (
    csrf_token_for,
    date_style_for,
    lang_for,
    optional_user,
    web,
)
from ccaudit.web.security import ANON_COOKIE, CSRF_FIELD

TEMPLATES = Path(__file__).parent / "templates"

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {s.value: pair for s, pair in STATUS_LABELS.items()},
    "result": {r.value: pair for r, pair in RESULT_LABELS.items()},
    "role": ROLE | {"inspector": ("inspector", "檢查人員")},
    "work": WORK_STATUS,
    "remediation": REMEDIATION_STATUS,
    "audit_status": SIGN_OFF,
    "attestation": ATTESTATION,
    "obligation": OBLIGATION,
    "outcome": OUTCOME,
    "change": CHANGE,
}


def make_templates(extra: tuple[Path, ...] = ()) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*extra, TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are package files: no stat() of each one on every render
        finalize=visible_in_page,  # a value's control and bidirectional characters spelled out (textsafe)
    )
    env.filters["todate"] = to_date
    env.filters["totime"] = to_time
    return Jinja2Templates(env=env)


def to_date(value: str | dt.date | None) -> dt.date | None:
    """An ISO date as the snapshot stores it (`2026-11-30`), for d()."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def to_time(value: str | dt.datetime | None) -> dt.datetime | None:
    """An ISO UTC time as the snapshot stores it (`2026-12-01T09:00:00Z`), for ts()."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def label(kind: str, value: object, lang: str) -> str:
    """A code in words: Chinese from the reports' labels; English too (spaces for underscores)."""
    if value is None or value == "":
        return "-"
    key = str(value.value) if isinstance(value, StrEnum) else str(value)
    pair = LABELS[kind].get(key)
    if pair is None:
        return key
    return pair[1] if is_zh(lang) else pair[0].replace("_", " ")


def _values(request: Request) -> dict[str, Any]:
    """What every template gets (see the module's docstring)."""
    ctx = web(request)
    lang = lang_for(request)
    style = date_style_for(request)
    zone = ZoneInfo(ctx.settings.firm_timezone)
    token = csrf_token_for(request)

    def t(key: str, **params: object) -> str:
        return ctx.texts.say(key, lang, **params)

    def ts(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=dt.UTC).astimezone(zone)
        return f"{format_date(local.date(), style)} {local:%H:%M}"

    return {
        "t": t,
        "label": lambda kind, value: label(kind, value, lang),
        "note": lambda text: translate(str(text), lang),
        "d": lambda day: format_date(day, style),
        "ts": ts,
        "lang": lang,
        "date_style": style,
        "user": optional_user(request),
        "csrf_token": token,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token)),
        "next_path": request.url.path,
    }


def fragment(request: Request, name: str, context: dict[str, Any]) -> Markup:
    """A template rendered to markup with what every page gets (escaped as any page), for a part of a page
    that a route caches and hands to its page's template (e.g. the dashboard's main block)."""
    values = _values(request)
    values.update(context)
    return Markup(web(request).templates.get_template(name).render(values))


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    ctx = web(request)
    values = _values(request)
    values.update(context or {})
    response = ctx.templates.TemplateResponse(request, name, values, status_code=status_code)
    new_anon = getattr(request.state, "new_anon_csrf", None)
    if new_anon:
        response.set_cookie(
            ANON_COOKIE, new_anon, httponly=True, samesite="strict", secure=ctx.settings.web_secure_cookies, path="/"
        )
    return response
