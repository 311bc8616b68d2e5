"""The same workspace on PostgreSQL: log-in with TOTP, a one-time code, the dashboard, the matrix's read
cells, log-out. Runs where CCAUDIT_TEST_PG_URL names a server (scripts/start-postgres.sh starts one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings
from ccaudit.web.app import create_app

from .conftest import Clock, WebEnv, build_data, csrf
from .matrix import walk

PG_URL = os.environ.get("CCAUDIT_TEST_PG_URL")


@pytest.fixture(scope="module")
def pg_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    if not PG_URL:
        pytest.skip("CCAUDIT_TEST_PG_URL is not set (scripts/start-postgres.sh starts a server)")
    name = f"ccaudit_w_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    root: Path = tmp_path_factory.mktemp("web-pg")
    try:
        audit_id, other = build_data(root / "data", root, url)
        clock = Clock()
        settings = Settings(data_dir=root / "data", db=url)
        svc = AuditService.open(settings, clock)
        try:
            yield WebEnv(settings, svc, clock, create_app(settings, svc, clock), audit_id, other)
        finally:
            svc.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_log_in_read_and_log_out_on_postgresql(pg_env: WebEnv) -> None:
    alice = pg_env.login("alice")
    code = pg_env.code("alice")
    again, _ = pg_env.password_only("alice")
    page = again.get("/mfa")
    assert again.post("/mfa", data={"code": code, "csrf_token": csrf(page.text)}).status_code == 303
    replay, _ = pg_env.password_only("alice")  # the same code a second time
    page = replay.get("/mfa")
    assert replay.post("/mfa", data={"code": code, "csrf_token": csrf(page.text)}).status_code == 401
    board = alice.get(f"/audits/{pg_env.audit_id}")
    assert board.status_code == 200 and "12.5.5" in board.text
    token = csrf(board.text)
    assert alice.post("/logout", data={"csrf_token": token}).status_code == 303
    assert alice.get("/").status_code == 303


def test_reading_follows_the_matrix_on_postgresql(pg_env: WebEnv) -> None:
    walk(pg_env, "read", lambda client, target: client.get(f"/audits/{target.audit_id}").status_code)
