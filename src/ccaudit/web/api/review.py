"""Sign-off through the API, with a signature made on the reviewer's own machine (the service's
`prepare_signoff` / `signoff_signed` / anchor path, the same as the browser's "sign on my machine"):

1. POST .../signoff/prepare: the digest the audit will have once signed off (nothing changes);
2. the reviewer signs it with their registered key: `ccaudit audit sign-digest DIGEST`;
3. POST .../signoff with the digest, the time it was prepared, the signature and a fresh TOTP code (the
   reviewer re-authenticates, as in the browser; wrong codes count towards the log-in lockout);
4. GET .../signoff/anchor-request, sign it with `ccaudit audit sign-digest --anchor FILE`, and POST
   .../signoff/anchor: the sign-off's trail anchor, written as the CLI writes it.

The server never sees the private key. Every rule (the reviewer role, independence from the preparer,
settled requirements, the registered key, the digest recomputed) is the service's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ccaudit.audit.errors import SigningError
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.web.api.auth import Audit, Service
from ccaudit.web.api.routing import api_router
from ccaudit.web.deps import web

router = api_router(["review"])

Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Signature = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9+/=\s]+$")]
Code = Annotated[str, StringConstraints(min_length=6, max_length=10, pattern=r"^[0-9 ]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignoffRequestOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audit_id: int
    reviewer: str
    signed_at: dt.datetime = Field(description="send it back with the signature")
    trail_head: str | None
    digest: str = Field(description="what to sign: ccaudit audit sign-digest DIGEST")
    key_fingerprint: str = Field(description="the reviewer's registered key, which must sign")
    command: str


class SignoffIn(_In):
    digest: Digest
    signed_at: dt.datetime = Field(description="as the prepared request gave it")
    signature: Signature = Field(description="what `ccaudit audit sign-digest DIGEST` printed (base64)")
    code: Code = Field(description="a fresh code from the reviewer's authenticator (TOTP)")


class SignedOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audit_id: int
    status: AuditStatus
    digest: str
    anchored: bool


class AnchorIn(_In):
    at: dt.datetime = Field(description="the time of the anchor request that was signed")
    signature: Signature


def _second_factor(request: Request, user_id: str, code: str) -> None:
    ctx = web(request)
    if ctx.throttle.locked(user_id):
        raise SigningError("too many wrong codes: this user is locked for a while; try again later")
    if not ctx.mfa.verify(user_id, "".join(code.split())):
        ctx.throttle.failed(user_id)
        raise SigningError("the authenticator code is wrong, expired or already used: send the current one")


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


@router.post(
    "/audits/{audit_id}/signoff/prepare",
    response_model=SignoffRequestOut,
    summary="The digest to sign on the reviewer's own machine (nothing changes)",
)
def prepare(audit: Audit, svc: Service) -> SignoffRequestOut:
    req = svc.prepare_signoff(audit.actor, audit.id)
    return SignoffRequestOut(
        audit_id=req.audit_id, reviewer=req.reviewer, signed_at=req.signed_at, trail_head=req.trail_head,
        digest=req.digest, key_fingerprint=req.key_fingerprint, command=f"ccaudit audit sign-digest {req.digest}",
    )  # fmt: skip


@router.post(
    "/audits/{audit_id}/signoff",
    response_model=SignedOut,
    summary="Sign off with the signature of the prepared digest and a fresh TOTP code",
)
def signoff(request: Request, audit: Audit, body: SignoffIn, svc: Service) -> SignedOut:
    _second_factor(request, audit.actor, body.code)
    digest = svc.signoff_signed(
        audit.actor, audit.id, _utc(body.signed_at), body.digest, "".join(body.signature.split())
    )
    return SignedOut(
        audit_id=audit.id, status=AuditStatus.SIGNED, digest=digest, anchored=svc.signoff_anchored(audit.id)
    )


ANCHOR_REQUEST = {
    "description": "the anchor, unsigned: sign it with ccaudit audit sign-digest --anchor FILE",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@router.get(
    "/audits/{audit_id}/signoff/anchor-request",
    response_class=Response,
    responses={
        200: {
            "description": "the anchor, unsigned: sign it with ccaudit audit sign-digest --anchor FILE",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    summary="The sign-off's trail anchor to sign on the reviewer's machine",
)
def anchor_request(
    audit: Audit, svc: Service, at: Annotated[dt.datetime | None, Query(description="default: now")] = None
) -> Response:
    anchor = svc.signoff_anchor_request(audit.actor, audit.id, _utc(at) if at else None)
    return Response(anchor.to_bytes(), media_type="application/json")


@router.post("/audits/{audit_id}/signoff/anchor", response_model=SignedOut, summary="Write the signed trail anchor")
def anchor(audit: Audit, body: AnchorIn, svc: Service) -> SignedOut:
    svc.anchor_signoff_signed(audit.actor, audit.id, _utc(body.at), "".join(body.signature.split()))
    snap = svc.snapshot(audit.id, audit.actor)
    return SignedOut(audit_id=audit.id, status=snap.status, digest=snap.signoff.digest or "", anchored=True)
