"""The database: migrations build exactly the models' schema, SQLite runs in WAL with foreign keys,
and opening a fresh database from two processes at once migrates it once."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from ccaudit.audit.errors import AuditError
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Base


def test_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        with db.read() as s:
            assert s.execute(text("SELECT seq, hash FROM chain_head")).one() == (0, "0" * 64)
    finally:
        db.close()


def test_opening_twice_at_once_migrates_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Database(db_url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/x/audit.db")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        db.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://x/y", "not a url"])
def test_unusable_urls_are_a_clear_error(url: str) -> None:
    with pytest.raises(AuditError):
        Database(url)


def test_migrations_go_down_and_up_again(db_url: str) -> None:
    from alembic import command

    from ccaudit.audit.storage.db import alembic_config

    db = Database(db_url)
    try:
        with db.engine.begin() as conn:
            config = alembic_config(db.engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            command.upgrade(config, "head")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM chain_head")).scalar() == 1
    finally:
        db.close()


def test_a_shared_read_is_one_session_until_a_write_which_later_reads_see(db_url: str) -> None:
    """Inside `shared_read()` (a web GET) reads share one session and one transaction; a write in between
    ends it, so what is read after the write includes it (and nothing reads a view older than its own write)."""
    from ccaudit.audit.storage.models import Firm

    db = Database(db_url)
    try:
        with db.shared_read() as shared:
            with db.read() as first:
                assert first.get(Firm, "9Z00") is None
            with db.read() as again:
                assert again is first and shared.opened == 1
            with db.transaction() as s:
                s.add(Firm(id="9Z00", name="Written meanwhile", created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
            with db.read() as after:
                assert after is not first and after.get(Firm, "9Z00") is not None
            assert shared.opened == 2
        with db.read() as outside:  # outside the block, each read is its own session again
            assert outside is not after
    finally:
        db.close()


def test_a_shared_read_forgets_what_a_read_changed_in_memory(db_url: str) -> None:
    """A read may change objects it never writes (it is rolled back); in a shared read, the next read must
    not see those changes."""
    from ccaudit.audit.storage.models import Firm

    db = Database(db_url)
    try:
        with db.transaction() as s:
            s.add(Firm(id="9Z00", name="As stored", created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
        with db.shared_read():
            with db.read() as s:
                firm = s.get(Firm, "9Z00")
                assert firm is not None
                firm.name = "Changed in memory only"
            with db.read() as s:
                again = s.get(Firm, "9Z00")
                assert again is not None and again.name == "As stored"
            again.name = "Changed after the read"  # an object a read returned, changed by its caller
            with db.read() as s:
                third = s.get(Firm, "9Z00")
                assert third is not None and third.name == "As stored"
    finally:
        db.close()
