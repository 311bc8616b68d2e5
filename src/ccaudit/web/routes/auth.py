"""Log-in (password, then TOTP where required), second-factor enrolment, log-out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ccaudit.settings import Settings
from ccaudit.web.context import WebContext
from ccaudit.web.deps import LoginRequired, Web, date_style_for, lang_for, session_of
from ccaudit.web.mfa import otpauth_uri, qr_data_uri
from ccaudit.web.render import render
from ccaudit.web.sessions import cookie_name

router = APIRouter(include_in_schema=False)

NextField = Annotated[str, Form(max_length=2000)]


def safe_next(value: str | None) -> str:
    """Only a path of this site: never `//host`, `/\\host` or a URL with a scheme (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(c in value for c in "\r\n\\"):
        return "/"
    return value


def set_session_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        cookie_name(settings),
        value,
        max_age=settings.web_session_hours * 3600,
        httponly=True,
        secure=settings.web_secure_cookies,
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=settings.web_secure_cookies, httponly=True, samesite="strict"
    )


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    session = session_of(request)
    if session is not None and session.complete:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "failed": False, "user_id": ""})


@router.post("/login")
def login(
    request: Request,
    ctx: Web,
    user_id: Annotated[str, Form(alias="user", max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: NextField = "/",
) -> Response:
    typed = user_id.strip()
    ok = not ctx.throttle.locked(typed) and ctx.service.authenticate(typed, password)
    if not ok:
        ctx.throttle.failed(typed)
        # one answer for a wrong password, an unknown name and a locked name
        return render(request, "login.html", {"next": safe_next(next), "failed": True, "user_id": typed}, 401)
    ctx.throttle.succeeded(typed)
    ctx.sessions.end(request.cookies.get(cookie_name(ctx.settings)))
    saved_lang, saved_style = ctx.sessions.preferences(typed)  # the user's own choice wins over this browser's
    value = ctx.sessions.create(typed, saved_lang or lang_for(request), saved_style or date_style_for(request))
    session = ctx.sessions.lookup(value)
    if session is None:  # pragma: no cover - the session was just written
        raise LoginRequired()
    if session.complete:
        where = safe_next(next)
    else:
        where = ("/mfa" if session.mfa_enrolled else "/mfa/enrol") + "?" + urlencode({"next": safe_next(next)})
    response = RedirectResponse(where, status_code=303)
    set_session_cookie(response, ctx.settings, value)
    return response


def _partial(request: Request) -> tuple[str, str]:
    """(cookie value, user ID) of a session waiting for its second factor; log-in again otherwise."""
    ctx = request.app.state.web
    value = request.cookies.get(cookie_name(ctx.settings))
    session = session_of(request)
    if session is None or value is None:
        raise LoginRequired("/login")
    return value, session.user_id


@router.get("/mfa")
def mfa_page(request: Request, next: str = "/") -> Response:
    session = session_of(request)
    if session is not None and session.complete:
        return RedirectResponse(safe_next(next), status_code=303)
    _partial(request)
    return render(request, "mfa.html", {"next": safe_next(next), "failed": False})


@router.post("/mfa")
def mfa_verify(
    request: Request, ctx: Web, code: Annotated[str, Form(max_length=20)], next: NextField = "/"
) -> Response:
    value, user_id = _partial(request)
    if ctx.throttle.locked(user_id) or not ctx.mfa.verify(user_id, code):
        ctx.throttle.failed(user_id)
        return render(request, "mfa.html", {"next": safe_next(next), "failed": True}, 401)
    ctx.throttle.succeeded(user_id)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, ctx.settings, ctx.sessions.mfa_given(value))
    return response


@router.get("/mfa/enrol")
def enrol_page(request: Request, ctx: Web, next: str = "/") -> Response:
    _, user_id = _partial(request)
    if ctx.mfa.enrolled(user_id):
        return RedirectResponse("/mfa", status_code=303)
    return render(request, "mfa_enrol.html", _enrol_context(ctx, user_id, next, failed=False))


def _enrol_context(ctx: WebContext, user_id: str, next: str, failed: bool) -> dict[str, object]:
    """The pending secret as a QR code to scan, and as text (in groups of four) and a URI to type or paste."""
    secret = ctx.mfa.pending_secret(user_id)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    uri = otpauth_uri(secret, user_id)
    return {"secret": grouped, "uri": uri, "qr": qr_data_uri(uri), "user_id": user_id, "next": safe_next(next),
            "failed": failed}


@router.post("/mfa/enrol")
def enrol(request: Request, ctx: Web, code: Annotated[str, Form(max_length=20)], next: NextField = "/") -> Response:
    value, user_id = _partial(request)
    if ctx.mfa.enrolled(user_id):
        return RedirectResponse("/mfa", status_code=303)
    if ctx.throttle.locked(user_id) or not ctx.mfa.confirm(user_id, code):
        ctx.throttle.failed(user_id)
        return render(request, "mfa_enrol.html", _enrol_context(ctx, user_id, next, failed=True), 401)
    ctx.throttle.succeeded(user_id)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, ctx.settings, ctx.sessions.mfa_given(value))
    return response


@router.post("/logout")
def logout(request: Request, ctx: Web) -> Response:
    ctx.sessions.end(request.cookies.get(cookie_name(ctx.settings)))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response
