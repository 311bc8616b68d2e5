"""A firm's inspector grants: its admins give a user read-only access until a date, and end it early.
The service enforces who may (the matrix's `manage`) and writes each change to the trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.errors import CcauditError
from ccaudit.web.deps import CurrentUser, Service, Web
from ccaudit.web.pages.forms import refusal
from ccaudit.web.render import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, svc: Service, user_id: str, firm_id: str, problem: str = "", status: int = 200) -> Response:
    grants = svc.inspector_grants(user_id, firm_id)
    names = dict(svc.list_firms())
    context = {"firm_id": firm_id, "firm_name": names.get(firm_id, firm_id), "grants": grants, "problem": problem}
    return render(request, "inspectors.html", context, status)


@router.get("/firms/{firm_id}/inspectors")
def inspectors(request: Request, firm_id: str, user: CurrentUser, svc: Service) -> Response:
    return _page(request, svc, user.id, firm_id)


@router.post("/firms/{firm_id}/inspectors")
def grant(
    request: Request,
    firm_id: str,
    user: CurrentUser,
    svc: Service,
    ctx: Web,
    inspector: Annotated[str, Form(max_length=64)],
    until: Annotated[str, Form(max_length=40)],
) -> Response:
    """Access through the day `until` (ISO or ROC), ending at midnight in the firm's zone."""
    try:
        last = parse_user_date(until)
    except DateInputError as exc:
        return _page(request, svc, user.id, firm_id, refusal(request, exc), 400)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), ZoneInfo(ctx.settings.firm_timezone))
    try:
        svc.grant_inspector(user.id, inspector.strip(), firm_id, end.astimezone(dt.UTC))
    except PermissionDeniedError:
        raise
    except CcauditError as exc:  # an unknown user, a day already past: said on the form
        return _page(request, svc, user.id, firm_id, refusal(request, exc), 400)
    return RedirectResponse(f"/firms/{firm_id}/inspectors", status_code=303)


@router.post("/firms/{firm_id}/inspectors/{inspector}/revoke")
def revoke(request: Request, firm_id: str, inspector: str, user: CurrentUser, svc: Service) -> Response:
    svc.revoke_inspector(user.id, inspector, firm_id)
    return RedirectResponse(f"/firms/{firm_id}/inspectors", status_code=303)
