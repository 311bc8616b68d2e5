from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest

from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportInput
from ccaudit.reports.report_to_csv import REQUIREMENT_COLUMNS, write_csv
from ccaudit.reports.report_to_json import schema, write_json
from ccaudit.settings import Settings

from .conftest import BIG_CHECK_ROWS


@pytest.fixture(scope="module")
def inp(result_dir: Path, previous_dir: Path, settings: Settings) -> ReportInput:
    return from_result_dir.load(result_dir, settings, previous=previous_dir)


def _validator(ref: str | None = None) -> jsonschema.Draft202012Validator:
    root = schema()
    jsonschema.Draft202012Validator.check_schema(root)
    target = {"$ref": f"#/$defs/{ref}", "$defs": root["$defs"]} if ref else root
    return jsonschema.Draft202012Validator(target, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_json_validates_against_the_published_schema(inp: ReportInput, tmp_path: Path) -> None:
    doc = json.loads(write_json(inp, tmp_path / "r.json").read_text(encoding="utf-8"))
    _validator().validate(doc)
    assert doc["catalog"]["version"] == inp.data.catalog.version
    assert doc["source"]["findings_sha256"] == inp.data.source.findings_sha256
    big = doc["offending"][0]
    assert big["count"] == BIG_CHECK_ROWS and big["rows_included"] == BIG_CHECK_ROWS and not big["truncated"]
    assert big["rows"][0][0] == "設備-00000"


def test_json_can_be_truncated_and_says_so(inp: ReportInput, tmp_path: Path) -> None:
    doc = json.loads(write_json(inp, tmp_path / "r.json", max_rows=3).read_text(encoding="utf-8"))
    _validator().validate(doc)
    assert all(len(o["rows"]) == o["rows_included"] <= 3 for o in doc["offending"])
    assert doc["offending"][0]["truncated"] is True


def test_json_without_offending_rows_is_valid(inp: ReportInput, tmp_path: Path) -> None:
    bare = ReportInput(inp.data.model_copy(update={"offending": []}), inp.rows)
    _validator().validate(json.loads(write_json(bare, tmp_path / "r.json").read_text(encoding="utf-8")))


def test_same_input_gives_the_same_json(inp: ReportInput, tmp_path: Path) -> None:
    a, b = write_json(inp, tmp_path / "a.json"), write_json(inp, tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()


def test_csv_rows_validate_against_the_schema(inp: ReportInput, tmp_path: Path) -> None:
    written = write_csv(inp, tmp_path / "csv", "zh-TW", max_rows=10)
    assert written[1].read_bytes().startswith(b"\xef\xbb\xbf")
    with written[1].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == REQUIREMENT_COLUMNS
    check = _validator("csv_requirement_row")
    for row in rows:
        check.validate(row)
    assert [r["requirement_id"] for r in rows] == [r.id for r in inp.data.requirements]
    with written[0].open(encoding="utf-8-sig", newline="") as handle:
        info = {r["key"]: r["value"] for r in csv.DictReader(handle)}
    assert info["catalog_version"] == str(inp.data.catalog.version) and info["schema_version"] == "1.4"
    offending = tmp_path / "csv" / "offending" / f"{inp.data.offending[0].check_id}.csv"
    assert len(offending.read_text(encoding="utf-8-sig").splitlines()) == 11
