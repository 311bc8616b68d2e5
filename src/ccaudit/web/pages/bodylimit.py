"""A cap on request bodies, before anything reads them (the CSRF check parses forms, and Starlette
spools uploads to disk while it parses): a declared Content-Length above the cap is answered 413 at
once, and a body sent without one (chunked) is cut off with 413 as soon as it passes the cap."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OVERHEAD = 1024 * 1024  # multipart framing and the form's other fields, beside one file of the largest size


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        declared = next((v for k, v in headers if k == b"content-length"), None)
        kind = next((v for k, v in headers if k == b"content-type"), b"")
        # an upload may carry one file of the largest size plus its framing; any other body no more than that size
        cap = self.max_bytes if kind.lower().startswith(b"multipart/form-data") else self.max_bytes - OVERHEAD
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _too_large(send, cap, scope)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:  # answered by the app's handler for HTTP errors (a page), else below
                    raise _TooLarge(413, f"request body larger than {cap} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, cap, scope)


class _TooLarge(HTTPException):
    pass


async def _too_large(send: Send, limit: int, scope: Scope) -> None:
    text = f"request body larger than {limit} bytes (CCAUDIT_WEB_MAX_UPLOAD_MB)"
    media = b"text/plain; charset=utf-8"
    body = (text + "\n").encode()
    if str(scope.get("path", "")).startswith("/api/v1/"):  # the REST API answers problem documents
        from ccaudit.web.api.lang import accepted
        from ccaudit.web.api.problems import title_of

        header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"accept-language"), None)
        lang = accepted(header) or "en"  # before the app: the request's own header only
        if lang == "zh-TW":
            text = f"請求內容大於 {limit} 位元組（CCAUDIT_WEB_MAX_UPLOAD_MB）"
        body = json.dumps({"type": "https://ccaudit.invalid/problems/too-large", "title": title_of(413, lang),
                           "status": 413, "detail": text}, ensure_ascii=False).encode()  # fmt: skip
        media = b"application/problem+json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", media),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
