"""Who calls the API: an API token (`Authorization: Bearer cca_…`) or a logged-in browser session.

- A request with an Authorization header is a token client: only the token counts, never a cookie
  (the web app's CSRF guard lets such requests through for that reason). An unknown, expired or
  revoked token, or another scheme, is 401. A read-only token is refused every change (403).
- Without one, the web app's session (password and second factor complete) counts; a change made
  with a session must carry the session's CSRF token in `X-CSRF-Token`, so a page on another site
  cannot ride on the cookie.
- Either way the caller acts as its user through the AuditService (`actor=user_id`): the service
  decides what that user's roles allow. A token limited to one firm is also refused everything of
  other firms; each route reaches an audit only through `scoped_audit`, which checks that.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Path, Request

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.audit.service import AuditService
from ccaudit.audit.workflow.guard import load_audit
from ccaudit.web.deps import get_service, optional_user
from ccaudit.web.security import CSRF_HEADER, SAFE_METHODS

MAX_ID = 2**31 - 1  # IDs are 32-bit in every database ccaudit runs on


@dataclass(frozen=True)
class Caller:
    """The user a request acts as, and how it is narrowed (by its token)."""

    user_id: str
    via: Literal["token", "session"]
    token_id: int | None = None
    firm_id: str | None = None  # a token limited to this firm
    read_only: bool = False

    def require_firm(self, firm_id: str) -> None:
        if self.firm_id is not None and firm_id != self.firm_id:
            raise PermissionDeniedError(f"this API token is limited to firm {self.firm_id}, not {firm_id}")

    def sees_firm(self, firm_id: str) -> bool:
        return self.firm_id is None or firm_id == self.firm_id


def session_user(request: Request) -> tuple[str, str] | None:
    """(user ID, CSRF secret) of the request's complete browser session (password and second factor), if any."""
    user = optional_user(request)
    return None if user is None else (user.id, user.csrf_token)


def caller(request: Request, svc: Annotated[AuditService, Depends(get_service)]) -> Caller:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "use an API token: Authorization: Bearer <token> (ccaudit token create)")
        grant = svc.tokens.authenticate(value.strip())
        if grant is None:
            raise HTTPException(401, "this API token is unknown, expired or revoked")
        request.state.api_user = grant.user_id  # whose language setting the answer follows (web/api/lang.py)
        if grant.read_only and request.method not in SAFE_METHODS:
            raise HTTPException(403, "this API token is read-only: it may not change anything")
        return Caller(grant.user_id, "token", grant.token_id, grant.firm_id, grant.read_only)
    found = session_user(request)
    if found is None:
        raise HTTPException(401, "log in, or send an API token: Authorization: Bearer <token>")
    user_id, csrf_secret = found
    given = request.headers.get(CSRF_HEADER)
    if request.method not in SAFE_METHODS and not (given and hmac.compare_digest(csrf_secret.encode(), given.encode())):
        raise HTTPException(403, "csrf")
    return Caller(user_id, "session")


Who = Annotated[Caller, Depends(caller)]
Service = Annotated[AuditService, Depends(get_service)]
AuditId = Annotated[int, Path(ge=1, le=MAX_ID, description="the audit's ID")]


@dataclass(frozen=True)
class ScopedAudit:
    id: int
    firm_id: str
    actor: str


def scoped_audit(audit_id: AuditId, who: Who, svc: Service) -> ScopedAudit:
    """The audit named in the path, once the caller's token scope admits its firm (the service then
    checks the user's roles on every call)."""
    with svc.db.read() as s:
        audit = load_audit(s, audit_id)
        firm_id = audit.firm_id
    who.require_firm(firm_id)
    return ScopedAudit(audit_id, firm_id, who.user_id)


Audit = Annotated[ScopedAudit, Depends(scoped_audit)]
