"""Every API router is made here: problem documents for errors, the error responses declared."""

from __future__ import annotations

from fastapi import APIRouter

from ccaudit.web.api.problems import RESPONSES, ProblemRoute


def api_router(tags: list[str]) -> APIRouter:
    return APIRouter(route_class=ProblemRoute, responses=dict(RESPONSES), tags=list(tags))
