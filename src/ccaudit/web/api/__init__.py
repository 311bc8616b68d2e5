"""The REST API, `/api/v1`: JSON over the AuditService, for scripts and pipelines (API tokens) and for
pages that fetch data (the browser session, with its CSRF token for changes).

`router` (prefix /api/v1) is included by the web app (ccaudit.web.app.discover_routers). Its OpenAPI
document, with the API's routes only, is served at /api/v1/openapi.json (docs/api.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route

from ccaudit import __version__
from ccaudit.audit.errors import NotFoundError
from ccaudit.web.api import evidence, reading, review, tokens, work
from ccaudit.web.api.problems import problem
from ccaudit.web.api.routing import api_router as _router

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
    for part in (reading.router, work.router, evidence.router, review.router, tokens.router):
        router.include_router(part)
    meta = _router([])

    @meta.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(request.app))

    @meta.api_route("/{rest:path}", methods=[*ANY_METHOD], include_in_schema=False)
    def unknown(request: Request, rest: str) -> JSONResponse:
        allowed = allowed_methods(request)
        if allowed:  # a known path asked with a method it does not take: 405 (RFC 9110 15.5.6), not 404
            shown = ", ".join(allowed)
            detail = f"{request.method} is not allowed on this path; it takes {shown}"
            answer = problem(405, detail, "method-not-allowed")
            answer.headers["Allow"] = shown
            return answer
        raise NotFoundError("no such API path; the API's paths are listed in /api/v1/openapi.json")

    router.include_router(meta)
    return router


ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods the app's other routes take on this request's path (empty: the path is unknown)."""
    here = request.scope.get("route")
    path, root = request.scope["path"], request.scope.get("root_path", "")
    path = path[len(root):] if root and path.startswith(root) else path  # as the routes match it (behind a proxy)
    found: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route is not here and route.methods and route.path_regex.match(path):
            found |= route.methods
    return sorted(found, key=lambda m: (ANY_METHOD.index(m) if m in ANY_METHOD else len(ANY_METHOD), m))


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
