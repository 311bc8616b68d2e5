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
from ccaudit.textsafe import visible

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


def problem(status: int, detail: str, kind: str | None = None, **extra: Any) -> JSONResponse:
    text = visible(detail)[:MAX_DETAIL]
    body = Problem(
        type=TYPE_BASE + (kind or TITLES.get(status, "error").lower().replace(" ", "-")),
        title=TITLES.get(status, "Error"),
        status=status,
        detail=text,
        **extra,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="ccaudit"'} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status, headers=headers, media_type=PROBLEM_TYPE)


def status_of(exc: CcauditError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, (FrozenAuditError, ConflictError, WorkflowError)):
        return 409
    return 422


def _field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors()[:50]:
        loc = [p if isinstance(p, int) else visible(str(p))[:100] for p in err.get("loc", ())]
        out.append(FieldProblem(location=loc, message=visible(str(err.get("msg", "invalid")))[:500]))
    return out


def to_problem(exc: Exception) -> JSONResponse:
    """The problem response for an exception raised by a route or its dependencies."""
    if isinstance(exc, RequestValidationError):
        fields = _field_problems(exc)
        detail = "; ".join(f"{'.'.join(str(p) for p in f.location)}: {f.message}" for f in fields)
        return problem(422, detail or "the request does not match the API's schema", "invalid-request", errors=fields)
    if isinstance(exc, EvidenceValidationError):
        issues = [EvidenceIssue(file=visible(i.file), message=visible(i.message), row=i.row,
                                column=None if i.column is None else visible(i.column),
                                value=None if i.value is None else visible(i.value)[:200],
                                expected=i.expected) for i in exc.issues]  # fmt: skip
        return problem(422, str(exc), "invalid-evidence", issues=issues)
    if isinstance(exc, CcauditError):
        status = status_of(exc)
        return problem(status, str(exc) or type(exc).__name__)
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "error")
        if detail == "csrf":  # the web app's CSRF guard
            detail = "a session's change needs its CSRF token in the X-CSRF-Token header (or use an API token)"
        return problem(exc.status_code, detail)
    # where it failed, never what with: the message and the values may be evidence, a token or a password
    frames = "".join(traceback.format_tb(exc.__traceback__)[-8:])
    log.error("API request failed: %s\n%s", type(exc).__name__, frames)
    return problem(500, "the server could not answer this request; it has been logged")


class ProblemRoute(APIRoute):
    """An APIRoute whose errors (from the route, its dependencies or request validation) are problems."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every error becomes a problem document; 500s carry no detail
                return to_problem(exc)

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
