"""What a route asks for with FastAPI's Depends: the app's context, the AuditService, the logged-in user.

    from ccaudit.web.deps import CurrentUser, Service

    @router.get("/audits/{audit_id}/thing")
    def thing(request: Request, audit_id: int, user: CurrentUser, svc: Service) -> HTMLResponse:
        snap = svc.snapshot(audit_id, user.id)       # the service decides what the user may see
        return render(request, "thing.html", {"snap": snap})

A route that declares CurrentUser is reached only by a fully logged-in user (password, and the second
factor where needed); anyone else is sent to the log-in page (HTML) or answered 401 (/api/...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ccaudit.audit.service import AuditService
from ccaudit.web.context import WebContext
from ccaudit.web.i18n import lang_from_accept, lang_of
from ccaudit.web.security import (
    ANON_COOKIE,
    SAFE_METHODS,
    csrf_refused,
    new_anonymous_value,
    submitted_token,
    tokens_match,
)
from ccaudit.web.sessions import SessionInfo, cookie_name

LANG_COOKIE = "ccaudit_lang"
DATE_COOKIE = "ccaudit_date_style"
DATE_STYLES = ("iso", "roc")


class LoginRequired(Exception):
    """No live, complete session: the app sends the browser to `where` (log-in, or the second factor)."""

    def __init__(self, where: str = "/login") -> None:
        super().__init__(where)
        self.where = where


@dataclass(frozen=True)
class WebUser:
    """The logged-in user as routes see them; pass `id` as the service's `actor`."""

    id: str
    name: str
    is_superuser: bool
    lang: str
    date_style: str
    csrf_token: str
    session_hash: str


def web(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def get_service(request: Request) -> AuditService:
    return web(request).service


# Dependencies that do no I/O are async, so FastAPI does not hand each to a worker thread.
async def _web_dependency(request: Request) -> WebContext:
    return web(request)


async def _service_dependency(request: Request) -> AuditService:
    return web(request).service


def session_of(request: Request) -> SessionInfo | None:
    """The request's session, complete or not (looked up once per request)."""
    if not hasattr(request.state, "session"):
        ctx = web(request)
        request.state.session = ctx.sessions.lookup(request.cookies.get(cookie_name(ctx.settings)))
    found: SessionInfo | None = request.state.session
    return found


def lang_for(request: Request) -> str:
    ctx = web(request)
    session = session_of(request)
    chosen = (session.lang if session else None) or request.cookies.get(LANG_COOKIE)
    if chosen:
        return lang_of(chosen, ctx.settings.lang)
    return lang_from_accept(request.headers.get("accept-language"), ctx.settings.lang)


def date_style_for(request: Request) -> str:
    session = session_of(request)
    chosen = (session.date_style if session else None) or request.cookies.get(DATE_COOKIE)
    return chosen if chosen in DATE_STYLES else "iso"


def optional_user(request: Request) -> WebUser | None:
    session = session_of(request)
    if session is None or not session.complete:
        return None
    return WebUser(
        id=session.user_id,
        name=session.user_name,
        is_superuser=session.is_superuser,
        lang=lang_for(request),
        date_style=date_style_for(request),
        csrf_token=session.csrf_secret,
        session_hash=session.id_hash,
    )


def current_user(request: Request) -> WebUser:
    user = optional_user(request)
    if user is not None:
        return user
    session = session_of(request)
    if session is None:
        raise LoginRequired("/login")
    raise LoginRequired("/mfa" if session.mfa_enrolled else "/mfa/enrol")


def anonymous_csrf(request: Request) -> tuple[str, str | None]:
    """(token, new cookie value or None) for a page shown before log-in: an HMAC of the cookie's value."""
    value = request.cookies.get(ANON_COOKIE)
    new = None
    if not value or len(value) > 128:
        value = new = new_anonymous_value()
    return web(request).key.sign(value), new


def csrf_token_for(request: Request) -> str:
    session = session_of(request)
    if session is not None:
        return session.csrf_secret
    token, new = anonymous_csrf(request)
    if new is not None:
        request.state.new_anon_csrf = new
    return token


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: every unsafe request carries the right token (see security.py)."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    session = session_of(request)
    if session is not None:
        expected: str | None = session.csrf_secret
    else:
        value = request.cookies.get(ANON_COOKIE)
        expected = web(request).key.sign(value) if value and len(value) <= 128 else None
    if not tokens_match(expected, await submitted_token(request)):
        raise csrf_refused()


CurrentUser = Annotated[WebUser, Depends(current_user)]
OptionalUser = Annotated[WebUser | None, Depends(optional_user)]
Service = Annotated[AuditService, Depends(_service_dependency)]
Web = Annotated[WebContext, Depends(_web_dependency)]
