"""Review and sign-off in the browser: submit and return, then sign-off by a second user who re-types a
TOTP code and signs with their own registered key, on their own machine (the digest shown, the
signature uploaded, then the anchor) or with the key the server keeps sealed under their passphrase.
Afterwards the audit is visibly read-only and every change is refused by the service."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.signing import load_private_key, sign_digest
from ccaudit.audit.snapshot import AuditStatus

from .conftest import Env, token

FORM = re.compile(r'<form method="post"[^>]*action="(?P<action>[^"]+)"')


def settle(env: Env) -> None:
    """What alice does on the requirement pages before submitting (tested there), done directly."""
    svc = env.service
    _, left = svc.confirm_derived("alice", env.audit_id)
    for requirement_id in left:
        svc.defer("alice", env.audit_id, requirement_id, "evidence requested; assessed in the follow-up")
    for item in svc.snapshot(env.audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))


def review(env: Env, client: TestClient, query: str = "") -> str:
    response = client.get(f"/audits/{env.audit_id}/review{query}")
    assert response.status_code == 200, response.text
    return response.text


def submit(env: Env) -> None:
    settle(env)
    alice = env.login("alice")
    html = review(env, alice)
    done = alice.post(f"/audits/{env.audit_id}/review/submit", data={"csrf_token": token(html)})
    assert done.status_code == 303
    assert env.service.snapshot(env.audit_id).status == AuditStatus.SUBMITTED


def test_submit_refused_while_requirements_are_open_then_returned_with_a_note(env: Env) -> None:
    alice = env.login("alice")
    html = review(env, alice)
    assert 'data-testid="open-requirements"' in html
    refused = alice.post(f"/audits/{env.audit_id}/review/submit", data={"csrf_token": token(html)})
    assert refused.status_code == 409 and "assess" in refused.text
    submit(env)
    bob = env.login("bob")
    html = review(env, bob)
    assert 'data-testid="return-form"' in html and 'data-testid="signoff"' in html
    no_note = bob.post(f"/audits/{env.audit_id}/review/return", data={"note": " ", "csrf_token": token(html)})
    assert no_note.status_code == 400
    back = bob.post(f"/audits/{env.audit_id}/review/return", data={"note": "add WP-14", "csrf_token": token(html)})
    assert back.status_code == 303 and env.service.snapshot(env.audit_id).status == AuditStatus.DRAFT


def test_signoff_on_own_machine_with_totp_then_anchor_and_read_only(env: Env) -> None:
    submit(env)
    bob = env.login("bob")
    html = review(env, bob, "?prepare=1")
    digest = re.search(r'data-testid="prepared-digest">([0-9a-f]{64})<', html)
    assert digest and f"ccaudit audit sign-digest {digest.group(1)}" in html
    signed_at = re.search(r'name="signed_at" value="([^"]+)"', html)
    assert signed_at
    key = load_private_key(env.keys["bob"])
    form = {"digest": digest.group(1), "signed_at": signed_at.group(1), "csrf_token": token(html)}
    path = f"/audits/{env.audit_id}/review/signoff-signed"
    wrong = bob.post(path, data={**form, "code": "000000", "signature": sign_digest(key, digest.group(1))})
    assert wrong.status_code == 400 and "authenticator code" in wrong.text
    assert env.service.snapshot(env.audit_id).status == AuditStatus.SUBMITTED
    signature = sign_digest(key, digest.group(1)).encode()  # uploaded as the file sign-digest --out wrote
    done = bob.post(path, data={**form, "code": env.code("bob")},
                    files={"signature_file": ("signature.txt", signature + b"\n", "text/plain")})
    assert done.status_code == 303, done.text
    snap = env.service.snapshot(env.audit_id)
    assert snap.status == AuditStatus.SIGNED and snap.signoff.digest == digest.group(1)

    html = review(env, bob)
    assert 'data-testid="anchor-state"' in html and "not written yet" in html
    request_url = re.search(r'href="(/audits/\d+/review/anchor-request\.json\?at=[^"]+)"', html)
    assert request_url
    request = bob.get(request_url.group(1).replace("&amp;", "&"))
    assert request.status_code == 200 and "attachment" in request.headers["content-disposition"]
    anchor = anchors.parse(request.content).signed_with(key)
    at = re.search(r'name="at" value="([^"]+)"', html)
    assert at
    written = bob.post(f"/audits/{env.audit_id}/review/anchor",
                       data={"at": at.group(1), "signature": anchor.signature, "csrf_token": token(html)})
    assert written.status_code == 303, written.text
    assert env.service.signoff_anchored(env.audit_id)
    assert env.service.verify(anchor_dir=env.settings.anchor_path()).ok

    alice = env.login("alice")
    page = alice.get(f"/audits/{env.audit_id}/requirements/12.5.5").text
    assert 'data-testid="frozen-banner"' in page
    assert [m for m in FORM.findall(page) if m not in ("/prefs/lang", "/logout")] == []  # no forms at all
    refused = alice.post(f"/audits/{env.audit_id}/requirements/12.5.5/assess",
                         data={"action": "confirm", "csrf_token": token(page)})
    assert refused.status_code == 409 and "frozen" in refused.text
    evidence = alice.get(f"/audits/{env.audit_id}/evidence").text
    assert 'data-testid="upload-form"' not in evidence and 'data-testid="run-form"' not in evidence


def test_sealed_key_created_on_the_page_signs_off_with_passphrase_and_totp(env: Env) -> None:
    submit(env)
    rita = env.login("rita")
    html = review(env, rita)
    assert 'data-testid="key-create-form"' in html  # rita has no key yet
    short = rita.post(f"/audits/{env.audit_id}/review/key/create",
                      data={"passphrase": "short", "again": "short", "csrf_token": token(html)})
    assert short.status_code == 400 and "at least 12" in short.text
    made = rita.post(f"/audits/{env.audit_id}/review/key/create",
                     data={"passphrase": "rita's long passphrase", "again": "rita's long passphrase",
                           "csrf_token": token(html)})
    assert made.status_code == 303
    html = review(env, rita)
    assert 'data-testid="sealed-form"' in html
    path = f"/audits/{env.audit_id}/review/signoff-sealed"
    wrong = rita.post(path, data={"passphrase": "not the passphrase", "code": env.code("rita"),
                                  "csrf_token": token(html)})
    assert wrong.status_code == 400 and "wrong passphrase" in wrong.text
    assert "not the passphrase" not in wrong.text
    done = rita.post(path, data={"passphrase": "rita's long passphrase", "code": env.code("rita"),
                                 "csrf_token": token(html)})
    assert done.status_code == 303, done.text
    snap = env.service.snapshot(env.audit_id)
    assert snap.status == AuditStatus.SIGNED and snap.signoff.reviewer == "rita"
    assert env.service.signoff_anchored(env.audit_id)  # anchored at once, as on the CLI
    assert "written" in review(env, rita)


def test_the_preparer_and_a_viewer_cannot_sign_off(env: Env) -> None:
    submit(env)
    for user in ("alice", "vera"):
        client = env.login(user)
        html = review(env, client)
        assert 'data-testid="signoff"' not in html
        code = env.code(user) if user in env.secrets else "123456"
        refused = client.post(f"/audits/{env.audit_id}/review/signoff-sealed",
                              data={"passphrase": "whatever passphrase", "code": code, "csrf_token": token(html)})
        assert refused.status_code == 403 and "needs the reviewer role" in refused.text
    assert env.service.snapshot(env.audit_id).status == AuditStatus.SUBMITTED


def test_confirm_every_derived_result_from_the_review_page(env: Env) -> None:
    alice = env.login("alice")
    html = review(env, alice)
    before = html.count("<li><a href=")
    done = alice.post(f"/audits/{env.audit_id}/review/confirm-derived", data={"csrf_token": token(html)})
    assert done.status_code == 303
    after = review(env, alice, "?done=confirmed")
    assert 'data-testid="done"' in after
    left = [o.requirement_id for o in env.service.open_requirements("alice", env.audit_id)]
    assert left == ["12.5.7"] and before > 1  # the demo's one needs_review result stays open, as on the CLI
