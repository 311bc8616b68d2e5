"""The language the API answers in (problem documents, reasons, remediation titles): the request's
`Accept-Language` when it names English or Chinese (by its q-values), else the caller's own language
setting (the one chosen in the workspace, kept for the user: the session's, or for a token its user's),
else English. A pipeline that sends no header gets what its user chose; one that asks gets what it asks."""

from __future__ import annotations

from starlette.requests import Request

EN, ZH = "en", "zh-TW"


def accepted(header: str | None) -> str | None:
    """en or zh-TW, whichever the header prefers (zh, zh-TW, zh-Hant... are Chinese), or None."""
    best: tuple[float, int, str] | None = None
    for n, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = ZH if tag.startswith("zh") else EN if tag.startswith("en") else None
        if lang is None or not 0 < q <= 1:
            continue
        if best is None or (q, -n) > (best[0], -best[1]):
            best = (q, n, lang)
    return best[2] if best else None


def api_lang(request: Request) -> str:
    """The language of this API request's answer (see the module docstring); looked up once per request."""
    chosen: str | None = getattr(request.state, "api_lang", None)
    if chosen is None:
        chosen = accepted(request.headers.get("accept-language")) or _setting(request) or EN
        request.state.api_lang = chosen
    return chosen


def _setting(request: Request) -> str | None:
    from ccaudit.settings import normalise_lang
    from ccaudit.web.deps import session_of, web

    try:
        user_id: str | None = getattr(request.state, "api_user", None)  # set once a token is authenticated
        if user_id is not None:
            value = web(request).sessions.preferences(user_id)[0]
        else:
            session = session_of(request)
            value = session.lang if session is not None else None
        return normalise_lang(value) if value else None
    except Exception:  # the language of an error must never cause another: English then
        return None
