"""Dataset templates: every built-in one is valid, and headers and file names map onto them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccaudit.errors import CatalogError
from ccaudit.evidence import normalize as nz
from ccaudit.evidence.models import DatasetTemplate, FieldType
from ccaudit.evidence.templates import TemplateRegistry, header_map, header_score, normalise_name

from .helpers import REGISTRY


def test_every_builtin_template_loads() -> None:
    ids = REGISTRY.ids()
    assert len(ids) >= 30
    assert {"remote_sessions", "people", "roles", "iot_inventory", "firm_profile"} <= set(ids)


@pytest.mark.parametrize("template", list(REGISTRY), ids=lambda t: t.id)
def test_builtin_template_is_sound(template: DatasetTemplate) -> None:
    assert template.title.en and template.title.zh_tw and template.description.en and template.description.zh_tw
    names = [f.name for f in template.fields]
    headers = [normalise_name(h) for f in template.fields for h in f.header_names()]
    assert len(set(headers)) == len(headers), "two fields share a header spelling"
    # A key may end in an optional part (a link's place on a page) that tells apart records which
    # would otherwise collide; its description must say when it is needed. The rest is required.
    assert template.key[:1] == [] or template.field(template.key[0]).required
    for key in template.key:
        spec = template.field(key)
        assert spec.required or (spec.description and "needed when" in spec.description), (
            f"key field {key} must be required, or say when it is needed"
        )
    for spec in template.fields:
        assert spec.zh, spec.name
        if spec.type is FieldType.ENUM:
            # The fast path passes canonical values through untouched: they must already be clean.
            for value in spec.values:
                assert value == value.strip() and value.lower() not in nz.NULL_WORDS, value
                assert value == "_".join(value.lower().replace("-", " ").split()), value
            assert set(spec.value_aliases.values()) <= set(spec.values)
    assert [c for c, _ in template.table_columns()][:2] == ["_file", "_row"]
    assert len(names) == len(set(names))


def test_header_map_in_english_chinese_aliases_and_loose_spelling() -> None:
    template = REGISTRY["remote_sessions"]
    mapping = header_map(template, ["Session ID", "員工編號", "START-TIME", "連線通道", "備註", "", "MFA_Method"])
    assert mapping.fields == {"session_id": 0, "person_id": 1, "start_time": 2, "channel": 3, "mfa_method": 6}
    assert mapping.unknown == ["備註"]
    assert mapping.conflicts == {}


def test_header_map_conflicts() -> None:
    mapping = header_map(REGISTRY["people"], ["person_id", "員工編號", "employment_status"])
    assert mapping.conflicts == {"person_id": ["person_id", "員工編號"]}
    assert mapping.fields["person_id"] == 0


def test_header_score_counts_fields_named() -> None:
    score = header_score(REGISTRY["people"])
    assert score(["person_id", "員工編號", "姓名", "x"]) == 2
    assert score(["XX證券 人員清冊"]) == 0


@pytest.mark.parametrize(
    ("name", "dataset"),
    [("remote_sessions.csv", "remote_sessions"), ("Remote Sessions 2025-10.xlsx", "remote_sessions"),
     ("vpn_sessions_part2.csv", "remote_sessions"), ("遠端連線紀錄.csv", "remote_sessions"),
     ("people.csv", "people"), ("employees.json", "people"), ("remote.csv", None), ("peoples.csv", None)],
)
def test_match_file(name: str, dataset: str | None) -> None:
    template = REGISTRY.match_file(Path(name))
    assert (template.id if template else None) == dataset


def test_normalise_name() -> None:
    assert normalise_name("  Remote-Sessions (2025).CSV ") == "remote_sessions_2025_csv"
    assert normalise_name("ＡＢＣ（全形）") == "abc_全形"


def test_invalid_template_file(tmp_path: Path) -> None:
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "broken.yaml").write_text("id: broken\nfields: []\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"dataset template .*broken\.yaml is invalid"):
        TemplateRegistry.load([tmp_path])


def test_template_id_must_match_file_name(tmp_path: Path) -> None:
    (tmp_path / "datasets").mkdir()
    text = (Path(__file__).parents[3] / "src/ccaudit/content/datasets/roles.yaml").read_text(encoding="utf-8")
    (tmp_path / "datasets" / "functions.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="differs from the file name"):
        TemplateRegistry.load([tmp_path])


def test_dataset_defined_twice(tmp_path: Path) -> None:
    (tmp_path / "datasets").mkdir()
    text = (Path(__file__).parents[3] / "src/ccaudit/content/datasets/roles.yaml").read_text(encoding="utf-8")
    (tmp_path / "datasets" / "roles.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="dataset roles is defined twice"):
        TemplateRegistry.load([tmp_path])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": ["nope"]}, "key names unknown fields"),
        ({"naive_timestamps": "tokyo"}, "naive_timestamps must be 'local' or 'utc'"),
        ({"id": "Bad-Id"}, "must be snake_case"),
    ],
)
def test_template_validation(change: dict[str, object], message: str) -> None:
    data = REGISTRY["roles"].model_dump(by_alias=True)
    data.update(change)
    with pytest.raises(ValueError, match=message):
        DatasetTemplate.model_validate(data)
