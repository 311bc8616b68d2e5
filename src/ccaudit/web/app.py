"""The web workspace: `create_app(settings)` builds the FastAPI app `ccaudit serve` runs.

Routers are found, not listed: every module of `ccaudit.web.routes` that defines `router` (an APIRouter)
is included, in module-name order, and so is `ccaudit.web.api.router` when that package exists. The
AuditService's errors become HTTP answers here, once: PermissionDeniedError 403, NotFoundError 404,
a frozen audit, a workflow step out of order or a version conflict 409, any other CcauditError 400;
as a page for the browser, as `{"detail": message}` under /api/."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ccaudit.audit.context import Clock, utcnow
from ccaudit.audit.errors import (
    ConflictError,
    FrozenAuditError,
    NotFoundError,
    PermissionDeniedError,
    WorkflowError,
)
from ccaudit.audit.service import AuditService
from ccaudit.errors import CcauditError
from ccaudit.settings import Settings
from ccaudit.web import routes
from ccaudit.web.context import WebContext
from ccaudit.web.deps import LoginRequired, csrf_guard
from ccaudit.web.i18n import Texts
from ccaudit.web.methods import HeadWithoutBody, allowed_methods, pages_take_head
from ccaudit.web.mfa import Mfa
from ccaudit.web.pages.bodylimit import BodyLimit
from ccaudit.web.pages.forms import refusal
from ccaudit.web.reads import SharedReads
from ccaudit.web.render import make_templates, render
from ccaudit.web.security import SecurityHeaders
from ccaudit.web.serverkey import ServerKey
from ccaudit.web.sessions import Sessions
from ccaudit.web.throttle import Throttle

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("ccaudit.web")


def create_app(settings: Settings, service: AuditService | None = None, clock: Clock = utcnow) -> FastAPI:
    """The app on `settings.database_url()` (or on `service`, which the caller then closes)."""
    own_service = service is None
    svc = service or AuditService.open(settings, clock)
    key = ServerKey.load(settings)
    ctx = WebContext(
        settings=settings,
        service=svc,
        clock=clock,
        key=key,
        texts=Texts.load(),
        templates=make_templates(),
        sessions=Sessions(svc.db, settings, clock),
        mfa=Mfa(svc.db, key, clock),
        throttle=Throttle(svc.db, settings, clock),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_service:
            svc.close()

    app = FastAPI(
        title="ccaudit",
        summary="The annual audit of TWSE Article 12 (CC-21100): workspace and REST API",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI needs inline scripts the CSP refuses; the OpenAPI document is served
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
        lifespan=lifespan,
    )
    app.state.web = ctx
    app.add_middleware(SharedReads, db=svc.db)  # innermost: one read session per GET (web/reads.py)
    app.add_middleware(BodyLimit, max_bytes=settings.web_max_upload_mb * 1024 * 1024)  # before any body is read
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(HeadWithoutBody)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in discover_routers():
        pages_take_head(router.routes)  # a page answers HEAD like GET, without a body (web/methods.py)
        app.include_router(router)
    _error_handlers(app)
    return app


def app_from_environment() -> FastAPI:
    """The app on the settings of the environment (CCAUDIT_*): what each `ccaudit serve --workers N` process runs."""
    return create_app(Settings())


def discover_routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for module in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        router = getattr(importlib.import_module(f"{routes.__name__}.{module.name}"), "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    try:
        api = importlib.import_module("ccaudit.web.api")
    except ModuleNotFoundError as exc:
        if exc.name != "ccaudit.web.api":
            raise
    else:
        if isinstance(getattr(api, "router", None), APIRouter):
            found.append(api.router)
    return found


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    title_key = f"error_{status}" if status in ERROR_TITLES else "error_other"
    context = {"status": status, "message": message, "title_key": title_key}
    return render(request, "error.html", context, status_code=status)


ERROR_TITLES = (400, 401, 403, 404, 405, 409, 413, 422, 500)


STATUS_OF: list[tuple[type[CcauditError], int]] = [
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (FrozenAuditError, 409),
    (WorkflowError, 409),
    (ConflictError, 409),
]


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        where = exc.where
        if where == "/login" and request.method == "GET" and request.url.path not in ("/", "/login"):
            where = "/login?" + _next_query(request)
        if request.headers.get("hx-request"):  # htmx: a full-page redirect, not a fragment swap
            return Response(status_code=204, headers={"HX-Redirect": where})
        return RedirectResponse(where, status_code=303)

    @app.exception_handler(CcauditError)
    async def ccaudit_error(request: Request, exc: CcauditError) -> Response:
        status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
        return error_response(request, status, refusal(request, exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else ""
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        if exc.status_code == 405:  # every method the path takes (Starlette names only its first route's)
            response.headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'input'}: {e.get('msg', '')}" for e in exc.errors()
        )
        return error_response(request, 400, problems)


def _plain(errors: Any) -> Any:
    """Validation errors without the submitted values (`input`): a password or a token never echoes back."""
    return [{k: v for k, v in e.items() if k not in ("input", "ctx", "url")} for e in errors]


def _next_query(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlencode({"next": path})
