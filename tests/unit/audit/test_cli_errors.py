"""Errors a user meets on the command line: one clear message, the right exit status, never a traceback;
and `verify`, which reads a database as it is and never creates or migrates one."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from ccaudit.audit.integrity.signing import generate_key

from .audit_fakes import make_result_dir
from .test_cli_audit import Cli


def _no_traceback(out: str) -> str:
    assert "Traceback" not in out, out
    return " ".join(out.split())  # one line: rich wraps long messages


def _team(cli: Cli, result: Path) -> None:
    cli("admin", "user", "add", "admin", "--name", "Ada Admin")
    cli("admin", "firm", "add", "9A00", "範例證券")
    cli("admin", "user", "add", "alice", "--name", "Alice")
    cli("admin", "user", "grant", "alice", "9A00", "auditor")
    cli("alice", "audit", "open", "9A00", "2026", "--as-of", "2026-11-30")
    cli("alice", "audit", "attach", "1", result)


def test_verify_of_a_mistyped_database_path_creates_nothing(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'ccaudit.db'}")
    out = _no_traceback(cli("bob", "verify", "--db", "sqlite:///typo/ccaudit.db", code=2))
    assert "no audit database at" in out and "typo/ccaudit.db" in out and "verified" not in out
    out = _no_traceback(cli("bob", "verify", code=2))  # the default database, never opened before
    assert "no audit database at" in out
    assert not (tmp_path / "typo").exists() and not (tmp_path / "data").exists()


def test_verify_reads_a_read_only_copy_without_changing_it(tmp_path: Path) -> None:
    db = tmp_path / "data" / "ccaudit.db"
    cli = Cli(tmp_path, f"sqlite:///{db}")
    cli("admin", "user", "add", "admin", "--name", "Ada Admin")
    cli("admin", "firm", "add", "9A00", "範例證券")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    copy = copy_dir / "ccaudit.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)  # a consistent copy, as a team would hand it to an inspector
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    copy.chmod(0o444)
    copy_dir.chmod(0o555)
    try:
        out = _no_traceback(cli("bob", "verify", "--db", f"sqlite:///{copy}"))
    finally:
        copy_dir.chmod(0o755)
    assert "verified the audit database" in out and "2 trail entries" in out
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before


def test_verify_refuses_to_migrate_an_out_of_date_schema(tmp_path: Path) -> None:
    db = tmp_path / "data" / "ccaudit.db"
    cli = Cli(tmp_path, f"sqlite:///{db}")
    cli("admin", "user", "add", "admin", "--name", "Ada Admin")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0002'")  # as an older ccaudit left it
    out = _no_traceback(cli("bob", "verify", code=2))
    assert "schema revision 0002" in out and "does not migrate" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_verify_of_an_empty_database_creates_no_schema(tmp_path: Path, db_url: str) -> None:
    """On PostgreSQL as on SQLite: verify runs no migration, so an empty database stays empty."""
    if db_url.startswith("sqlite"):
        sqlite3.connect(db_url.removeprefix("sqlite:///")).close()
    cli = Cli(tmp_path, db_url)
    out = _no_traceback(cli("bob", "verify", code=2))
    assert "is not a ccaudit audit database" in out
    engine = create_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_no_traceback_for_bad_paths_and_settings(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'ccaudit.db'}")
    out = _no_traceback(cli("bob", "verify", "/etc/passwd", code=1))
    assert "not a readable zip archive" in out
    out = _no_traceback(cli("alice", "audit", "export", "1", "--out", "/nonexistent/a.zip", code=2))
    assert "the folder /nonexistent does not exist" in out
    cli.env = {**cli.env, "CCAUDIT_DATA_DIR": "/etc/passwd"}
    del cli.env["CCAUDIT_DB"]
    out = _no_traceback(cli("alice", "audit", "list", code=2))
    assert "/etc/passwd is not a folder" in out and "CCAUDIT_DATA_DIR" in out
    cli.env = {**cli.env, "CCAUDIT_SAMPLE_ROWS": "many"}
    out = _no_traceback(cli("alice", "audit", "list", code=2))
    assert "CCAUDIT_SAMPLE_ROWS='many'" in out and "valid integer" in out


def test_unusable_signing_keys_are_named_with_their_cause(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'ccaudit.db'}")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n", encoding="ascii")
    locked = tmp_path / "locked.pem"
    generate_key(locked, "correct horse")
    out = _no_traceback(cli("bob", "audit", "anchor", "--key", garbage, code=2))
    assert f"{garbage} is not a PEM private key" in out
    out = _no_traceback(cli("bob", "audit", "anchor", "--key", locked, code=2))
    assert "protected by a passphrase: set CCAUDIT_KEY_PASSPHRASE" in out
    cli.env = {**cli.env, "CCAUDIT_KEY_PASSPHRASE": "wrong"}
    out = _no_traceback(cli("bob", "audit", "anchor", "--key", locked, code=2))
    assert "wrong passphrase (CCAUDIT_KEY_PASSPHRASE)" in out
    out = _no_traceback(cli("bob", "audit", "anchor", "--key", tmp_path / "none.pem", code=2))
    assert "no signing key at" in out and "`ccaudit user key`" in out
    out = _no_traceback(cli("bob", "audit", "anchor", "--key", tmp_path, code=2))  # a folder, not a file
    assert f"cannot read the signing key {tmp_path}" in out


@pytest.mark.slow
def test_rows_of_an_unknown_check_name_the_checks_of_the_run(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'ccaudit.db'}")
    _team(cli, make_result_dir(tmp_path / "result", offending={"remote_login_used_mfa": 2}))
    out = _no_traceback(cli("alice", "audit", "rows", "1", "no_such_check", code=2))
    assert "run 1 of audit 1 has no check 'no_such_check'" in out and "remote_login_used_mfa" in out
