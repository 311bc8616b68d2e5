"""Documentation that cannot drift: commands in the README, the generated check reference, settings."""

from __future__ import annotations

import re
from pathlib import Path

from ccaudit.checks.reference import render
from ccaudit.cli.main import app
from ccaudit.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    for name in names:
        assert re.search(rf"ccaudit {re.escape(name)}\b", readme), f"README does not show `ccaudit {name}`"


def test_check_reference_is_current() -> None:
    current = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert current == render(), "regenerate: python -m ccaudit.checks.reference > docs/checks.md"


def test_every_setting_is_described_and_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"CCAUDIT_{name.upper()}" in readme, f"README does not document CCAUDIT_{name.upper()}"
