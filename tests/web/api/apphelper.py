"""The app the API tests talk to: the web app itself (pages, sessions, CSRF guard, headers and the API)."""

from __future__ import annotations

from fastapi import FastAPI

from ccaudit.audit.context import Clock
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings
from ccaudit.web.app import create_app


def make_app(settings: Settings, service: AuditService, clock: Clock) -> FastAPI:
    return create_app(settings, service, clock)
