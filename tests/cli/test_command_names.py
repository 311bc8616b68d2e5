"""Every command a message or a document tells the user to run exists (a message once named a
`keys generate` command that never did): commands quoted in backticks in the source and the docs, and
the command lines of the docs' code blocks, are looked up in the real command tree."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from ccaudit.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
_COMMAND = r"(?:[A-Z_]+=\S+ )*ccaudit ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?"
QUOTED = re.compile(r"`" + _COMMAND)  # `ccaudit X Y` in a message, docstring or document
IN_CODE = re.compile(r"(?:^[ \t]*|\$\(|\|\| |&& )" + _COMMAND, re.MULTILINE)  # a command line in a ``` block
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _sources() -> list[Path]:
    files = sorted((ROOT / "src" / "ccaudit").rglob("*.py"))
    files += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "src" / "ccaudit" / "content" / "messages").glob("*.yaml"))
    return files


def test_every_quoted_command_exists() -> None:
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    stale = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        code = "\n".join(FENCE.findall(text)) if path.suffix == ".md" else ""
        for match in [*QUOTED.finditer(text), *IN_CODE.finditer(code)]:
            name, sub = match.group(1), match.group(2)
            command = root.get_command(ctx, name)  # type: ignore[attr-defined]
            if command is None:
                stale.append(f"{path.relative_to(ROOT)}: ccaudit {name}")
            elif hasattr(command, "get_command") and sub and command.get_command(ctx, sub) is None:  # a group
                stale.append(f"{path.relative_to(ROOT)}: ccaudit {name} {sub}")
    assert not stale, "commands that do not exist:\n" + "\n".join(stale)
