"""`--db URL` sits in the same place on every command that opens the audit database: after the command,
like its other options (`ccaudit audit show 1 --db URL`, `ccaudit verify --db URL`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from ccaudit.cli.main import app

DATABASE_COMMANDS = ("audit", "firm", "user")
TOP_LEVEL_WITH_DB = ("verify", "report", "compare")


def _options(command: object) -> set[str]:
    return {opt for p in getattr(command, "params", []) for opt in getattr(p, "opts", [])}


# runs on the reviewer's own machine, away from the database: it signs a digest the web page shows
OFFLINE = {("audit", "sign-digest")}


def test_every_database_command_takes_db_after_its_name() -> None:
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    for group_name in DATABASE_COMMANDS:
        group = root.get_command(ctx, group_name)  # type: ignore[attr-defined]
        assert "--db" not in _options(group), f"`ccaudit {group_name} --db` would be a second place"
        for name in group.list_commands(ctx):
            if (group_name, name) in OFFLINE:
                assert "--db" not in _options(group.get_command(ctx, name)), f"{name} is meant to need no database"
                continue
            assert "--db" in _options(group.get_command(ctx, name)), f"ccaudit {group_name} {name} has no --db"
    for name in TOP_LEVEL_WITH_DB:
        assert "--db" in _options(root.get_command(ctx, name)), f"ccaudit {name} has no --db"  # type: ignore[attr-defined]


def test_db_after_the_command_is_the_database_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CCAUDIT_DATA_DIR": str(tmp_path / "data"),
           "CCAUDIT_USER": "ada"}

    def run(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "ccaudit", *args], capture_output=True, text=True, env=env,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    run("user", "add", "ada", "--name", "Ada", "--db", url)
    run("firm", "add", "9A00", "範例證券", "--db", url)
    assert "9A00" in run("firm", "list", "--db", url)
    assert "verified the audit database" in run("verify", "--db", url)
    assert (tmp_path / "elsewhere.db").is_file() and not (tmp_path / "data" / "ccaudit.db").exists()
