"""API tokens through HTTP: a token acts as its user and never more; its firm limit, read-only flag,
expiry and revocation each hold; making and revoking one is in the trail, the token itself nowhere."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from ccaudit.audit.people.tokens import token_hash
from ccaudit.audit.storage.models import ApiToken, TrailEntry

from .conftest import FIRM, World, user_of

ASSESS = "/api/v1/audits/{audit}/requirements/12.5.5/assessment"
CONFIRM = {"result": None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def trail_actions(world: World) -> list[str]:
    with world.service.db.read() as s:
        return [e.action for e in s.scalars(select(TrailEntry).order_by(TrailEntry.seq))]


def test_a_token_acts_as_its_user_with_their_roles(world: World) -> None:
    me = world.client.get("/api/v1/me", headers=world.as_user(user_of("viewer"))).json()
    assert me["user_id"] == "viewer_a" and me["authenticated_by"] == "token"
    assert me["roles"] == {FIRM: ["viewer"]}
    # a viewer's token reads, but may not assess: the user's roles, never more
    assert world.client.get(f"/api/v1/audits/{world.audit}", headers=world.as_user("viewer_a")).status_code == 200
    refused = world.client.post(ASSESS.format(audit=world.audit), json=CONFIRM, headers=world.as_user("viewer_a"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "needs the admin or auditor role" in refused.json()["detail"]


def test_a_firm_limited_token_reaches_nothing_of_other_firms(world: World) -> None:
    svc = world.service
    svc.grant("root", "reviewer_a", "9B00", "viewer")
    # the reviewer is also a viewer of 9B00: a full token reads its audit, a 9A00 token does not
    assert (
        world.client.get(f"/api/v1/audits/{world.other_audit}", headers=world.as_user("reviewer_a")).status_code == 200
    )
    token, info = svc.tokens.create("reviewer_a", "9A00 only", firm_id=FIRM)
    assert info.firm_id == FIRM
    headers = bearer(token)
    refused = world.client.get(f"/api/v1/audits/{world.other_audit}", headers=headers)
    assert refused.status_code == 403
    assert "limited to firm 9A00" in refused.json()["detail"]
    rows = f"/api/v1/audits/{world.other_audit}/checks/remote_login_used_mfa/rows"
    assert world.client.get(rows, headers=headers).status_code == 403
    assert [a["firm_id"] for a in world.client.get("/api/v1/audits", headers=headers).json()] == [FIRM]
    assert [f["firm_id"] for f in world.client.get("/api/v1/firms", headers=headers).json()] == [FIRM]
    assert world.client.get("/api/v1/me", headers=headers).json()["roles"] == {FIRM: ["reviewer"]}
    assert world.client.get(f"/api/v1/audits/{world.audit}", headers=headers).status_code == 200


def test_a_firm_limited_token_may_not_reach_another_firms_item_through_its_own_audit(world: World) -> None:
    svc = world.service
    svc.grant("root", "auditor_a", "9B00", "auditor")
    token, _ = svc.tokens.create("auditor_a", "9A00 only", firm_id=FIRM)
    other_item = svc.snapshot(world.other_audit).remediation[0].item_id
    url = f"/api/v1/audits/{world.audit}/remediation/{other_item}"
    response = world.client.patch(url, json={"note": "moved"}, headers=bearer(token))
    assert response.status_code == 404
    assert svc.snapshot(world.other_audit).remediation[0].notes == []


def test_a_read_only_token_reads_and_changes_nothing(world: World) -> None:
    token, _ = world.service.tokens.create("auditor_a", "dashboard", read_only=True)
    assert world.client.get(f"/api/v1/audits/{world.audit}", headers=bearer(token)).status_code == 200
    before = trail_actions(world)
    refused = world.client.post(ASSESS.format(audit=world.audit), json=CONFIRM, headers=bearer(token))
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert trail_actions(world) == before
    # the same user's full token may
    ok = world.client.post(ASSESS.format(audit=world.audit), json=CONFIRM, headers=world.as_user("auditor_a"))
    assert ok.status_code == 200, ok.text


def test_an_expired_token_is_refused(world: World) -> None:
    expires = world.clock() + dt.timedelta(days=1)
    token, _ = world.service.tokens.create("auditor_a", "one day", expires_at=expires)
    assert world.client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    world.clock.shift = dt.timedelta(days=1)
    refused = world.client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert "unknown, expired or revoked" in refused.json()["detail"]


def test_a_revoked_token_is_refused_and_both_ends_are_in_the_trail(world: World) -> None:
    token, info = world.service.tokens.create("auditor_a", "to revoke")
    assert world.client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    revoked = world.client.delete(f"/api/v1/tokens/{info.id}", headers=bearer(token))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert world.client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    actions = trail_actions(world)
    assert actions.count("token.create") == len(world.tokens) + 1 and actions[-1] == "token.revoke"
    with world.service.db.read() as s:
        trail_text = " ".join(f"{e.before} {e.after}" for e in s.scalars(select(TrailEntry)))
        stored = s.scalar(select(ApiToken.token_hash).where(ApiToken.id == info.id))
    assert token not in trail_text and token_hash(token) == stored and stored not in trail_text
    assert world.service.verify(check_files=False).ok


def test_tokens_are_listed_without_their_secret_and_last_use_is_kept(world: World) -> None:
    second, info = world.service.tokens.create("auditor_a", "second pipeline", firm_id=FIRM)
    listed = world.client.get("/api/v1/tokens", headers=world.as_user("auditor_a"))
    assert listed.status_code == 200
    (mine,) = listed.json()  # a token sees itself only, not the user's other tokens
    assert mine["user_id"] == "auditor_a" and mine["state"] == "active" and mine["last_used_at"] is not None
    assert world.tokens["auditor_a"] not in listed.text and "hash" not in listed.text
    # nor may it end them, and another user's token is not even named
    sibling = world.client.delete(f"/api/v1/tokens/{info.id}", headers=world.as_user("auditor_a"))
    assert sibling.status_code == 404 and "may revoke only itself" in sibling.json()["detail"]
    other = world.client.delete(f"/api/v1/tokens/{mine['token_id']}", headers=world.as_user("viewer_a"))
    assert other.status_code == 404
    assert world.client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_a_token_may_not_make_tokens(world: World) -> None:
    made = world.client.post("/api/v1/tokens", json={"name": "more"}, headers=world.as_user("root"))
    assert made.status_code == 403
    assert "may not make tokens" in made.json()["detail"]


def test_bad_credentials_are_401_problems(world: World) -> None:
    for headers in ({}, {"Authorization": "Basic cm9vdDpyb290"}, bearer("cca_not-a-token"), bearer("x" * 5000)):
        response = world.client.get("/api/v1/audits", headers=headers)
        assert response.status_code == 401, headers
        body = response.json()
        assert body["status"] == 401 and body["title"] == "Not authenticated"
        assert "x" * 100 not in json.dumps(body)  # what was sent is never echoed


def test_an_inspector_reads_while_the_grant_lasts_and_nothing_after(world: World) -> None:
    headers = world.as_user(user_of("inspector"))
    assert world.client.get("/api/v1/me", headers=headers).json()["roles"] == {FIRM: ["inspector"]}
    assert world.client.get(f"/api/v1/audits/{world.audit}", headers=headers).status_code == 200
    refused = world.client.post(ASSESS.format(audit=world.audit), json=CONFIRM, headers=headers)
    assert refused.status_code == 403  # read-only, whatever the token allows
    world.clock.shift = dt.timedelta(days=31)  # the grant ended (the token has no expiry)
    assert world.client.get(f"/api/v1/audits/{world.audit}", headers=headers).status_code == 403
    assert world.client.get("/api/v1/firms", headers=headers).json() == []
