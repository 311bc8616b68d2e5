"""Errors as JSON problem details (RFC 9457, `application/problem+json`), for every API route.

The service's errors map to statuses: PermissionDeniedError 403, NotFoundError 404, a frozen audit,
a stale version or an action out of order 409, any other input error (a CcauditError) 422, and a
request that does not match the schema 422 with each field named. Every route is built by
ProblemRoute, so a route cannot forget the mapping, whichever app includes the router. Messages are
the service's own (they name the firm, audit, requirement and what was expected); nothing else from
the request is echoed, and an unexpected error is answered 500 with no detail (logged by type and
file/line only, without its message or values).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ccaudit.audit.errors import ConflictError, FrozenAuditError, NotFoundError, PermissionDeniedError, WorkflowError
from ccaudit.errors import CcauditError, EvidenceValidationError
from ccaudit.errortexts import error_texts, say_error
from ccaudit.textsafe import visible
from ccaudit.web.api.lang import api_lang

log = logging.getLogger("ccaudit.web.api")

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "https://ccaudit.invalid/problems/"  # problem types are named, not fetched
MAX_DETAIL = 4000

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Unprocessable input",
    500: "Internal error",
}
TITLES_ZH = {
    400: "請求有誤",
    401: "未經驗證",
    403: "無權執行",
    404: "查無資料",
    405: "不接受此方法",
    409: "狀態衝突",
    413: "內容過大",
    415: "不支援之媒體類型",
    422: "無法處理之輸入",
    500: "伺服器內部錯誤",
}


def title_of(status: int, lang: str = "en") -> str:
    if lang == "zh-TW":
        return TITLES_ZH.get(status, "錯誤")
    return TITLES.get(status, "Error")


class FieldProblem(BaseModel):
    """One request field that does not match the schema."""

    location: list[str | int] = Field(description="where: body/query/path, then the field's path")
    message: str


class EvidenceIssue(BaseModel):
    """One problem in one uploaded evidence file, as the CLI reports it."""

    file: str
    message: str
    row: int | None = Field(None, description="spreadsheet row: the header is row 1, the first record row 2")
    column: str | None = None
    value: str | None = None
    expected: str | None = None


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str = Field(description="what went wrong and what was expected, in the service's words")
    errors: list[FieldProblem] | None = Field(None, description="422: each request field that is wrong")
    issues: list[EvidenceIssue] | None = Field(None, description="422: each problem in uploaded evidence")


def problem(status: int, detail: str, kind: str | None = None, lang: str = "en", **extra: Any) -> JSONResponse:
    """A problem document; `detail` is the service's English sentence, said in `lang` (errortexts.py)."""
    text = visible(say_error(detail, lang))[:MAX_DETAIL]
    body = Problem(
        type=TYPE_BASE + (kind or TITLES.get(status, "error").lower().replace(" ", "-")),
        title=title_of(status, lang),
        status=status,
        detail=text,
        **extra,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="ccaudit"'} if status == 401 else {}
    headers["Content-Language"] = lang
    return JSONResponse(body.model_dump(exclude_none=True), status, headers=headers, media_type=PROBLEM_TYPE)


def status_of(exc: CcauditError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, (FrozenAuditError, ConflictError, WorkflowError)):
        return 409
    return 422


def _field_problems(exc: RequestValidationError, lang: str) -> list[FieldProblem]:
    out = []
    for err in exc.errors()[:50]:
        loc = [p if isinstance(p, int) else visible(str(p))[:100] for p in err.get("loc", ())]
        message = error_texts().field_message(str(err.get("type", "")), err.get("ctx"), str(err.get("msg", "")), lang)
        out.append(FieldProblem(location=loc, message=visible(message or "invalid")[:500]))
    return out


def to_problem(exc: Exception, lang: str = "en") -> JSONResponse:
    """The problem response for an exception raised by a route or its dependencies, in `lang`."""
    if isinstance(exc, RequestValidationError):
        fields = _field_problems(exc, lang)
        detail = "; ".join(f"{'.'.join(str(p) for p in f.location)}: {f.message}" for f in fields)
        return problem(422, detail or "the request does not match the API's schema", "invalid-request", lang,
                       errors=fields)  # fmt: skip
    if isinstance(exc, EvidenceValidationError):
        issues = [EvidenceIssue(file=visible(i.file), message=visible(i.message), row=i.row,
                                column=None if i.column is None else visible(i.column),
                                value=None if i.value is None else visible(i.value)[:200],
                                expected=i.expected) for i in exc.issues]  # fmt: skip
        return problem(422, str(exc), "invalid-evidence", lang, issues=issues)
    if isinstance(exc, CcauditError):
        status = status_of(exc)
        return problem(status, str(exc) or type(exc).__name__, lang=lang)
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "error")
        if detail == "csrf":  # the web app's CSRF guard
            detail = "a session's change needs its CSRF token in the X-CSRF-Token header (or use an API token)"
        return problem(exc.status_code, detail, lang=lang)
    # where it failed, never what with: the message and the values may be evidence, a token or a password
    frames = "".join(traceback.format_tb(exc.__traceback__)[-8:])
    log.error("API request failed: %s\n%s", type(exc).__name__, frames)
    return problem(500, "the server could not answer this request; it has been logged", lang=lang)


class ProblemRoute(APIRoute):
    """An APIRoute whose errors (from the route, its dependencies or request validation) are problems."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every error becomes a problem document; 500s carry no detail
                return to_problem(exc, api_lang(request))

        return route_handler


def _ref(status: int, description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_TYPE: {}}}


# Declared on every route, so the OpenAPI document says what each error looks like.
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _ref(400, "the request body cannot be read (not JSON, not UTF-8)"),
    401: _ref(401, "no valid API token or session"),
    403: _ref(403, "the user's roles (or the token's scope) do not allow this"),
    404: _ref(404, "no such firm, audit, requirement, check, run or item"),
    409: _ref(409, "the audit is frozen, the record changed since it was read, or the action is out of order"),
    422: _ref(422, "the request or the evidence is not as expected"),
}
