"""The firm/year picker (home), the language switch and the user's preferences (language, date style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ccaudit.web.deps import DATE_COOKIE, DATE_STYLES, LANG_COOKIE, CurrentUser, Service, Web, session_of
from ccaudit.web.i18n import lang_of
from ccaudit.web.render import render
from ccaudit.web.routes.auth import safe_next

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.get("/")
def home(request: Request, user: CurrentUser, svc: Service) -> Response:
    """Every audit the user may read, by firm, newest year first."""
    names = dict(svc.list_firms())
    by_firm: dict[str, list[object]] = {}
    for audit in sorted(svc.list_audits(user.id), key=lambda a: (a.firm_id, -a.year)):
        by_firm.setdefault(audit.firm_id, []).append(audit)
    firms = [(firm, names.get(firm, firm), audits) for firm, audits in by_firm.items()]
    return render(request, "home.html", {"firms": firms})


@router.post("/prefs/lang")
def switch_language(
    request: Request, ctx: Web, lang: Annotated[str, Form(max_length=10)], next: Annotated[str, Form()] = "/"
) -> Response:
    """The language switch in every page's header; works before log-in too (a cookie)."""
    chosen = lang_of(lang, ctx.settings.lang)
    session = session_of(request)
    if session is not None and session.complete:
        ctx.sessions.save_preferences(session.user_id, session.id_hash, chosen, None)
    elif session is not None:
        ctx.sessions.set_preferences(session.id_hash, chosen, None)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE, chosen, max_age=YEAR, httponly=True, samesite="strict", secure=ctx.settings.web_secure_cookies
    )
    return response


@router.get("/prefs")
def preferences_page(request: Request, user: CurrentUser, saved: bool = False) -> Response:
    return render(request, "prefs.html", {"saved": saved})


@router.post("/prefs")
def save_preferences(
    request: Request,
    ctx: Web,
    user: CurrentUser,
    lang: Annotated[str, Form(max_length=10)],
    date_style: Annotated[str, Form(max_length=10)],
) -> Response:
    chosen_lang = lang_of(lang, user.lang)
    style = date_style if date_style in DATE_STYLES else user.date_style
    ctx.sessions.save_preferences(user.id, user.session_hash, chosen_lang, style)
    response = RedirectResponse("/prefs?saved=1", status_code=303)
    for name, value in ((LANG_COOKIE, chosen_lang), (DATE_COOKIE, style)):
        response.set_cookie(
            name, value, max_age=YEAR, httponly=True, samesite="strict", secure=ctx.settings.web_secure_cookies
        )
    return response
