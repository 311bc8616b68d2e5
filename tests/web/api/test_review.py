"""Review through the API: the auditor settles and submits, the reviewer returns it once, then signs off
with a signature made on their own machine and a fresh TOTP code, and anchors the sign-off; the audit
is then frozen (409) and the database verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp

from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.signing import load_private_key, sign_digest

from .conftest import World

V1 = "/api/v1/audits/{audit}"


def call(world: World, method: str, user: str, path: str, json: object = None) -> tuple[int, Any]:
    response = world.client.request(method, V1.format(audit=world.audit) + path, json=json,
                                    headers=world.as_user(user))  # fmt: skip
    return response.status_code, response.json()


def totp_for(world: World, user: str) -> pyotp.TOTP:
    """Enrol the user's authenticator (as the web app's enrolment page does) and return it."""
    mfa = world.client.app.state.web.mfa  # type: ignore[attr-defined]
    totp = pyotp.TOTP(mfa.pending_secret(user))
    assert mfa.confirm(user, totp.at(world.clock() - dt.timedelta(seconds=30)))
    return totp


def settle_and_submit(world: World) -> None:
    status, confirmed = call(world, "POST", "auditor_a", "/assessments/confirm-derived")
    assert status == 200, confirmed
    for requirement_id in confirmed["left"]:
        status, deferred = call(world, "POST", "auditor_a", f"/requirements/{requirement_id}/defer",
                                {"justification": "evidence requested; assessed in the follow-up"})  # fmt: skip
        assert status == 200, deferred
    for item in world.service.snapshot(world.audit).remediation:
        status, done = call(world, "PATCH", "auditor_a", f"/remediation/{item.item_id}", {"due_date": "2027-03-31"})
        assert status == 200, done
    assert call(world, "POST", "auditor_a", "/submit") == (200, {"audit_id": world.audit, "status": "submitted"})


def test_return_then_sign_off_on_the_reviewers_machine_and_anchor(world: World) -> None:
    settle_and_submit(world)
    back = call(world, "POST", "reviewer_a", "/return", {"note": "attach the MFA policy memo"})
    assert back == (200, {"audit_id": world.audit, "status": "draft"})
    assert call(world, "POST", "auditor_a", "/submit")[0] == 200

    assert call(world, "POST", "auditor_a", "/signoff/prepare")[0] == 403  # the preparer never signs
    status, prepared = call(world, "POST", "reviewer_a", "/signoff/prepare")
    assert status == 200, prepared
    assert prepared["command"] == f"ccaudit audit sign-digest {prepared['digest']}"
    key = load_private_key(world.bob_key)
    signature = sign_digest(key, prepared["digest"])
    body = {"digest": prepared["digest"], "signed_at": prepared["signed_at"], "signature": signature}

    totp = totp_for(world, "reviewer_a")
    status, wrong = call(world, "POST", "reviewer_a", "/signoff", body | {"code": "000000"})
    assert status == 422 and "authenticator code" in wrong["detail"]
    assert world.service.snapshot(world.audit).status == "submitted"
    code = totp.at(world.clock() + dt.timedelta(seconds=30))
    status, signed = call(world, "POST", "reviewer_a", "/signoff", body | {"code": code})
    assert status == 200, signed
    assert signed["digest"] == prepared["digest"] and signed["anchored"] is False
    snap = world.service.snapshot(world.audit)
    assert snap.status == "signed" and snap.signoff.signature == signature and snap.signoff.reviewer == "reviewer_a"

    at = world.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    request = world.client.get(V1.format(audit=world.audit) + "/signoff/anchor-request", params={"at": at},
                               headers=world.as_user("reviewer_a"))  # fmt: skip
    assert request.status_code == 200, request.text
    anchor_signature = anchors.parse(request.content).signed_with(key).signature
    status, anchored = call(world, "POST", "reviewer_a", "/signoff/anchor", {"at": at, "signature": anchor_signature})
    assert status == 200 and anchored["anchored"] is True, anchored

    status, frozen = call(world, "POST", "auditor_a", "/requirements/12.5.5/assessment", {"result": None})
    assert status == 409 and "frozen" in frozen["detail"]
    assert world.service.verify(check_files=True, anchor_dir=world.settings.anchor_path()).ok
