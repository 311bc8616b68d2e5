"""Fixtures for the audit work pages, driven through HTTP with FastAPI's TestClient.

The demo firm's evidence is generated and inspected once per test session (`demo`); each test gets a
fresh SQLite database with the team (ada superuser, alice auditor, bob and rita reviewers, carol
control owner, vera viewer; xavier auditor of another firm), audit 1 of firm 9A00 with the demo run
attached, and a clock it moves (TOTP codes are accepted once per 30-second step)."""

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

from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

FIRM = "9A00"
AS_OF = dt.date(2026, 11, 30)
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Demo:
    evidence: Path  # the demo firm's evidence folder
    result: Path  # its inspection result folder (`ccaudit inspect --out`)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    from ccaudit.demo.generator import generate
    from ccaudit.inspection.service import inspect

    root = tmp_path_factory.mktemp("demo")
    generate(root, scale=0.02, as_of=AS_OF)
    inspect(root / "evidence", AS_OF, root / "result", Settings(data_dir=root / "data"))
    return Demo(root / "evidence", root / "result")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=10)
        return self.now.replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Env:
    app: FastAPI
    service: AuditService
    settings: Settings
    clock: Clock
    audit_id: int
    secrets: dict[str, str]  # user -> TOTP secret
    keys: dict[str, Path] = field(default_factory=dict)  # user -> private key file
    clients: list[TestClient] = field(default_factory=list)

    def code(self, user: str) -> str:
        """The user's current TOTP code, after moving the clock to a step no code was used in."""
        self.clock.advance(31)
        return pyotp.TOTP(self.secrets[user]).at(self.clock.now)

    def login(self, user: str) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver", follow_redirects=False)
        self.clients.append(client)
        page = client.get("/login")
        response = client.post("/login", data={"user": user, "password": PASSWORD, "csrf_token": token(page.text)})
        assert response.status_code == 303, response.text
        if user in self.secrets:
            mfa = client.get("/mfa")
            response = client.post("/mfa", data={"code": self.code(user), "csrf_token": token(mfa.text)})
            assert response.status_code == 303, response.text
        return client


def token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def demo_evidence(demo: Demo) -> Path:
    return demo.evidence


@dataclass(frozen=True)
class Template:
    """A database and data folder set up once (users, roles, second factors, bob's key, audit 1 with the
    demo run attached), copied for each test: argon2 hashes and the run's rows are made once."""

    root: Path
    audit_id: int
    secrets: dict[str, str]


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", db=f"sqlite:///{root / 'audit.db'}", web_secure_cookies=True)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, demo: Demo) -> Template:
    from ccaudit.web.app import create_app

    root = tmp_path_factory.mktemp("template")
    clock = Clock()
    svc = AuditService.open(_settings(root), clock)
    svc.add_user("ada", "ada", "Ada Admin", PASSWORD)
    svc.add_firm("ada", FIRM, "範例證券股份有限公司")
    svc.add_firm("ada", "9B00", "Other Securities")
    for user, role, firm in [("alice", "auditor", FIRM), ("bob", "reviewer", FIRM), ("rita", "reviewer", FIRM),
                             ("carol", "control_owner", FIRM), ("vera", "viewer", FIRM), ("xavier", "auditor", "9B00")]:
        svc.add_user("ada", user, user.title(), PASSWORD)
        svc.grant("ada", user, firm, role)
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, demo.result)
    app = create_app(_settings(root), svc, clock)
    secrets = {}
    for user in ("ada", "alice", "bob", "rita", "xavier"):
        secret = app.state.web.mfa.pending_secret(user)
        assert app.state.web.mfa.confirm(user, pyotp.TOTP(secret).at(clock.now))
        secrets[user] = secret
    svc.register_key("bob", public_pem(generate_key(root / "keys" / "bob.pem").public_key()))
    svc.close()
    return Template(root, audit_id, secrets)


@pytest.fixture
def env(tmp_path: Path, template: Template) -> Iterator[Env]:
    from ccaudit.web.app import create_app

    root = tmp_path / "env"
    shutil.copytree(template.root, root)
    settings = _settings(root)
    clock = Clock()
    svc = AuditService.open(settings, clock)
    app = create_app(settings, svc, clock)
    environment = Env(app, svc, settings, clock, template.audit_id, dict(template.secrets),
                      {"bob": root / "keys" / "bob.pem"})
    yield environment
    for client in environment.clients:
        client.close()
    jobs = getattr(app.state, "pages_jobs", None)
    if jobs is not None:
        jobs.shutdown()
    svc.close()
    shutil.rmtree(root, ignore_errors=True)
