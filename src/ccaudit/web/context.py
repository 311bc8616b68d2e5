"""What the web app holds for its lifetime, built once by create_app and kept on `app.state.web`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.templating import Jinja2Templates

from ccaudit.audit.context import Clock
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings
from ccaudit.web.i18n import Texts
from ccaudit.web.mfa import Mfa
from ccaudit.web.serverkey import ServerKey
from ccaudit.web.sessions import Sessions
from ccaudit.web.throttle import Throttle


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    service: AuditService  # one per app: each call opens its own database session, so threads may share it
    clock: Clock
    key: ServerKey
    texts: Texts
    templates: Jinja2Templates
    sessions: Sessions
    mfa: Mfa
    throttle: Throttle
    cache: dict[Any, Any] = field(default_factory=dict)  # content read once per process (catalog labels)
