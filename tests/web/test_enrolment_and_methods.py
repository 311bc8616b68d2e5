"""The second factor's enrolment page shows a QR code an authenticator app scans (and the secret as text),
and switches the factor on only with a first right code; a known path asked with a method it does not take
answers 405 with Allow (an RFC 9457 problem under the API), not 404; a page answers HEAD as GET, without
the body."""

from __future__ import annotations

import re
import urllib.parse

import segno

from ccaudit.audit.storage.models import WebMfa

from .conftest import WebEnv, csrf

QR = re.compile(r'<img class="qr" src="(data:image/svg\+xml[^"]+)"')
URI = re.compile(r"(otpauth://totp/[^<\s]+)</code>")


def test_enrolment_shows_a_qr_code_of_the_secret_and_needs_a_first_code(web_env: WebEnv) -> None:
    c, where = web_env.password_only("alice")
    page = c.get(where)
    assert page.status_code == 200
    found_qr, found_uri = QR.search(page.text), URI.search(page.text)
    assert found_qr and found_uri
    uri = found_uri.group(1).replace("&amp;", "&")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert secret and f"secret={secret.group(1).replace(' ', '')}" in uri  # the text and the QR: one secret
    image = urllib.parse.unquote(found_qr.group(1).replace("&amp;", "&").split(",", 1)[1])
    assert image.startswith("<svg") and "<script" not in image
    # the picture is the QR code of exactly that otpauth URI (segno draws the same symbol for the same text)
    assert found_qr.group(1).replace("&amp;", "&") == segno.make(uri, error="m", micro=False).svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff")
    policy = page.headers["content-security-policy"]
    assert "img-src 'self' data:" in policy and "unsafe-inline" not in policy
    wrong = c.post("/mfa/enrol", data={"code": "000000", "csrf_token": csrf(page.text)})
    assert wrong.status_code == 401 and QR.search(wrong.text)  # asked again, the QR code still there
    assert not web_env.app.state.web.mfa.enrolled("alice")  # not switched on by a wrong code
    assert c.get("/").headers["location"] == "/mfa/enrol"
    web_env.totp["alice"] = secret.group(1).replace(" ", "")
    right = c.post("/mfa/enrol", data={"code": web_env.code("alice"), "csrf_token": csrf(page.text)})
    assert right.status_code == 303
    with web_env.service.db.read() as s:
        row = s.get(WebMfa, "alice")
        assert row is not None and row.confirmed_at is not None


def test_a_wrong_method_on_a_known_api_path_is_405_with_allow(web_env: WebEnv) -> None:
    c = web_env.client()
    bearer = {"Authorization": "Bearer not-checked-before-the-method"}
    answer = c.delete("/api/v1/audits", headers=bearer)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 405 and body["title"] == "Method not allowed" and "DELETE" in body["detail"]
    assert c.put(f"/api/v1/audits/{web_env.audit_id}/requirements/12.5.5", headers=bearer).headers["allow"] == "GET"
    unknown = c.delete("/api/v1/no-such-thing", headers=bearer)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


def test_a_wrong_method_on_a_page_is_405_with_allow(web_env: WebEnv) -> None:
    c = web_env.client()
    answer = c.put("/login", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD, POST"  # Starlette alone says GET


def test_head_on_a_page_answers_as_get_without_a_body(web_env: WebEnv) -> None:
    anonymous = web_env.client()
    for path in ("/login", "/static/app.js"):
        get, head = anonymous.get(path), anonymous.head(path)
        assert (head.status_code, get.status_code) == (200, 200) and head.content == b"" and get.content
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == str(len(get.content))
    alice = web_env.login("alice")
    for path in (f"/audits/{web_env.audit_id}", f"/audits/{web_env.audit_id}/requirements/12.5.5"):
        head = alice.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-security-policy"] == alice.get(path).headers["content-security-policy"]
    assert anonymous.head(f"/audits/{web_env.audit_id}").status_code == 303  # logged out: sent to log in, as GET
    # the REST API takes the methods its OpenAPI document names: HEAD is not one of them
    api = anonymous.head("/api/v1/audits", headers={"Authorization": "Bearer x"})
    assert api.status_code == 405 and api.headers["allow"] == "GET, POST"
