"""The import's own DuckDB memory limit (CCAUDIT_DUCKDB_IMPORT_MEMORY_LIMIT): a size, or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.cli.inprocess import ccaudit_with_env

from ccaudit.settings import Settings


@pytest.mark.parametrize("size", ["800MB", "1.5GB", "2GiB", " 512 mb "])
def test_a_size_duckdb_understands_is_taken(size: str) -> None:
    assert Settings(duckdb_import_memory_limit=size).duckdb_import_memory_limit == size.strip()


@pytest.mark.parametrize("size", ["lots", "800", "1.5 GB; SET threads = 64", ""])
def test_anything_else_is_refused(size: str) -> None:
    with pytest.raises(ValidationError, match="such as 800MB"):
        Settings(duckdb_import_memory_limit=size)


def test_inspect_names_the_setting_and_imports_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = ccaudit_with_env({"CCAUDIT_DUCKDB_IMPORT_MEMORY_LIMIT": "lots", "HOME": str(tmp_path)},
                              "inspect", tmp_path, "--as-of", "2026-11-30", "--out", out)
    assert result.code == 2
    assert "CCAUDIT_DUCKDB_IMPORT_MEMORY_LIMIT='lots'" in result.text and "such as 800MB" in result.text
    assert "Traceback" not in result.text
    assert not out.exists()
