"""Review and sign-off in the browser, as trustworthy as the CLI's: submit, return to draft, and sign-off
by a reviewer who types a fresh TOTP code and signs with their own registered Ed25519 key, either

- on their own machine (the default, see docs/web-pages.md): the page shows the exact digest the audit
  will have and the command `ccaudit audit sign-digest DIGEST` that signs it; the reviewer pastes or
  uploads the signature, the service recomputes the digest and checks the signature with the registered
  key, then the trail anchor is signed the same way; or
- with the key the server keeps sealed under the reviewer's passphrase (sealed_keys): the passphrase
  opens it for this one sign-off, and the service signs and anchors exactly as `ccaudit audit signoff`.

Every rule (roles, independence, settled requirements, the registered key) is the service's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ccaudit.audit.errors import AuditError, SigningError
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.workflow.review import SignoffRequest
from ccaudit.errors import CcauditError
from ccaudit.textsafe import visible
from ccaudit.web.deps import CurrentUser, Service, Web, WebUser
from ccaudit.web.pages.forms import refusal, status_of
from ccaudit.web.pages.views import Can, day, instant
from ccaudit.web.render import render

router = APIRouter(include_in_schema=False)
DONE = frozenset({"submitted", "returned", "signed", "anchored", "key", "confirmed"})
Secret = Annotated[str, Form(max_length=1000)]
NOT_TEXT = "the signature file is not text: upload what `ccaudit audit sign-digest` wrote"
MAX_SIGNATURE = 200  # base64 of a 64-byte Ed25519 signature is 88 characters


def _page(
    request: Request, svc: Service, ctx: Web, user: WebUser, audit_id: int, *, error: str | None = None,
    status: int = 200, done: str | None = None, prepared: SignoffRequest | None = None,
) -> Response:
    snap = svc.snapshot(audit_id, user.id)
    registered, sealed = svc.sealed_key_status(user.id)
    signed = snap.status == AuditStatus.SIGNED
    context = {
        "snap": snap, "can": Can.of(svc, user.id, user.is_superuser, snap), "error": error,
        "done": done if done in DONE else None, "open": [] if signed else svc.open_requirements(user.id, audit_id),
        "registered": registered, "sealed": sealed, "prepared": prepared,
        "anchored": svc.signoff_anchored(audit_id) if signed else False, "anchor_at": ctx.clock(),
        "default_mode": ctx.settings.web_signoff_default, "day": day, "instant": instant,
        "iso": lambda value: value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }  # fmt: skip
    return render(request, "pages/review.html", context, status_code=status)


def _back(audit_id: int, what: str) -> Response:
    return RedirectResponse(f"/audits/{int(audit_id)}/review?done={what}", status_code=303)


@router.get("/audits/{audit_id}/review")
def review(
    request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web, done: str | None = None,
    prepare: bool = False,
) -> Response:
    """The review page; `?prepare=1` (a reviewer) adds the digest to sign on one's own machine."""
    if not prepare:
        return _page(request, svc, ctx, user, audit_id, done=done)
    try:
        prepared = svc.prepare_signoff(user.id, audit_id)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _page(request, svc, ctx, user, audit_id, prepared=prepared)


@router.post("/audits/{audit_id}/review/submit")
def submit(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    try:
        svc.submit(user.id, audit_id)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "submitted")


@router.post("/audits/{audit_id}/review/confirm-derived")
def confirm_derived(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    """Confirm every derived result still unassessed, one trail entry each (`audit assess --all-derived`)."""
    try:
        svc.confirm_derived(user.id, audit_id)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "confirmed")


@router.post("/audits/{audit_id}/review/return")
def return_to_draft(
    request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        svc.return_to_draft(user.id, audit_id, note)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "returned")


def _second_factor(ctx: Web, user: WebUser, code: str) -> None:
    """The reviewer types a fresh TOTP code at sign-off (a code is accepted once; failures count towards
    the log-in lockout, so the form cannot be used to guess codes)."""
    if ctx.throttle.locked(user.id):
        raise SigningError("too many wrong codes: this user is locked for a while; try again later")
    if not ctx.mfa.verify(user.id, code.strip()):
        ctx.throttle.failed(user.id)
        raise SigningError("the authenticator code is wrong, expired or already used: type the current one")


@router.post("/audits/{audit_id}/review/signoff-sealed")
def signoff_sealed(
    request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web,
    code: Annotated[str, Form(max_length=20)], passphrase: Secret,
) -> Response:
    try:
        svc.check_signoff(user.id, audit_id)
        _second_factor(ctx, user, code)
        svc.signoff_sealed(user.id, audit_id, passphrase)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "signed")


async def _signature(request: Request) -> str:
    """The signature pasted (`signature`) or uploaded as the file `ccaudit audit sign-digest --out` wrote."""
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("signature_file")
    text = form.get("signature")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_SIGNATURE + 1)
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise SigningError(NOT_TEXT) from None
    value = "".join(str(text or "").split())
    if not value or len(value) > MAX_SIGNATURE:
        raise SigningError("paste the signature `ccaudit audit sign-digest` printed (88 characters) or upload it")
    return value


def _when(value: str, what: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise AuditError(f"the {what} time {visible(value)!r} is not one: prepare it again") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@router.post("/audits/{audit_id}/review/signoff-signed")
async def signoff_signed(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form(max_files=1, max_fields=10)
    try:
        await run_in_threadpool(svc.check_signoff, user.id, audit_id)
        signature = await _signature(request)
        _second_factor(ctx, user, str(form.get("code") or "")[:20])
        signed_at = _when(str(form.get("signed_at") or "")[:40], "prepared")
        digest = str(form.get("digest") or "")[:64]
        await run_in_threadpool(svc.signoff_signed, user.id, audit_id, signed_at, digest, signature)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "signed")


@router.get("/audits/{audit_id}/review/anchor-request.json")
def anchor_request(
    audit_id: int, user: CurrentUser, svc: Service, at: Annotated[str, Query(max_length=40)]
) -> Response:
    """The sign-off's anchor made `at` (the time the page put in its form), unsigned, for
    `ccaudit audit sign-digest --anchor FILE`."""
    anchor = svc.signoff_anchor_request(user.id, audit_id, _when(at, "anchor request"))
    return Response(anchor.to_bytes(), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="ccaudit-audit{int(audit_id)}-anchor-request.json"'})


@router.post("/audits/{audit_id}/review/anchor")
async def anchor(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    try:
        signature = await _signature(request)
        at = _when(str(form.get("at") or "")[:40], "anchor request")
        svc.anchor_signoff_signed(user.id, audit_id, at, signature)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "anchored")


@router.post("/audits/{audit_id}/review/key/create")
def create_key(
    request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web, passphrase: Secret, again: Secret,
) -> Response:
    """A first signing key made by the server, registered and sealed under the reviewer's passphrase."""
    try:
        if passphrase != again:
            raise SigningError("the two passphrases differ: type the same passphrase twice")
        svc.create_sealed_key(user.id, passphrase)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "key")


@router.post("/audits/{audit_id}/review/key/seal")
async def seal_key(request: Request, audit_id: int, user: CurrentUser, svc: Service, ctx: Web) -> Response:
    """Seal the reviewer's registered key, uploaded as its PEM file, under a passphrase."""
    form = await request.form(max_files=1, max_fields=10)
    try:
        upload = form.get("key_file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise SigningError("choose your private key file (PEM) to seal")
        pem = await upload.read(16_384)
        passphrase, again = str(form.get("passphrase") or ""), str(form.get("again") or "")
        if passphrase != again:
            raise SigningError("the two passphrases differ: type the same passphrase twice")
        svc.seal_key(user.id, pem, str(form.get("file_passphrase") or "") or None, passphrase)
    except CcauditError as exc:
        return _page(request, svc, ctx, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return _back(audit_id, "key")
