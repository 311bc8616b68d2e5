"""The audit database: one engine per URL, migrated to the latest schema when opened.

SQLite (the embedded default) runs in WAL mode with foreign keys on, full fsync, and every
transaction taken as BEGIN IMMEDIATE, so two writers queue instead of deadlocking. PostgreSQL uses the
same code; writers serialise per audit by locking the audit row (see service).

Opened read-only (what `ccaudit verify` does), nothing is created or migrated: a missing SQLite file or
an empty or out-of-date schema is refused with a message, SQLite is opened with `mode=ro` (a copy on
read-only media too) and PostgreSQL sessions are read-only transactions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ccaudit.audit.errors import AuditError, ConflictError

MIGRATIONS = "ccaudit.audit.storage:migrations"
MIGRATION_LOCK = 0x63636175  # pg advisory lock key ("ccau")
BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "ccaudit_read_only"
# Connections kept open per process: a web request holds one for all its reads (web/reads.py), so as many
# as requests in flight; fewer would open and close overflow connections under load.
POOL = {"pool_size": 16, "max_overflow": 16}
CLOCK = "ccaudit_clock"  # Session.info: the service's clock, for rules that depend on the time (inspector grants)


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration without an alembic.ini: the scripts ship inside the package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def make_engine(url: str, read_only: bool = False) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise AuditError(f"not a database URL: {url!r} (sqlite:///PATH or postgresql+psycopg://…)") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise AuditError("the audit database must be a file (sqlite:///PATH), not in memory")
        path = Path(database).expanduser()
        if read_only:
            engine = create_engine(parsed, creator=_read_only_sqlite(path))
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # e.g. CCAUDIT_DATA_DIR names a file
                blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
                cause = f"{blocking} is not a folder" if blocking else str(exc.strerror)
                raise AuditError(
                    f"cannot create the folder of the audit database {path}: {cause} "
                    "(check --db, CCAUDIT_DB and CCAUDIT_DATA_DIR)"
                ) from exc
            engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **POOL)
            event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        args = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        # pre-ping: a pooled connection the server dropped (restart, failover, idle timeout) is replaced
        # before use instead of failing a request. It costs one round trip per database session; a web
        # page reads in one (web/reads.py), and the load benchmark (bench/README.md) measured no difference
        # without it (99.5 vs 95.7 req/s, 8.2 vs 8.4 ms CPU a request, when a page took two), so it stays.
        return create_engine(parsed, pool_pre_ping=True, connect_args=args, **POOL)
    raise AuditError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")


def _read_only_sqlite(path: Path) -> Any:
    """A connection factory for an existing SQLite file, opened read-only (never created)."""
    if not path.is_file():
        raise AuditError(
            f"no audit database at {path.absolute()}: check --db, CCAUDIT_DB or CCAUDIT_DATA_DIR "
            "(verify never creates one)"
        )
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        wal = path.with_name(path.name + "-wal")
        if "not a database" in str(exc) or (wal.is_file() and wal.stat().st_size > 0) or not os.access(path, os.R_OK):
            raise AuditError(f"cannot read the audit database {path}: {exc}") from exc
        # A WAL database in a folder we cannot write (a copy on read-only media) opens only as
        # immutable; with no -wal file beside it, nothing committed is left out.
        uri += "&immutable=1"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.isolation_level = None  # we issue BEGIN ourselves
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    return connect


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision (one process at a time)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        config = alembic_config(engine)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def require_current(engine: Engine) -> None:
    """Refuse a database without ccaudit's schema, or at another revision (read-only opens)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise AuditError(f"{where} is not a ccaudit audit database (it has no audit schema)")
    if current != head:
        raise AuditError(
            f"the audit database {where} has schema revision {current}, this ccaudit expects {head}; "
            "verify reads a database as it is and does not migrate it: verify it with the ccaudit version that "
            "wrote it, or let an audit command (e.g. `ccaudit audit list`) migrate it first"
        )


class SharedRead:
    """One read session for a unit of work (a web request): opened by its first `Database.read()`, reused by
    every later one, closed by `close()`. One consistent view of the database (one BEGIN, one pooled
    connection) instead of one per read; a write (`Database.transaction()`) ends it, so what the unit of
    work reads after its own write is read afresh."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: Session | None = None
        self.opened = 0  # read sessions opened (tests count them)

    def get(self) -> Session:
        if self.session is None:
            self.session = self.db._readers()
            self.session.info[CLOCK] = self.db.clock
            self.opened += 1
        return self.session

    def changed(self) -> bool:
        """Whether anything in the session was changed in memory (reads never write it)."""
        s = self.session
        return s is not None and bool(s.dirty or s.new or s.deleted)

    def close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.close()  # rolls the read back


_SHARED: ContextVar[SharedRead | None] = ContextVar("ccaudit_shared_read", default=None)


class Database:
    """Engine plus session factory for one database URL. `read_only`: open what exists, as it is (no
    file created, no migration, a schema at another revision refused); for `ccaudit verify`."""

    def __init__(self, url: str, migrate: bool = True, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self.engine = make_engine(url, read_only)
        try:
            if read_only:
                require_current(self.engine)
            elif migrate:
                upgrade(self.engine)
        except OperationalError as exc:
            self.engine.dispose()
            raise AuditError(f"cannot open the audit database: {str(exc.orig).strip()}") from exc
        except AuditError:
            self.engine.dispose()
            raise
        self.clock: Callable[[], Any] | None = None  # set by the AuditService that owns this database
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        reads = {READ_ONLY: True} | ({"isolation_level": "REPEATABLE READ"} if self.dialect == "postgresql" else {})
        self._readers = sessionmaker(self.engine.execution_options(**reads), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        shared = _SHARED.get()
        if shared is not None and shared.db is not self:
            shared = None
        if shared is not None:
            shared.close()  # reads after this write see it (and none holds a snapshot older than it)
        try:
            with self._sessions() as session, session.begin():
                session.info[CLOCK] = self.clock
                yield session
            if shared is not None:
                shared.close()
        except StaleDataError as exc:
            raise ConflictError("someone else changed this record at the same moment; try again") from exc
        except OperationalError as exc:
            text = str(exc.orig).lower()
            if "locked" in text or "deadlock" in text or "could not serialize" in text:
                raise ConflictError(f"the audit database is busy ({str(exc.orig).strip()}); try again") from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read that does not queue behind (or hold up) writers; rolled back at the end. Inside
        `shared_read()`, every read of the unit of work shares one session (closed when it ends)."""
        shared = _SHARED.get()
        if shared is not None and shared.db is self:
            if shared.changed():  # an object a read returned was changed after it: read afresh
                shared.close()
            session = shared.get()
            try:
                yield session
            except DBAPIError:  # a failed statement spoils the transaction: later reads start a new one
                shared.close()
                raise
            finally:
                # A read that changed objects in memory (e.g. working out a digest it never writes) relies on
                # the rollback that ends it: end the shared session too, so later reads see none of it.
                if shared.session is session and shared.changed():
                    shared.close()
            return
        with self._readers() as session:
            session.info[CLOCK] = self.clock
            yield session  # closing the session rolls the read back

    @contextmanager
    def shared_read(self) -> Iterator[SharedRead]:
        """Every `read()` inside the block (in this context, and in threads it hands work to with the
        context copied, as Starlette does) shares one read session: a web request's session lookup,
        permission check and page reads in one database session and one transaction."""
        shared = SharedRead(self)
        token = _SHARED.set(shared)
        try:
            yield shared
        finally:
            _SHARED.reset(token)
            shared.close()

    def close(self) -> None:
        self.engine.dispose()
