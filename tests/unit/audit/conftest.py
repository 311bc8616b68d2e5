"""Fixtures for the audit tests. Every persistence test runs on SQLite and on PostgreSQL: a fresh
database per test on the server named by CCAUDIT_TEST_PG_URL (skipped only when it is unset), copied from
one migrated once per worker when the test opens the service."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.db import Database
from ccaudit.settings import Settings

from .audit_fakes import make_result_dir

PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")
FIRM = "9A00"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the latest schema once per worker, copied for each test that opens one."""
    path = tmp_path_factory.mktemp("migrated") / "audit.db"
    Database(f"sqlite:///{path}").close()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per worker; each test's database is created as a copy of it."""
    assert PG_URL
    for url in _pg_database(PG_URL):
        Database(url).close()  # no connection may stay open on a template
        yield make_url(url).database or ""


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test. Empty, or, when the test opens the service (it uses `settings`), already at
    the latest schema: a copy of a template migrated once per worker (what opening an empty one does first)."""
    migrated = "settings" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "audit.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if not PG_URL:
        pytest.skip("CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh starts a server)")
    yield from _pg_database(PG_URL, request.getfixturevalue("pg_template") if migrated else None)


def _pg_database(url: str, template: str | None = None) -> Iterator[str]:
    name = f"ccaudit_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Clock:
    """A clock the test moves; starts on the as-of date of the fake runs."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", db=db_url)


@pytest.fixture
def service(settings: Settings) -> Iterator[AuditService]:
    svc = AuditService.open(settings, Clock())
    yield svc
    svc.close()


@dataclass
class Team:
    """admin (superuser), alice (auditor), bob (reviewer with a key), carol (control owner), vic (viewer)."""

    service: AuditService
    bob_key_path: Path


@pytest.fixture
def team(service: AuditService, tmp_path: Path) -> Team:
    service.add_user("admin", "admin", "Ada Admin")
    service.add_firm("admin", FIRM, "範例證券股份有限公司")
    for user, role in [
        ("alice", "auditor"),
        ("bob", "reviewer"),
        ("carol", "control_owner"),
        ("vic", "viewer"),
    ]:
        service.add_user("admin", user, user.title())
        service.grant("admin", user, FIRM, role)
    key_path = tmp_path / "keys" / "bob.pem"
    service.register_key("bob", public_pem(generate_key(key_path).public_key()))
    return Team(service, key_path)


@pytest.fixture
def result_dir(tmp_path: Path) -> Path:
    """A run where 12.5.5 (3 rows), 12.5.6 (2 rows) and 12.1.1 (1 row) fail; everything else passes."""
    return make_result_dir(
        tmp_path / "result",
        offending={
            "remote_login_used_mfa": 3,
            "remote_user_authorized": 2,
            "cloud_service_backup_defined": 1,
        },
    )


def sign(team: Team, audit_id: int, due: dt.date = dt.date(2027, 3, 31)) -> str:
    """Settle every requirement (confirm the derived results, defer the rest), give every remediation
    item an owner and due date, submit as alice, sign off as bob."""
    from ccaudit.audit.integrity.signing import load_private_key

    svc = team.service
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        if item.owner is None:
            svc.update_remediation("alice", item.item_id, owner="carol", due_date=due)
    svc.submit("alice", audit_id)
    return svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))


def settle(svc: AuditService, audit_id: int) -> None:
    """What an auditor does before submitting: confirm every derived result, defer what is left."""
    _, left = svc.confirm_derived("alice", audit_id)
    for requirement_id in left:
        svc.defer("alice", audit_id, requirement_id, "evidence requested; assessed in the follow-up")
