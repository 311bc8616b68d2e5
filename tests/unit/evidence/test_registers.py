"""Registers a firm in scope cannot have empty (templates' min_rows) and ranges stated in templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from ccaudit.errors import CatalogError
from ccaudit.evidence.models import DatasetTemplate, FieldSpec
from ccaudit.evidence.template_writer import write_templates
from ccaudit.evidence.templates import TemplateRegistry

from .helpers import REGISTRY, Folder

IN_SCOPE = {"uses_cloud": True, "allows_remote_work": True, "has_iot": True}


def test_an_empty_register_is_short_unless_its_scope_flag_is_off() -> None:
    rows = {"people": 0, "roles": 0, "iot_inventory": 0, "network_events": 0, "cloud_services": 3}
    assert REGISTRY.too_few_rows(rows, IN_SCOPE) == ["iot_inventory", "people", "roles"]
    assert REGISTRY.too_few_rows(rows, {**IN_SCOPE, "allows_remote_work": False, "has_iot": False}) == ["people"]
    # no profile, or a flag not stated: the condition counts (an empty register never reads as clean)
    assert REGISTRY.too_few_rows(rows, None) == ["iot_inventory", "people", "roles"]
    assert REGISTRY.too_few_rows(rows, {"allows_remote_work": None}) == ["iot_inventory", "people", "roles"]


def test_the_registers_that_cannot_be_empty() -> None:
    declared = {t.id: t.min_rows_when for t in REGISTRY if t.min_rows}
    assert declared["people"] is None
    assert declared["company_mobile_devices"] is None and declared["device_apps"] is None
    assert declared["roles"] == "allows_remote_work"
    assert declared["iot_inventory"] == "has_iot"
    assert declared["cloud_services"] == "uses_cloud"
    assert declared["byod_register"] == "allows_byod"
    assert declared["social_accounts"] == declared["website_outbound_links"] == "has_official_social_pages"
    # logs of events that may not have happened stay optional
    for legitimately_empty in ("network_events", "device_resets", "social_moderation_incidents", "attestations",
                               "compensating_measures", "iot_known_defects", "gateway_advisories"):
        assert legitimately_empty not in declared


def test_a_condition_must_name_a_scope_flag() -> None:
    profile = REGISTRY["firm_profile"]
    bad = DatasetTemplate.model_validate({
        "id": "x", "title": {"en": "x", "zh-TW": "x"}, "description": {"en": "x", "zh-TW": "x"},
        "min_rows": 1, "min_rows_when": "firm_name", "fields": [{"name": "a", "zh": "a", "type": "string"}]})
    with pytest.raises(CatalogError, match="not a scope flag of firm_profile"):
        TemplateRegistry([profile, bad])


def test_the_import_warns_about_an_empty_register(folder: Folder) -> None:
    folder.csv("people.csv", ["person_id", "employment_status"], [])
    warnings = folder.run().manifest.warnings
    assert warnings == ["people.csv: 0 record(s) of people; a firm in scope has at least 1: the requirements "
                        "that need it are needs_review, not compliant"]


def test_ranges_must_fit_the_field_type() -> None:
    with pytest.raises(ValidationError, match="does not fit type"):
        FieldSpec.model_validate({"name": "a", "zh": "a", "type": "date", "min": 3})
    with pytest.raises(ValidationError, match="does not fit type"):
        FieldSpec.model_validate({"name": "a", "zh": "a", "type": "string", "max": 3})
    spec = FieldSpec.model_validate({"name": "a", "zh": "a", "type": "date", "min": dt.date(2000, 1, 1)})
    assert spec.bounds() == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    assert spec.expected().endswith("; from 2000-01-01 to 2100-12-31")


def test_every_number_in_the_templates_has_a_range() -> None:
    for template in REGISTRY:
        for spec in template.fields:
            if spec.type.value in ("integer", "number"):
                assert spec.bounds() is not None, (template.id, spec.name)


def test_the_written_templates_say_what_cannot_be_empty_and_which_columns_are_identifiers(tmp_path: Path) -> None:
    write_templates(REGISTRY, tmp_path)
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    roles = index[index.index("## `roles`"):index.index("## ", index.index("## `roles`") + 3)]
    assert "Cannot be empty when firm_profile.allows_remote_work is true: at least 1 record(s)" in roles
    assert "Identifiers (role_id): identifiers are compared after Unicode NFKC normalisation" in roles
    assert "a date whose year has one or two digits" in index
    assert "| `review_interval_months` | 定期檢視週期月數 | integer |  | a whole number; from 1 to 36 |" in index
    notes = openpyxl.load_workbook(tmp_path / "people.xlsx")["說明 Notes"]
    texts = [c.value for row in notes.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Cannot be empty: at least 1 record(s)") for t in texts)
    # what a column takes, in both languages: an enum's codes with the Chinese spellings accepted for them
    assert "one of active, leave, terminated\n下列之一：active（在職）、leave（留職停薪）、terminated（離職）" in texts
