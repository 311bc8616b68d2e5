"""Log-in, second factor, sessions, lockout and CSRF, each as a browser would meet them (through HTTP)."""

from __future__ import annotations

import hashlib
import logging
import os
import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ccaudit.audit.storage.models import WebMfa, WebSession
from ccaudit.web.app import create_app
from ccaudit.web.sessions import cookie_name

from .conftest import PASSWORD, WebEnv, csrf

SESSION = "__Host-ccaudit_session"


def _sessions(env: WebEnv) -> list[WebSession]:
    with env.service.db.read() as s:
        return list(s.scalars(select(WebSession)))


def test_a_viewer_logs_in_with_a_password_and_the_cookie_is_locked_down(web_env: WebEnv) -> None:
    c, where = web_env.password_only("vera")
    assert where == "/"
    assert c.get("/").status_code == 200
    set_cookie = [h for h in c.cookies.jar if h.name == SESSION]
    assert set_cookie and set_cookie[0].secure and set_cookie[0].path == "/"
    login = web_env.client()
    token = csrf(login.get("/login").text)
    r = login.post("/login", data={"user": "vera", "password": PASSWORD, "csrf_token": token})
    header = r.headers["set-cookie"].lower()
    assert "httponly" in header and "secure" in header and "samesite=strict" in header
    value = r.cookies[SESSION]
    stored = {s.id_hash for s in _sessions(web_env)}
    assert hashlib.sha256(value.encode()).hexdigest() in stored  # the database holds the hash...
    assert value not in stored  # ...never the value


def test_wrong_password_unknown_name_and_locked_name_get_the_same_answer(web_env: WebEnv) -> None:
    def attempt(user: str, password: str) -> tuple[int, str]:
        c = web_env.client()
        r = c.post("/login", data={"user": user, "password": password, "csrf_token": csrf(c.get("/login").text)})
        return r.status_code, r.text.replace(f'value="{user}"', "")

    wrong = attempt("vera", "not the password")
    unknown = attempt("mallory", "not the password")
    assert wrong[0] == unknown[0] == 401
    assert _main(wrong[1]) == _main(unknown[1])
    for _ in range(4):  # five failures in the window lock the name
        attempt("vera", "not the password")
    locked = attempt("vera", PASSWORD)  # even the right password
    assert locked[0] == 401 and _main(locked[1]) == _main(wrong[1])
    for _ in range(5):
        attempt("mallory", "guess")
    assert attempt("mallory", "guess")[0] == 401
    web_env.clock.advance(minutes=16)  # the lockout ends
    assert web_env.password_only("vera")[1] == "/"


def _main(html: str) -> str:
    """The page's <main> without the form's tokens."""
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return "".join(line for line in body.splitlines() if "csrf_token" not in line)


def test_an_auditor_must_enrol_a_second_factor_before_anything_else(web_env: WebEnv) -> None:
    c, where = web_env.password_only("alice")
    assert where.startswith("/mfa/enrol")
    assert c.get("/").headers["location"] == "/mfa/enrol"  # the password alone opens nothing
    assert c.get("/prefs").headers["location"] == "/mfa/enrol"
    page = c.get("/mfa/enrol")
    assert "otpauth://totp/ccaudit:alice" in page.text
    r = c.post("/mfa/enrol", data={"code": "000000", "csrf_token": csrf(page.text)})
    assert r.status_code == 401
    client = web_env.login("alice")
    assert client.get("/").status_code == 200


def test_the_totp_secret_is_stored_encrypted(web_env: WebEnv) -> None:
    web_env.login("alice")
    with web_env.service.db.read() as s:
        row = s.get(WebMfa, "alice")
        assert row is not None and row.confirmed_at is not None
        assert web_env.totp["alice"] not in row.totp_secret
    key = web_env.settings.web_key_path()
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_a_totp_code_is_accepted_once(web_env: WebEnv) -> None:
    web_env.login("bob")
    code = web_env.code("bob")
    first, _ = web_env.password_only("bob")
    page = first.get("/mfa")
    assert first.post("/mfa", data={"code": code, "csrf_token": csrf(page.text)}).status_code == 303
    second, _ = web_env.password_only("bob")  # the same code again, within its 30 seconds
    page = second.get("/mfa")
    assert second.post("/mfa", data={"code": code, "csrf_token": csrf(page.text)}).status_code == 401
    assert second.get("/").status_code == 303


def test_the_second_factor_gives_a_new_session_value(web_env: WebEnv) -> None:
    web_env.login("bob")
    c, _ = web_env.password_only("bob")
    before = c.cookies[SESSION]
    page = c.get("/mfa")
    c.post("/mfa", data={"code": web_env.code("bob"), "csrf_token": csrf(page.text)})
    assert c.cookies[SESSION] != before
    stale = web_env.client()
    stale.cookies.set(SESSION, before)
    assert stale.get("/").status_code == 303


def test_unsafe_requests_need_the_session_csrf_token(web_env: WebEnv) -> None:
    c = web_env.login("vera")
    assert c.post("/logout").status_code == 403
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert c.post("/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    token = csrf(c.get("/").text)
    assert c.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
    assert c.get("/").status_code == 303  # logged out: the session is gone from the server
    assert _sessions(web_env) == []


def test_the_login_form_needs_its_signed_token(web_env: WebEnv) -> None:
    c = web_env.client()
    c.get("/login")
    r = c.post("/login", data={"user": "vera", "password": PASSWORD})
    assert r.status_code == 403
    other = web_env.client()  # a token from another browser's cookie is no good either
    token = csrf(other.get("/login").text)
    assert c.post("/login", data={"user": "vera", "password": PASSWORD, "csrf_token": token}).status_code == 403


def test_sessions_end_when_idle_and_at_their_absolute_end(web_env: WebEnv) -> None:
    c = web_env.login("vera")
    web_env.clock.advance(minutes=29)
    assert c.get("/").status_code == 200
    web_env.clock.advance(minutes=31)
    assert c.get("/").status_code == 303
    c = web_env.login("vera")
    for _ in range(12 * 3):  # used every 20 minutes, it still ends 12 hours after log-in
        web_env.clock.advance(minutes=20)
        if c.get("/").status_code != 200:
            break
    assert c.get("/").status_code == 303
    assert web_env.clock.now.hour >= 20


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_after_log_in_the_browser_goes_only_to_a_page_of_this_site(web_env: WebEnv, target: str) -> None:
    c = web_env.client()
    token = csrf(c.get("/login").text)
    r = c.post("/login", data={"user": "vera", "password": PASSWORD, "csrf_token": token, "next": target})
    assert r.headers["location"] == "/"


def test_every_response_carries_the_security_headers(web_env: WebEnv) -> None:
    c = web_env.client()
    for path in ("/login", "/static/app.css", "/no-such-page"):
        headers = c.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert c.get("/login").headers["cache-control"] == "no-store"


def test_no_password_or_code_reaches_the_log(web_env: WebEnv, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    web_env.login("alice")
    c = web_env.client()
    c.post("/login", data={"user": "alice", "password": "Secret-Guess-42", "csrf_token": csrf(c.get("/login").text)})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PASSWORD not in logged and "Secret-Guess-42" not in logged
    assert web_env.totp["alice"] not in logged


def test_cookies_without_secure_only_when_configured(web_env: WebEnv) -> None:
    insecure = web_env.settings.model_copy(update={"web_secure_cookies": False})
    assert cookie_name(insecure) == "ccaudit_session"
    assert cookie_name(web_env.settings) == SESSION


def test_a_request_body_over_the_upload_limit_is_refused(web_env: WebEnv) -> None:
    app = create_app(web_env.settings.model_copy(update={"web_max_upload_mb": 1}), web_env.service, web_env.clock)
    c = TestClient(app, base_url="https://testserver")
    token = csrf(c.get("/login").text)
    big = {"user": "vera", "password": "x" * (1 << 20), "csrf_token": token}
    r = c.post("/login", data=big)
    assert r.status_code == 413
    assert c.post("/login", data={**big, "password": "short"}).status_code == 401  # under the limit: read


def test_a_new_password_ends_the_users_web_sessions(web_env: WebEnv) -> None:
    vera = web_env.login("vera")
    assert vera.get("/").status_code == 200
    web_env.service.set_password("ada", "vera", "another long password")
    assert vera.get("/").status_code == 303
    assert web_env.password_only("vera", "another long password")[1] == "/"
