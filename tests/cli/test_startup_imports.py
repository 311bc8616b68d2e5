"""A command loads only what it uses: `ccaudit --help`, `ccaudit catalog` and parsing a typed date do not
load the database layer, the check engines or the report renderers (each costs a noticeable part of a
second on every command). Checked in a fresh interpreter, on the modules loaded, never on time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "alembic", "duckdb", "pyarrow", "sqlglot", "numpy", "weasyprint", "xlsxwriter",
         "python_calamine", "pyspark", "psycopg", "playwright", "boto3")

_PROBE = """
import json, sys
from unittest.mock import patch
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_loaded(body: str) -> list[str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", _PROBE.format(body=body, heavy=HEAVY)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def _run_cli(*args: str) -> str:
    return (f"from ccaudit.cli.main import main\n"
            f"with patch.object(sys, 'argv', ['ccaudit', *{list(args)!r}]):\n"
            f"    try:\n        main()\n    except SystemExit as exc:\n        assert exc.code == 0, exc.code\n")


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _heavy_loaded("import ccaudit.cli.main") == []


@pytest.mark.parametrize("args", [("--help",), ("catalog",), ("audit", "--help")])
def test_light_commands_load_no_heavy_library(args: tuple[str, ...]) -> None:
    assert _heavy_loaded(_run_cli(*args)) == []


def test_a_typed_roc_date_is_read_without_duckdb() -> None:
    body = "from ccaudit.dates import parse_user_date\nassert str(parse_user_date('115/11/30')) == '2026-11-30'"
    assert _heavy_loaded(body) == []


def test_audit_commands_load_the_database_layer_but_not_the_check_engines() -> None:
    """`ccaudit firm add`, `audit show`, … open the database; the check engines load only with a run's rows."""
    loaded = _heavy_loaded("import ccaudit.audit.service\nimport ccaudit.cli.audit.audits")
    assert loaded == ["alembic", "sqlalchemy"]
