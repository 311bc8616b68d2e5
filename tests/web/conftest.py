"""Fixtures for the web workspace's tests, through HTTP with FastAPI's TestClient (no server, no network).

    def test_x(web_env: WebEnv) -> None:
        alice = web_env.login("alice")             # logged in, TOTP given (enrolled on first use)
        page = alice.get("/audits/1")
        token = csrf(page.text)                     # the form's CSRF token
        alice.post("/somewhere", data={"csrf_token": token, ...})

Users (password PASSWORD): ada superuser; of firm 9A00 alice auditor, bob reviewer, carol control owner,
vera viewer, adam admin, ivan inspector (until 2027-06-30), exa (an inspector grant that expired) and rita
(one revoked); xavier auditor of 9B00; nobody with no role. tests/web/matrix.py walks the access matrix.
Audit 1 is 9A00's 2026 audit with a run
attached (fake findings: 12.5.5, 12.5.6 and 12.1.1 fail), audit 2 is 9B00's 2026 audit, empty."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.unit.audit.audit_fakes import make_result_dir

from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings
from ccaudit.web.app import create_app

PASSWORD = "correct horse battery"
FIRM, OTHER_FIRM = "9A00", "9B00"
BASE_URL = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


class Clock:
    """A clock the test moves (sessions, lockouts and TOTP steps depend on it)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class WebEnv:
    settings: Settings
    service: AuditService
    clock: Clock
    app: FastAPI
    audit_id: int
    other_audit_id: int
    totp: dict[str, str] = field(default_factory=dict)  # user -> TOTP secret, once enrolled
    clients: dict[str, TestClient] = field(default_factory=dict)  # logged-in clients kept by `as_user`

    def client(self) -> TestClient:
        return TestClient(self.app, base_url=BASE_URL, follow_redirects=False)

    def code(self, user_id: str) -> str:
        """The user's current TOTP code, in a step no earlier code used (each code is accepted once)."""
        self.clock.advance(seconds=30)
        return pyotp.TOTP(self.totp[user_id]).at(self.clock.now)

    def password_only(self, user_id: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        """A client after the password step: (client, where the app sent it)."""
        c = self.client()
        token = csrf(c.get("/login").text)
        r = c.post("/login", data={"user": user_id, "password": password, "csrf_token": token})
        assert r.status_code == 303, r.text
        return c, r.headers["location"]

    def as_user(self, user_id: str) -> TestClient:
        """A logged-in client for the user, reused within the env (log-in costs an argon2 hash)."""
        if user_id not in self.clients:
            self.clients[user_id] = self.login(user_id)
        return self.clients[user_id]

    def login(self, user_id: str) -> TestClient:
        """A fully logged-in client; the TOTP is enrolled on first use, as a user would."""
        c, where = self.password_only(user_id)
        if where.startswith("/mfa/enrol"):
            page = c.get(where)
            found = _SECRET.search(page.text)
            assert found, page.text
            self.totp[user_id] = found.group(1).replace(" ", "")
            r = c.post("/mfa/enrol", data={"code": self.code(user_id), "csrf_token": csrf(page.text)})
            assert r.status_code == 303, r.text
        elif where.startswith("/mfa"):
            page = c.get(where)
            r = c.post("/mfa", data={"code": self.code(user_id), "csrf_token": csrf(page.text)})
            assert r.status_code == 303, r.text
        return c


def build_data(data_dir: Path, work: Path, db: str | None = None) -> tuple[int, int]:
    """Users, firms and two audits in a fresh database, made a month before the tests' clock; returns (audit of
    9A00, audit of 9B00)."""
    clock = Clock()
    clock.now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    svc = AuditService.open(Settings(data_dir=data_dir, db=db), clock)
    try:
        svc.add_user(None, "ada", "Ada Admin", PASSWORD)
        svc.add_firm("ada", FIRM, "範例證券股份有限公司")
        svc.add_firm("ada", OTHER_FIRM, "<b>Other</b> Securities")
        for user, firm, role in [
            ("alice", FIRM, "auditor"),
            ("bob", FIRM, "reviewer"),
            ("carol", FIRM, "control_owner"),
            ("vera", FIRM, "viewer"),
            ("adam", FIRM, "admin"),
            ("xavier", OTHER_FIRM, "auditor"),
            ("nobody", None, None),
            ("ivan", None, None),  # inspector of 9A00 until 2027-06-30
            ("exa", None, None),  # was inspector of 9A00 until 2026-11-20
            ("rita", None, None),  # was inspector of 9A00 until her grant was revoked
        ]:
            svc.add_user("ada", user, user.title(), PASSWORD)
            if firm and role:
                svc.grant("ada", user, firm, role)
        svc.grant_inspector("adam", "ivan", FIRM, dt.datetime(2027, 6, 30, tzinfo=dt.UTC))
        svc.grant_inspector("adam", "exa", FIRM, dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
        svc.grant_inspector("adam", "rita", FIRM, dt.datetime(2027, 6, 30, tzinfo=dt.UTC))
        svc.revoke_inspector("adam", "rita", FIRM)
        audit_id = svc.open_audit("alice", FIRM, 2026, dt.date(2026, 11, 30))
        result = make_result_dir(
            work / "result",
            offending={"remote_login_used_mfa": 3, "remote_user_authorized": 2, "cloud_service_backup_defined": 1},
        )
        svc.attach_run("alice", audit_id, result)
        other = svc.open_audit("xavier", OTHER_FIRM, 2026, dt.date(2026, 11, 30))
    finally:
        svc.close()
    return audit_id, other


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The data folder built once per test session; each test works on its own copy."""
    root = tmp_path_factory.mktemp("web-template")
    audit_id, other = build_data(root / "data", root)
    return root / "data", audit_id, other


def _env(folder: Path, template: tuple[Path, int, int]) -> tuple[WebEnv, AuditService]:
    data, audit_id, other = template
    shutil.copytree(data, folder / "data")
    clock = Clock()
    settings = Settings(data_dir=folder / "data")
    svc = AuditService.open(settings, clock)
    return WebEnv(settings, svc, clock, create_app(settings, svc, clock), audit_id, other), svc


@pytest.fixture
def web_env(tmp_path: Path, web_template: tuple[Path, int, int]) -> Iterator[WebEnv]:
    """A fresh copy of the data for one test."""
    env, svc = _env(tmp_path, web_template)
    try:
        yield env
    finally:
        svc.close()


@pytest.fixture(scope="module")
def shared_env(tmp_path_factory: pytest.TempPathFactory, web_template: tuple[Path, int, int]) -> Iterator[WebEnv]:
    """One copy shared by a module's tests, with its logged-in clients (`as_user`): for tests that only read,
    or whose changes the others do not see (the matrix walks)."""
    env, svc = _env(tmp_path_factory.mktemp("web-shared"), web_template)
    try:
        yield env
    finally:
        svc.close()
