"""A small world for the API tests, built once and copied per test (SQLite file and runs folder): a
superuser, one user per role at firm 9A00, a reviewer with a registered key, an audit of 9A00 and one of
9B00 each with an attached run (3 offending rows of remote_login_used_mfa), an attestation and a measure,
and a full API token per user. No user holds a role at 9B00 (the other firm of the matrix)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.unit.audit.audit_fakes import AS_OF, make_result_dir

from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.people.access import Role
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

from .apphelper import make_app

FIRM, OTHER = "9A00", "9B00"
ROLES = [r.value for r in Role]
CHECK = "remote_login_used_mfa"
INSPECTOR_UNTIL = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)


class Clock:
    """The service's clock, real time unless a test moves it on (to expire a token, say)."""

    def __init__(self) -> None:
        self.shift = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(microsecond=0) + self.shift


def settings_for(root: Path) -> Settings:
    return Settings(data_dir=root / "data", db=f"sqlite:///{root / 'data' / 'ccaudit.db'}")


@dataclass
class World:
    root: Path
    settings: Settings
    service: AuditService
    client: TestClient
    tokens: dict[str, str]
    audit: int  # firm 9A00's audit
    other_audit: int  # firm 9B00's audit
    bob_key: Path
    clock: Clock
    extra: dict[str, object] = field(default_factory=dict)

    def as_user(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def user_of(role: str) -> str:
    return f"{role}_a"


@dataclass(frozen=True)
class Template:
    root: Path
    tokens: dict[str, str]
    audit: int
    other: int


def populate(svc: AuditService, root: Path) -> Template:
    """The world's records: users, firms, audits with runs, an attestation and a measure each, tokens."""
    svc.add_user("root", "root", "Root Superuser")
    svc.add_firm("root", FIRM, "範例證券股份有限公司")
    svc.add_firm("root", OTHER, "Other Securities")
    for role in ROLES:
        svc.add_user("root", user_of(role), f"{role.title()} of {FIRM}")
        if role == "inspector":  # not a role row: a grant until a time
            svc.grant_inspector("root", user_of(role), FIRM, INSPECTOR_UNTIL)
        else:
            svc.grant("root", user_of(role), FIRM, role)
    key = root / "keys" / "reviewer.pem"
    svc.register_key(user_of("reviewer"), public_pem(generate_key(key).public_key()))
    audit = svc.open_audit(user_of("auditor"), FIRM, 2026, AS_OF)
    svc.attach_run(user_of("auditor"), audit, make_result_dir(root / "r1", offending={CHECK: 3}))
    other = svc.open_audit("root", OTHER, 2026, AS_OF)
    svc.attach_run("root", other, make_result_dir(root / "r2", offending={CHECK: 3}, firm_id=OTHER))
    for audit_id, who in ((audit, user_of("auditor")), (other, "root")):
        svc.attest(who, audit_id, "12.1.1", "met", "Lin, Head of Compliance", AS_OF, "MEMO-1")
        svc.add_measure(who, audit_id, "CM-1", "MFA on the VPN for these accounts", ["12.5.5"], "CISO Wang",
                        AS_OF, dt.date(2027, 6, 30), checks=[CHECK])  # fmt: skip
    for item in svc.snapshot(audit).remediation:
        svc.update_remediation(user_of("auditor"), item.item_id, owner=user_of("control_owner"))
    tokens = {u: svc.tokens.create(u, f"{u} pipeline")[0] for u in ["root", *map(user_of, ROLES)]}
    return Template(root, tokens, audit, other)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A draft audit of 9A00 and one of 9B00, each with a run, an attestation and a measure; the 9A00
    remediation items are owned by control_owner_a."""
    root = tmp_path_factory.mktemp("api-world")
    svc = AuditService.open(settings_for(root))
    try:
        return populate(svc, root)
    finally:
        svc.close()


@pytest.fixture(scope="session")
def submitted_template(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The same, with both audits settled (derived results confirmed, the rest deferred, every remediation
    item with an owner and a due date) and submitted by their preparers."""
    root = tmp_path_factory.mktemp("api-world-submitted") / "w"
    shutil.copytree(template.root, root)
    svc = AuditService.open(settings_for(root))
    try:
        for audit_id, who in ((template.audit, user_of("auditor")), (template.other, "root")):
            _, left = svc.confirm_derived(who, audit_id)
            for requirement_id in left:
                svc.defer(who, audit_id, requirement_id, "evidence requested; assessed in the follow-up")
            for item in svc.snapshot(audit_id).remediation:
                svc.update_remediation(who, item.item_id, owner=item.owner or "someone", due_date=dt.date(2027, 3, 31))
            svc.submit(who, audit_id)
    finally:
        svc.close()
    return Template(root, template.tokens, template.audit, template.other)


@pytest.fixture(scope="session")
def signed_template(submitted_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The submitted world with 9A00's audit signed off by its reviewer (9B00's stays submitted)."""
    from ccaudit.audit.integrity.signing import load_private_key

    root = tmp_path_factory.mktemp("api-world-signed") / "w"
    shutil.copytree(submitted_template.root, root)
    svc = AuditService.open(settings_for(root))
    try:
        svc.signoff(user_of("reviewer"), submitted_template.audit, load_private_key(root / "keys" / "reviewer.pem"))
    finally:
        svc.close()
    return Template(root, submitted_template.tokens, submitted_template.audit, submitted_template.other)


@contextmanager
def world_from(source: Template, root: Path) -> Iterator[World]:
    shutil.copytree(source.root, root)
    settings = settings_for(root)
    clock = Clock()
    svc = AuditService.open(settings, clock)
    app = make_app(settings, svc, clock)
    try:
        with TestClient(app, base_url="https://testserver") as client:
            yield World(root, settings, svc, client, source.tokens, source.audit, source.other,
                        root / "keys" / "reviewer.pem", clock)  # fmt: skip
    finally:
        svc.close()


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    with world_from(template, tmp_path / "world") as made:
        yield made


PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")


@pytest.fixture(scope="module")
def pg_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The same world on a fresh PostgreSQL database (skipped when CCAUDIT_TEST_PG_URL is unset)."""
    if not PG_URL:
        pytest.skip("CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh starts a server)")
    name = f"ccaudit_api_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    root = tmp_path_factory.mktemp("api-pg")
    settings = Settings(data_dir=root / "data", db=make_url(PG_URL).set(database=name).render_as_string(False))
    clock = Clock()
    svc = AuditService.open(settings, clock)
    try:
        made = populate(svc, root)
        with TestClient(make_app(settings, svc, clock), base_url="https://testserver") as client:
            yield World(root, settings, svc, client, made.tokens, made.audit, made.other,
                        root / "keys" / "reviewer.pem", clock)  # fmt: skip
    finally:
        svc.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
