"""The caller's own API tokens: list, make (from a browser session only) and revoke."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError
from ccaudit.audit.people.tokens import TokenInfo
from ccaudit.web.api.auth import MAX_ID, Service, Who
from ccaudit.web.api.models import TokenCreated, TokenIn, TokenOut
from ccaudit.web.api.routing import api_router

router = api_router(["tokens"])

TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]


def token_out(t: TokenInfo, now: dt.datetime) -> TokenOut:
    return TokenOut(
        token_id=t.id, user_id=t.user_id, name=t.name, firm_id=t.firm_id, read_only=t.read_only,
        created_by=t.created_by, created_at=t.created_at, expires_at=t.expires_at, revoked_at=t.revoked_at,
        last_used_at=t.last_used_at, state=t.state_on(now),
    )  # fmt: skip


@router.get("/tokens", response_model=list[TokenOut], summary="The caller's API tokens (never the tokens themselves)")
def list_tokens(who: Who, svc: Service) -> list[TokenOut]:
    """A session: all of the user's tokens. A token: itself only (a pipeline's token is no way to the others)."""
    now = svc.clock()
    mine = svc.tokens.list_tokens(who.user_id)
    return [token_out(t, now) for t in mine if who.via == "session" or t.id == who.token_id]


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Make an API token acting as the caller (from a logged-in session; shown once)",
)
def create_token(body: TokenIn, who: Who, svc: Service) -> TokenCreated:
    if who.via != "session":
        raise PermissionDeniedError("an API token may not make tokens: log in, or use `ccaudit token create`")
    token, info = svc.tokens.create(who.user_id, body.name, firm_id=body.firm_id, read_only=body.read_only,
                                    expires_at=body.expires_at)  # fmt: skip
    return TokenCreated(token=token, info=token_out(info, svc.clock()))


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke one of the caller's tokens now")
def revoke_token(token_id: TokenId, who: Who, svc: Service) -> TokenOut:
    """A session: any of the user's tokens. A token: itself only (a leaked token cannot end the others)."""
    if who.via == "token" and token_id != who.token_id:
        raise NotFoundError(f"no token {token_id} of yours: a token may revoke only itself")
    info = svc.tokens.revoke(who.user_id, token_id)
    return token_out(info, svc.clock())
