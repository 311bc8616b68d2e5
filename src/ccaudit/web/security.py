"""Security headers on every response, and the CSRF guard on every unsafe request.

CSRF: a form or htmx request that changes anything carries a token: the session's own secret
(web_sessions.csrf_secret) once logged in; before log-in, an HMAC under the server key of a random
value in the `ccaudit_csrf` cookie (double submit, signed). The token travels as the form field
`csrf_token` or the `X-CSRF-Token` header (htmx sends the header, set once on <body hx-headers>). A
request with an `Authorization` header is an API client authenticating with a token, not a browser
riding on a cookie: it is left to the API's own authentication, which must not then accept a cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccaudit.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ANON_COOKIE = "ccaudit_csrf"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts, no eval: htmx runs with allowEval off
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if settings.web_secure_cookies:  # served over HTTPS (directly or behind a proxy)
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to every HTTP response (pages, API, static files, errors),
    and `Cache-Control: no-store` to anything but static files, so no page with firm data is cached."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_anonymous_value() -> str:
    return secrets.token_urlsafe(32)


async def submitted_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette keeps the parsed form: the route reads the same one
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def csrf_refused() -> HTTPException:
    return HTTPException(403, "csrf")
