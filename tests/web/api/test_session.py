"""The API from a logged-in browser session: reads work on the cookie; a change needs the session's CSRF
token (a page on another site cannot ride on the cookie); and a request carrying an Authorization header
is judged by that header alone, never by the cookie."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


def log_in(world: World, user: str) -> tuple[TestClient, str]:
    """A browser session for a user whose roles need no second factor; returns (client, CSRF token)."""
    world.service.set_password("root", user, PASSWORD)
    client = world.client
    page = client.get("/login")
    token = CSRF.search(page.text)
    assert token, page.text
    done = client.post("/login", data={"user": user, "password": PASSWORD, "csrf_token": token.group(1)},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    home = client.get("/")
    csrf = CSRF.search(home.text)
    assert csrf, home.text
    return client, csrf.group(1)


def test_a_session_reads_and_changes_only_with_its_csrf_token(world: World) -> None:
    client, csrf = log_in(world, "control_owner_a")
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["authenticated_by"] == "session"
    item = world.service.snapshot(world.audit).remediation[0]
    url = f"/api/v1/audits/{world.audit}/remediation/{item.item_id}"
    refused = client.patch(url, json={"note": "fixed the MFA policy"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "CSRF" in refused.json()["detail"]
    assert client.patch(url, json={"note": "x"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert world.service.snapshot(world.audit).remediation[0].notes == []
    ok = client.patch(url, json={"note": "fixed the MFA policy"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text
    notes = world.service.snapshot(world.audit).remediation[0].notes
    assert notes[-1].endswith("control_owner_a: fixed the MFA policy")


def test_an_authorization_header_is_judged_alone_never_the_cookie(world: World) -> None:
    client, csrf = log_in(world, "control_owner_a")
    item = world.service.snapshot(world.audit).remediation[0]
    url = f"/api/v1/audits/{world.audit}/remediation/{item.item_id}"
    bad = {"Authorization": "Bearer cca_revoked-or-made-up", "X-CSRF-Token": csrf}
    assert client.get("/api/v1/me", headers=bad).status_code == 401
    assert client.patch(url, json={"note": "x"}, headers=bad).status_code == 401
    viewer = client.get("/api/v1/me", headers=world.as_user("viewer_a"))
    assert viewer.json()["user_id"] == "viewer_a" and viewer.json()["authenticated_by"] == "token"
    assert world.service.snapshot(world.audit).remediation[0].notes == []


def test_without_session_or_token_the_api_answers_401_not_a_page(world: World) -> None:
    response = world.client.get(f"/api/v1/audits/{world.audit}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["x-content-type-options"] == "nosniff"  # the app's security headers apply
