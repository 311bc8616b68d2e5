from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog as OscalCatalog
from trestle.oscal.poam import PlanOfActionAndMilestones

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.reports import from_result_dir
from ccaudit.reports.catalog_to_oscal import write_catalog
from ccaudit.reports.generate import generate
from ccaudit.reports.model import DEFICIENT, ReportInput, Result, Texts
from ccaudit.reports.oscal_common import evidence_links
from ccaudit.reports.remediation_to_poam import write_poam
from ccaudit.reports.report_to_oscal import write_assessment_results
from ccaudit.settings import Settings

from .conftest import AS_OF


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CatalogLibrary.load().in_force(DEFAULT_CATALOG, AS_OF)


@pytest.fixture(scope="module")
def inp(result_dir: Path, settings: Settings) -> ReportInput:
    return from_result_dir.load(result_dir, settings)


def _control_ids(controls: list[object] | None) -> set[str]:
    out: set[str] = set()
    for c in controls or []:
        out.add(c.id)  # type: ignore[attr-defined]
        out |= _control_ids(c.controls)  # type: ignore[attr-defined]
    return out


def test_catalog_validates_and_keeps_every_requirement(catalog: Catalog, tmp_path: Path) -> None:
    doc = OscalCatalog.oscal_read(write_catalog(catalog, tmp_path / "catalog.json"))
    assert doc is not None and doc.groups is not None
    ids = set().union(*(_control_ids(g.controls) for g in doc.groups))  # type: ignore[union-attr]
    expected = {f"art{r.id}" for r in catalog.requirements if r.parent not in (None, "12") or r.assessable}
    assert expected <= ids
    assert "雲端服務" in json.dumps(doc.oscal_dict(), ensure_ascii=False)


def test_assessment_results_validate_and_link_evidence_by_hash(
    inp: ReportInput, catalog: Catalog, tmp_path: Path
) -> None:
    links = evidence_links([e.sha256 for e in inp.data.evidence], inp.evidence_dirs, tmp_path)
    path = write_assessment_results(inp.data, tmp_path / "ar.json", evidence_links=links)
    doc = AssessmentResults.oscal_read(path)
    assert doc is not None
    result = doc.results[0]
    assert result.findings is not None and len(result.findings) == len(inp.data.requirements)
    catalog_doc = OscalCatalog.oscal_read(write_catalog(catalog, tmp_path / "catalog.json"))
    assert catalog_doc is not None and catalog_doc.groups is not None
    controls = set().union(*(_control_ids(g.controls) for g in catalog_doc.groups))  # type: ignore[union-attr]
    assert {f.target.target_id for f in result.findings} <= controls
    observations = {o.uuid: o for o in result.observations or []}
    risks = {r.uuid for r in result.risks or []}
    for finding in result.findings:
        assert {r.observation_uuid for r in finding.related_observations or []} <= set(observations)
        assert {r.risk_uuid for r in finding.related_risks or []} <= risks
    assert doc.back_matter is not None and doc.back_matter.resources is not None
    resources = {r.uuid: r for r in doc.back_matter.resources}
    for obs in observations.values():
        for ev in obs.relevant_evidence or []:
            resource = resources[str(ev.href).removeprefix("#")]
            assert resource.rlinks and resource.rlinks[0].hashes
            sha = next(p.value for p in ev.props or [] if p.name == "sha256")
            assert resource.rlinks[0].hashes[0].value == sha
    gaps = sum(1 for r in inp.data.requirements if r.result in (*DEFICIENT, Result.OBSERVATION))
    assert len(risks) == gaps


def test_poam_has_an_item_per_deficiency_and_observation(inp: ReportInput, tmp_path: Path) -> None:
    doc = PlanOfActionAndMilestones.oscal_read(write_poam(inp.data, tmp_path / "poam.json"))
    assert doc is not None
    expected = [r.id for r in inp.data.requirements if r.result in (*DEFICIENT, Result.OBSERVATION)]
    assert [i.title.split(":")[0] for i in doc.poam_items] == expected


def test_oscal_output_is_reproducible(inp: ReportInput, tmp_path: Path) -> None:
    a = write_assessment_results(inp.data, tmp_path / "a.json").read_bytes()
    b = write_assessment_results(inp.data, tmp_path / "b.json").read_bytes()
    assert a == b


def _hrefs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "href" and isinstance(v, str)] + [
            h for v in node.values() for h in _hrefs(v)]
    if isinstance(node, list):
        return [h for v in node for h in _hrefs(v)]
    return []


def test_every_evidence_link_resolves_from_where_the_oscal_files_are(
    make_result_dir: Callable[..., Path], settings: Settings, tmp_path: Path
) -> None:
    results = make_result_dir("r", big=3)
    inp = from_result_dir.load(results, settings)
    lost = inp.data.evidence[0]
    (results / "evidence" / "blobs" / lost.sha256).unlink()  # a file no longer kept: no link, not a dead one
    out = tmp_path / "reports" / "2026"
    generate(inp, ["oscal"], out, "en", settings)
    linked = 0
    for name in ("assessment-results.json", "poam.json"):
        doc = json.loads((out / "oscal" / name).read_text(encoding="utf-8"))
        root = next(iter(doc.values()))
        resources = {r["uuid"]: r for r in root.get("back-matter", {}).get("resources", [])}
        for href in _hrefs(root):
            if href.startswith("urn:"):
                continue
            if href.startswith("#"):
                assert href[1:] in resources, href
                continue
            blob = out / "oscal" / href
            assert blob.is_file(), href
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == Path(href).name
            linked += 1
        kept = {r["title"]: r for r in resources.values()}
        assert "rlinks" not in kept[lost.name] and "not stored" in kept[lost.name]["remarks"]
    assert linked >= 2 * (len(inp.data.evidence) - 1)


def test_not_applicable_is_never_reported_satisfied(inp: ReportInput, tmp_path: Path) -> None:
    doc = AssessmentResults.oscal_read(write_assessment_results(inp.data, tmp_path / "ar.json"))
    assert doc is not None and doc.results[0].findings is not None
    result = {r.id: r.result for r in inp.data.requirements}
    out_of_scope = [f for f in doc.results[0].findings
                    if result[f.target.target_id.removeprefix("art")] is Result.NOT_APPLICABLE]
    assert out_of_scope
    for finding in out_of_scope:
        status = finding.target.status
        assert status is not None and status.state.value == "not-satisfied" and status.reason == "other"
        assert status.remarks and status.remarks.startswith("not applicable")
        assert finding.target.implementation_status is not None
        assert finding.target.implementation_status.state == "not-applicable"
    satisfied = {f.target.target_id.removeprefix("art") for f in doc.results[0].findings
                 if f.target.status is not None and f.target.status.state.value == "satisfied"}
    assert {result[r] for r in satisfied} <= {Result.COMPLIANT, Result.COMPENSATED}


def test_poam_takes_advice_of_several_failing_checks(inp: ReportInput, tmp_path: Path) -> None:
    row = next(r for r in inp.data.requirements if r.result in DEFICIENT and r.checks)
    twice = row.model_copy(update={"checks": [
        c.model_copy(update={"outcome": "failed", "remediation": Texts(en=f"fix {n}", zh=f"改善 {n}")})
        for n, c in enumerate([row.checks[0], row.checks[0]])]})
    data = inp.data.model_copy(update={"requirements": [twice]})
    doc = PlanOfActionAndMilestones.oscal_read(write_poam(data, tmp_path / "poam.json"))
    assert doc is not None and doc.risks is not None
    response = doc.risks[0].remediations[0]  # type: ignore[index]
    assert "\n" not in response.title and "fix 0" in response.title and "fix 1" in response.description
