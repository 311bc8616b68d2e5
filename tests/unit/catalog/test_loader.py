"""The Article 12 catalog as data, and choosing the version in force."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary, load_catalog
from ccaudit.catalog.models import Obligation
from ccaudit.content import BUILTIN
from ccaudit.errors import CatalogError

LEAVES = [
    "12.1.1", "12.1.2", "12.2.1.1", "12.2.1.2", "12.2.2", "12.2.3.1", "12.2.3.2", "12.2.3.3", "12.2.3.4",
    "12.3.1.1", "12.3.1.2", "12.3.1.3", "12.3.2.1", "12.3.2.2", "12.3.2.3",
    *(f"12.4.{i}" for i in range(1, 7)), *(f"12.5.{i}" for i in range(1, 10)),
]


def test_every_leaf_of_article_12_is_an_assessable_requirement() -> None:
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, dt.date(2026, 11, 30))
    assessable = [r.id for r in catalog.assessable()]
    assert assessable == LEAVES
    assert catalog.control_code == "CC-21100"


def test_advisable_items_follow_the_text() -> None:
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, dt.date(2026, 11, 30))
    advisable = {r.id for r in catalog.assessable() if r.obligation is Obligation.ADVISABLE}
    assert advisable == {"12.3.1.3", "12.4.4", "12.4.5"}


def test_scope_flags_follow_the_regulation_readme() -> None:
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, dt.date(2026, 11, 30))
    flags = {r.id: r.applies_if for r in catalog.assessable()}
    assert flags["12.1.1"] == "uses_cloud"
    assert flags["12.1.2"] == "is_cloud_provider"
    assert {flags[f"12.3.2.{i}"] for i in (1, 2, 3)} == {"allows_byod"}
    assert {flags[f"12.4.{i}"] for i in range(1, 7)} == {"has_iot"}
    assert {flags[f"12.5.{i}"] for i in range(1, 10)} == {"allows_remote_work"}


def test_every_requirement_has_both_languages() -> None:
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, dt.date(2026, 11, 30))
    for req in catalog.requirements:
        assert req.text.en and req.text.zh_tw, req.id


def _write_version(folder: Path, version: int, effective: str) -> None:
    data = yaml.safe_load((BUILTIN / "catalogs" / "twse-sec-infosec-art12.v1.yaml").read_text(encoding="utf-8"))
    data["version"] = version
    data["effective_from"] = effective
    (folder / "catalogs").mkdir(parents=True, exist_ok=True)
    (folder / "catalogs" / f"art12.v{version}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_inspection_uses_the_version_in_force_on_its_as_of_date(tmp_path: Path) -> None:
    _write_version(tmp_path, 2, "2027-03-01")
    library = CatalogLibrary.load([tmp_path])
    assert library.in_force(DEFAULT_CATALOG, dt.date(2027, 2, 28)).version == 1
    assert library.in_force(DEFAULT_CATALOG, dt.date(2027, 3, 1)).version == 2


def test_no_version_in_force_before_the_first_one() -> None:
    with pytest.raises(CatalogError, match="no version in force"):
        CatalogLibrary.load().in_force(DEFAULT_CATALOG, dt.date(2022, 12, 27))


def test_periods_before_the_2024_amendment_follow_the_2022_text() -> None:
    library = CatalogLibrary.load()
    before = library.in_force(DEFAULT_CATALOG, dt.date(2023, 12, 31))
    assert (before.version, before.effective_from) == (0, dt.date(2022, 12, 28))
    assert "2022-12-28" in before.title.en and "in force until the 2024-05-15 amendment" in before.source
    assert library.in_force(DEFAULT_CATALOG, dt.date(2022, 12, 28)).version == 0
    assert library.in_force(DEFAULT_CATALOG, dt.date(2024, 5, 14)).version == 0
    assert library.in_force(DEFAULT_CATALOG, dt.date(2024, 5, 15)).version == 1
    # The same requirements and checks: the English text on file is the 2022-12-28 one for both.
    assert [r.id for r in before.assessable()] == LEAVES


def test_inspect_as_of_2023_names_the_older_catalog_version(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ccaudit.cli.main import app

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "firm_profile.csv").write_text(
        "firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,allows_byod,has_iot,"
        "allows_remote_work\n9A00,範例證券,Y,N,Y,Y,Y,Y\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["inspect", str(evidence), "--as-of", "2023-12-31", "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    findings = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    assert (findings["catalog"], findings["catalog_version"]) == (DEFAULT_CATALOG, 0)
    assert len(findings["findings"]) == len(LEAVES)


def test_a_catalog_with_an_unknown_parent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({
        "urn": "urn:x", "id": "x", "version": 1, "effective_from": "2024-01-01",
        "title": {"en": "x", "zh-TW": "x"},
        "requirements": [{"id": "1.1", "parent": "1", "obligation": "shall", "attestation": "only",
                          "text": {"en": "a", "zh-TW": "甲"}}],
    }), encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown parent"):
        load_catalog(path)


def test_another_article_loads_as_a_further_catalog_without_code(tmp_path: Path) -> None:
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "art2.yaml").write_text(yaml.safe_dump({
        "urn": "urn:ccaudit:catalog:twse:sec-infosec-inspection:art2", "id": "twse-sec-infosec-art2",
        "version": 1, "effective_from": "2024-05-15", "title": {"en": "Policy", "zh-TW": "資訊安全政策"},
        "requirements": [{"id": "2.1", "obligation": "shall", "attestation": "only",
                          "text": {"en": "A policy exists.", "zh-TW": "應訂定政策。"}}],
    }, allow_unicode=True), encoding="utf-8")
    library = CatalogLibrary.load([tmp_path])
    assert "twse-sec-infosec-art2" in library.ids()
    assert DEFAULT_CATALOG in library.ids()
