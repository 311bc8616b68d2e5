"""What a test's fresh audit database costs: migrated from empty at each test (before) against copied from a
template migrated once per worker (tests/unit/audit/conftest.py, after), on SQLite and, with
CCAUDIT_TEST_PG_URL, on PostgreSQL. Prints CPU seconds of this process and wall seconds per database.

    CCAUDIT_TEST_PG_URL=$(scripts/start-postgres.sh) .venv/bin/python bench/audit_db_fixture.py [--n 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.db import Database
from ccaudit.settings import Settings


def timed(n: int, make: Callable[[Path], str]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        folder = Path(tempfile.mkdtemp(prefix="ccaudit-bench-db-"))
        AuditService.open(Settings(data_dir=folder / "data", db=make(folder))).close()
        shutil.rmtree(folder)
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5, help="databases per way (default 5)")
    n = parser.parse_args().n
    template = Path(tempfile.mkdtemp(prefix="ccaudit-bench-tpl-")) / "audit.db"
    Database(f"sqlite:///{template}").close()

    def sqlite_copy(folder: Path) -> str:
        shutil.copyfile(template, folder / "audit.db")
        return f"sqlite:///{folder / 'audit.db'}"

    rows = [("sqlite, migrated per test", timed(n, lambda f: f"sqlite:///{f / 'audit.db'}")),
            ("sqlite, template copied", timed(n, sqlite_copy))]
    pg = os.environ.get("CCAUDIT_TEST_PG_URL")
    if pg:
        admin = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
        created: list[str] = []

        def database(template_name: str | None) -> str:
            name = f"ccaudit_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                copy = f' TEMPLATE "{template_name}"' if template_name else ""
                conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
            created.append(name)
            return make_url(pg).set(database=name).render_as_string(hide_password=False)

        tpl_url = database(None)
        Database(tpl_url).close()
        tpl = make_url(tpl_url).database
        try:
            rows += [("postgresql, migrated per test", timed(n, lambda f: database(None))),
                     ("postgresql, template copied", timed(n, lambda f: database(tpl)))]
        finally:
            with admin.connect() as conn:
                for name in created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(f"{'fresh audit database':32} {'CPU s':>7} {'wall s':>7}   (mean of {n}; load {os.getloadavg()[0]:.1f})")
    for label, (cpu, wall) in rows:
        print(f"{label:32} {cpu:7.3f} {wall:7.3f}")


if __name__ == "__main__":
    main()
