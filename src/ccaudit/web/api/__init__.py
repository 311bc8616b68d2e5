"""The REST API, `/api/v1`: JSON over the AuditService, for scripts and pipelines (API tokens) and for
pages that fetch data (the browser session, with its CSRF token for changes).

`router` (prefix /api/v1) is included by the web app (ccaudit.web.app.discover_routers). Its OpenAPI
document, with the API's routes only, is served at /api/v1/openapi.json (docs/api.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from ccaudit import __version__
from ccaudit.audit.errors import NotFoundError
from ccaudit.web.api import evidence, reading, review, tokens, work
from ccaudit.web.api.lang import api_lang
from ccaudit.web.api.problems import problem
from ccaudit.web.api.routing import api_router as _router
from ccaudit.web.methods import METHODS, allowed_methods, route_path

API_PREFIX = "/api/v1"
TITLE = "ccaudit API"
DESCRIPTION = (
    "The annual audit of TWSE Article 12 (CC-21100) over HTTP: firms, audits, requirements, offending rows, "
    "the auditor's work, review, reports and the trail. Authenticate with `Authorization: Bearer <token>` "
    "(`ccaudit token create`); errors are RFC 9457 problem documents."
)


def api_router() -> APIRouter:
    """Every API route, under API_PREFIX."""
    router = APIRouter(prefix=API_PREFIX)
    parts = (reading.router, work.router, evidence.router, review.router, tokens.router)
    for part in parts:
        router.include_router(part)
    meta = _router([])

    @meta.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(request.app))

    @meta.api_route("/{rest:path}", methods=list(METHODS), include_in_schema=False)
    def unknown(request: Request, rest: str) -> JSONResponse:
        # the API's own routes, without this catch-all (which takes every method on every path)
        allowed = allowed_methods((r for part in parts for r in part.routes), request.scope,
                                  route_path(request.scope).removeprefix(API_PREFIX))
        if allowed:  # a known path asked with a method it does not take: 405 (RFC 9110 15.5.6), not 404
            shown = ", ".join(allowed)
            detail = f"{request.method} is not allowed on this path; it takes {shown}"
            answer = problem(405, detail, "method-not-allowed", api_lang(request))
            answer.headers["Allow"] = shown
            return answer
        raise NotFoundError("no such API path; the API's paths are listed in /api/v1/openapi.json")

    router.include_router(meta)
    return router


def build_openapi() -> dict[str, Any]:
    """The OpenAPI document of the API's routes alone, with its bearer-token security scheme."""
    alone = FastAPI(title=TITLE, version=__version__, description=DESCRIPTION)
    alone.include_router(api_router())
    doc = alone.openapi()
    doc.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "description": "an API token (ccaudit token create)",
    }  # fmt: skip
    doc["security"] = [{"bearer": []}]
    return doc


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """build_openapi(), once per app."""
    cached: dict[str, Any] | None = getattr(app.state, "api_openapi", None)
    if cached is None:
        cached = app.state.api_openapi = build_openapi()
    return cached


router = api_router()
