"""The demo firm's planted gaps are found exactly: for every check, the offending keys equal the
planted keys (none missed, none invented), and the requirement statuses follow. The stress-test firm
(`plant="all"`) has a gap in every check; the default, credible firm has a few findings of each kind."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from ccaudit.checks.models import CheckOutcome
from ccaudit.checks.runner import offending_table
from ccaudit.demo.generator import PLANTED_FILE, generate
from ccaudit.evidence.importer import open_workspace
from ccaudit.evidence.readers import quote_ident
from ccaudit.findings.models import Status
from ccaudit.inspection.service import WORKSPACE, InspectionResult, inspect
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)


def _key(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


@pytest.fixture(scope="module")
def all_in_scope(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InspectionResult]:
    root = tmp_path_factory.mktemp("demo-all")
    generate(root, scale=0.02, seed=7, as_of=AS_OF, scope={"is_cloud_provider": True}, plant="all")
    return root, inspect(root / "evidence", AS_OF, root / "results", Settings())


@pytest.fixture(scope="module")
def credible(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InspectionResult]:
    root = tmp_path_factory.mktemp("demo-credible")
    generate(root, scale=0.02, seed=11, as_of=AS_OF)  # the default: what `ccaudit demo` shows first
    return root, inspect(root / "evidence", AS_OF, root / "results", Settings())


def _found_equals_planted(root: Path, result: InspectionResult) -> set[str]:
    """Asserts every check's offending keys equal the planted keys; returns the checks compared."""
    planted = json.loads((root / PLANTED_FILE).read_text(encoding="utf-8"))
    con = open_workspace(root / "results" / WORKSPACE, Settings(), read_only=True)
    try:
        checked = set()
        for check_id, expected in planted["failing"].items():
            check = result.results[check_id].check
            cols = ", ".join(quote_ident(k) for k in check.meta.key)
            rows = con.execute(f"SELECT {cols} FROM {quote_ident(offending_table(check_id))}").fetchall()
            found = sorted("|".join(_key(v) for v in row) for row in rows)
            assert found == sorted(expected), check_id
            checked.add(check_id)
    finally:
        con.close()
    for check_id in planted["missing_evidence"]:
        assert result.results[check_id].outcome is CheckOutcome.MISSING_EVIDENCE, check_id
        checked.add(check_id)
    automated = set(result.results)
    assert automated <= checked, f"checks without planted expectations: {sorted(automated - checked)}"
    return checked


def test_every_planted_gap_is_found_and_nothing_else(all_in_scope: tuple[Path, InspectionResult]) -> None:
    root, result = all_in_scope
    planted = json.loads((root / PLANTED_FILE).read_text(encoding="utf-8"))
    _found_equals_planted(root, result)
    assert not planted["missing_evidence"]
    assert all(planted["failing"][c] for c in result.results), "every automated check has at least one planted gap"


def test_the_default_demo_is_a_credible_firm(credible: tuple[Path, InspectionResult]) -> None:
    """Mostly compliant, with one finding of each other kind: what a newcomer should first see."""
    root, result = credible
    _found_equals_planted(root, result)  # its few gaps are found exactly too
    counts = result.report.counts
    assert counts == {"compliant": 21, "non_compliant": 5, "observation": 1, "compensated": 1,
                      "not_applicable": 1, "needs_review": 1}
    assert counts["compliant"] > sum(counts.values()) / 2
    status = {f.requirement_id: f.status for f in result.report.findings}
    assert {r for r, s in status.items() if s is Status.NON_COMPLIANT} == {
        "12.2.3.2", "12.2.3.3", "12.3.2.2", "12.5.4", "12.5.5"}
    assert status["12.4.5"] is Status.OBSERVATION  # an advisable item: an observation, not a deficiency
    assert status["12.1.1"] is Status.COMPENSATED  # one slow provider under a valid measure
    assert status["12.1.2"] is Status.NOT_APPLICABLE  # the firm is not a cloud provider
    review = next(f for f in result.report.findings if f.requirement_id == "12.5.7")
    assert review.status is Status.NEEDS_REVIEW and "remote_gateways" in review.summary
    # the register `ccaudit probe site` reads is handed in too: the folder is what a firm would give
    websites = [(e.original_name, e.rows) for e in result.report.evidence if e.dataset == "official_websites"]
    assert websites == [("官方網站清冊.xlsx", 3)]


def test_planted_compensations_are_counted(all_in_scope: tuple[Path, InspectionResult]) -> None:
    root, result = all_in_scope
    planted = json.loads((root / PLANTED_FILE).read_text(encoding="utf-8"))
    for check_id, keys in planted["compensated"].items():
        assert result.results[check_id].compensated == len(keys), check_id
    statuses = {f.status for f in result.report.findings}
    assert Status.NON_COMPLIANT in statuses and Status.COMPENSATED in statuses


def test_offending_rows_are_written_in_full_with_their_source(all_in_scope: tuple[Path, InspectionResult]) -> None:
    root, result = all_in_scope
    for check_id, res in result.results.items():
        if not res.offending:
            continue
        path = root / "results" / "offending" / f"{check_id}.csv"
        with path.open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == res.offending, check_id
        assert {"source_file", "source_row", "source_sha256"} <= set(rows[0])


def test_findings_json_follows_the_contract(all_in_scope: tuple[Path, InspectionResult]) -> None:
    root, _ = all_in_scope
    data = json.loads((root / "results" / "findings.json").read_text(encoding="utf-8"))
    assert data["as_of"] == "2026-11-30" and data["firm"] == "範例證券股份有限公司"
    assert len(data["findings"]) == 30
    for finding in data["findings"]:
        assert finding["status"] in {s.value for s in Status}
        for check in finding["checks"]:
            assert {"check_id", "offending_count", "sample", "evidence"} <= set(check)
            for ref in check["evidence"]:
                assert len(ref["sha256"]) == 64


def test_default_demo_scope_makes_cloud_provider_items_not_applicable(tmp_path: Path) -> None:
    generate(tmp_path, scale=0.01, seed=3, as_of=AS_OF)
    result = inspect(tmp_path / "evidence", AS_OF, tmp_path / "results", Settings())
    finding = next(f for f in result.report.findings if f.requirement_id == "12.1.2")
    assert finding.status is Status.NOT_APPLICABLE
    assert "is_cloud_provider" in finding.summary
    assert not list((tmp_path / "results" / "offending").glob("sensitive_*"))


def test_a_demo_firm_written_all_in_parquet_finds_exactly_its_planted_gaps(tmp_path: Path) -> None:
    """`ccaudit demo --format parquet` (and --firms, whose firms differ by ID and seed)."""
    generate(tmp_path, scale=0.02, seed=8, as_of=AS_OF, scope={"is_cloud_provider": True}, plant="all",
             firm=("9B07", "範例證券"), fmt="parquet")
    assert {p.suffix for p in (tmp_path / "evidence").iterdir()} == {".parquet"}
    result = inspect(tmp_path / "evidence", AS_OF, tmp_path / "results", Settings())
    assert result.report.firm_id == "9B07"
    _found_equals_planted(tmp_path, result)
