"""A small world for the API tests, built once and copied per test (SQLite file and runs folder): a
superuser, one user per role at firm 9A00, a reviewer with a registered key, an audit of 9A00 and one of
9B00 each with an attached run (3 offending rows of remote_login_used_mfa), and a full API token per user."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.unit.audit.audit_fakes import make_result_dir

from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.people.access import Role
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

from .apphelper import make_app

FIRM, OTHER = "9A00", "9B00"
ROLES = [r.value for r in Role]
CHECK = "remote_login_used_mfa"


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


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], int, int]:
    root = tmp_path_factory.mktemp("api-world")
    svc = AuditService.open(settings_for(root))
    try:
        svc.add_user("root", "root", "Root Superuser")
        svc.add_firm("root", FIRM, "範例證券股份有限公司")
        svc.add_firm("root", OTHER, "Other Securities")
        for role in ROLES:
            svc.add_user("root", user_of(role), f"{role.title()} of {FIRM}")
            svc.grant("root", user_of(role), FIRM, role)
        svc.grant("root", user_of("reviewer"), OTHER, "viewer")  # roles elsewhere do not widen a firm-limited token
        key = root / "keys" / "reviewer.pem"
        svc.register_key(user_of("reviewer"), public_pem(generate_key(key).public_key()))
        audit = svc.open_audit(user_of("auditor"), FIRM, 2026, make_as_of())
        svc.attach_run(user_of("auditor"), audit, make_result_dir(root / "r1", offending={CHECK: 3}))
        other = svc.open_audit("root", OTHER, 2026, make_as_of())
        svc.attach_run("root", other, make_result_dir(root / "r2", offending={CHECK: 3}, firm_id=OTHER))
        for item in svc.snapshot(audit).remediation:
            svc.update_remediation(user_of("auditor"), item.item_id, owner=user_of("control_owner"))
        tokens = {u: svc.tokens.create(u, f"{u} pipeline")[0] for u in ["root", *map(user_of, ROLES)]}
    finally:
        svc.close()
    return root, tokens, audit, other


def make_as_of():  # type: ignore[no-untyped-def]
    from tests.unit.audit.audit_fakes import AS_OF

    return AS_OF


@pytest.fixture
def world(template: tuple[Path, dict[str, str], int, int], tmp_path: Path) -> Iterator[World]:
    source, tokens, audit, other = template
    root = tmp_path / "world"
    shutil.copytree(source, root)
    settings = settings_for(root)
    clock = Clock()
    svc = AuditService.open(settings, clock)
    app = make_app(settings, svc, clock)
    with TestClient(app, base_url="https://testserver") as client:
        yield World(root, settings, svc, client, tokens, audit, other, root / "keys" / "reviewer.pem", clock)
    svc.close()
