"""The real CLI entry point (`ccaudit.cli.main.main`) run in this process: exit code and both streams.

Any exception other than SystemExit propagates, so a traceback fails the test that caused it."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

from ccaudit.cli.console import console, err_console
from ccaudit.cli.main import main

FIRM_HEADER = ("firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,allows_byod,has_iot,"
               "allows_remote_work\n")


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Both streams with line wrapping undone (Rich wraps at the console width)."""
        return " ".join((self.out + "\n" + self.err).split())


def ccaudit(*args: str | Path) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), patch.object(sys, "argv", ["ccaudit", *map(str, args)]):
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Outcome(code, out.getvalue(), err.getvalue())


def ccaudit_with_env(env: Mapping[str, str], *args: str | Path) -> Outcome:
    """`ccaudit ARGS` seeing exactly `env` as its environment, as `subprocess.run(..., env=env)` would, without
    paying a new interpreter's start-up: COLUMNS in `env` sets the width Rich wraps at, as in a fresh process."""
    columns = env.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() else None
    with patch.dict(os.environ, env, clear=True), patch.object(console, "_width", width), \
            patch.object(err_console, "_width", width):
        return ccaudit(*args)


def inspect(evidence: Path, out: Path, *more: str) -> Outcome:
    return ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", out, *more)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (empty when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
