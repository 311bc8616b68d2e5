"""What the audit work pages' form handlers share: typed dates (ISO or ROC, by the CLI's rules), the
HTTP status of a refused change, and the redirect after a change that worked (POST, then GET)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from ccaudit.audit.errors import AuditError
from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.errors import CcauditError


class FormError(AuditError):
    """A form field that cannot be read (a date, a number): shown on the page like the service's refusals."""


def date_field(value: str | None, name: str, required: bool = True) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise FormError(f"{name}: a date is required (2026-11-30 or ROC 115/11/30)")
        return None
    try:
        return parse_user_date(text)
    except DateInputError as exc:
        raise FormError(f"{name}: {exc}") from None


def int_field(value: str | None, name: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise FormError(f"{name}: a whole number is expected, not {text!r}")
    return int(text)


def status_of(exc: CcauditError) -> int:
    """The HTTP status the app answers this error with (app.STATUS_OF: 403, 404, 409; else 400)."""
    from ccaudit.web.app import STATUS_OF

    return next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)


def requirement_url(audit_id: int, requirement_id: str) -> str:
    return f"/audits/{int(audit_id)}/requirements/{quote(requirement_id, safe='')}"


def done(path: str, what: str, anchor: str = "", **params: str) -> RedirectResponse:
    """303 back to the page, saying what was done (a text key the page shows)."""
    query = urlencode({"done": what, **params})
    return RedirectResponse(f"{path}?{query}{'#' + anchor if anchor else ''}", status_code=303)


def refusal(request: Request, exc: Exception) -> str:
    """The service's refusal as the page shows it: in the user's language (errortexts.py), escaped."""
    from ccaudit.errortexts import say_error
    from ccaudit.textsafe import visible
    from ccaudit.web.deps import lang_for

    return visible(say_error(str(exc), lang_for(request)))
