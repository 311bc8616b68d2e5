"""Check folders are validated when loaded: the folder is the ID, titles state conditions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ccaudit.checks.loader import CheckLibrary, load_pack
from ccaudit.errors import CatalogError

META = {
    "id": "demo_check", "title": {"en": "Widgets are locked", "zh-TW": "小工具已上鎖"}, "severity": "low",
    "datasets": ["people"], "key": ["person_id"], "sentence": {"en": "{person_id}", "zh-TW": "{person_id}"},
    "rationale": {"en": "r", "zh-TW": "r"}, "remediation": {"en": "r", "zh-TW": "r"},
    "vars": {"roles": ["A", "B'C"]},
}


def _pack(root: Path, meta: dict[str, object], folder: str = "demo_check", sql: str = "SELECT 1") -> Path:
    path = root / "checks" / "area" / folder
    path.mkdir(parents=True)
    (path / "check.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    (path / "query.sql").write_text(sql, encoding="utf-8")
    return root


def test_an_external_pack_loads_and_renders_vars_as_quoted_literals(tmp_path: Path) -> None:
    _pack(tmp_path, META, sql="SELECT * FROM people WHERE role_id IN ({{ roles | sql_list }})")
    check = CheckLibrary.load([tmp_path]).get("demo_check")
    assert "IN ('A', 'B''C')" in check.sql


def test_folder_and_id_must_match(tmp_path: Path) -> None:
    _pack(tmp_path, META, folder="other_name")
    with pytest.raises(CatalogError, match="differs from its folder"):
        list(load_pack(tmp_path / "checks"))


def test_titles_state_the_condition(tmp_path: Path) -> None:
    _pack(tmp_path, {**META, "title": {"en": "Ensure widgets are locked", "zh-TW": "x"}})
    with pytest.raises(CatalogError, match="Ensure"):
        list(load_pack(tmp_path / "checks"))


def test_an_undefined_var_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    _pack(tmp_path, META, sql="SELECT {{ missing }}")
    with pytest.raises(CatalogError, match="cannot be rendered"):
        list(load_pack(tmp_path / "checks"))


def test_a_check_defined_twice_is_refused(tmp_path: Path) -> None:
    _pack(tmp_path / "a", META)
    _pack(tmp_path / "b", META)
    with pytest.raises(CatalogError, match="defined twice"):
        CheckLibrary.load([tmp_path / "a", tmp_path / "b"])
