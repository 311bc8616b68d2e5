from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ccaudit.audit.snapshot import (
    AssessmentStatus,
    AttestationResult,
    AttestationSnap,
    AuditSnapshot,
    AuditStatus,
    CheckSnap,
    MeasureSnap,
    RemediationSnap,
    RemediationStatus,
    RequirementSnap,
    SignOffSnap,
)
from ccaudit.findings.models import Status
from ccaudit.reports import from_result_dir
from ccaudit.reports.from_audit import AuditRows, from_snapshot, open_audit, run_of_checks
from ccaudit.reports.from_result_dir import Labels
from ccaudit.reports.model import Result, SourceKind
from ccaudit.reports.texts import sign_off_line
from ccaudit.settings import Settings

DIGEST = "ab" * 32


def _req(rid: str, result: Status | None, **kw: object) -> RequirementSnap:
    return RequirementSnap(
        requirement_id=rid, area="remote_work", title=f"Requirement {rid}", title_zh=f"條文 {rid}",
        obligation="shall", attestation_mode="none", status=AssessmentStatus.DONE, automated_status=result,
        derived_result=result, assessed_result=None, justification=None, assessed_by="bob", result=result,
        run_id=1, **kw,  # type: ignore[arg-type]
    )


def _snapshot(year: int = 2026, carried_from: int | None = None) -> AuditSnapshot:
    check = CheckSnap(check_id="remote_login_used_mfa", title="MFA", outcome="failed", obligation="shall",
                      severity="critical", offending_count=3, compensated_count=0,
                      expired_compensation_count=0)
    return AuditSnapshot(
        audit_id=7 if year == 2026 else 6, firm_id="9A00", firm_name="範例證券", year=year,
        as_of=f"{year}-11-30", catalog_id="twse-sec-infosec-art12", catalog_version=1,
        status=AuditStatus.SIGNED, opened_by="alice", opened_at=f"{year}-10-01T00:00:00Z",
        carried_from=carried_from,
        requirements=[
            _req("12.5.5", Status.NON_COMPLIANT, checks=[check], remediation_ids=[1], measure_ids=[1]),
            _req("12.5.6", None),
            _req("12.5.7", Status.COMPLIANT, attestation_ids=[1, 2]),
        ],
        attestations=[
            AttestationSnap(attestation_id=1, requirement_id="12.5.7", result=AttestationResult.MET,
                            attested_by="carol", attested_on="2026-10-01", document_ref=None, note=None,
                            recorded_by="alice", needs_reconfirmation=True),
            AttestationSnap(attestation_id=2, requirement_id="12.5.7", result=AttestationResult.MET,
                            attested_by="dave", attested_on="2026-09-01", document_ref="DOC-9", note=None,
                            recorded_by="alice", needs_reconfirmation=False),
        ],
        measures=[MeasureSnap(measure_id=1, ref="CM-2026-03", description="VPN jump host",
                              requirement_ids=["12.5.5"],
                              approver="CISO", approved_on="2026-01-10", review_by="2026-06-30", valid=False,
                              recorded_by="alice")],
        remediation=[RemediationSnap(item_id=1, requirement_id="12.5.5", finding_result=Status.NON_COMPLIANT,
                                     title="Enforce MFA on the gateway", owner="資訊部 王經理",
                                     due_date="2027-01-31", status=RemediationStatus.IN_PROGRESS,
                                     notes=["2026-12-01 alice: opened"])],
        signoff=SignOffSnap(preparer="alice", submitted_at="2026-12-10T01:00:00Z", reviewer="bob",
                            signed_at="2026-12-15T02:00:00Z", digest=DIGEST, key_fingerprint="cd" * 32),
    )


def test_snapshot_maps_to_report_rows_without_recomputing() -> None:
    previous = _snapshot(2025)
    data = from_snapshot(_snapshot(carried_from=6), Labels(None, {}), previous)
    assert data.source.kind is SourceKind.AUDIT and data.source.ref == "7"
    assert data.digest == DIGEST and data.sign_off is not None and data.sign_off.state == "signed"
    assert data.generated_at == "2026-12-15T02:00:00Z" and data.year == 2026
    assert data.sign_off.signed_by == "bob" and data.sign_off.key_fingerprint == "cd" * 32
    assert f"bob, 2026-12-15T02:00:00Z (key {'cd' * 32})" in sign_off_line(data, "en")
    first, second, third = data.requirements
    assert first.result is Result.IN_REMEDIATION  # non-compliant, with its fix in progress: 改善中
    assert first.remediation[0].owner == "資訊部 王經理" and first.remediation[0].opened == "2026-12-01"
    assert "CM-2026-03" in first.compensating_measures[0] and "not valid" in first.compensating_measures[0]
    assert second.result is Result.NEEDS_REVIEW and "not assessed yet" in second.reasons
    # the carried-over attestation awaits re-confirmation, so the current one counts
    assert third.attestation is not None and third.attestation.by == "dave"
    assert first.previous_result is Result.NON_COMPLIANT and data.previous is not None
    assert data.offending[0].count == 3 and run_of_checks(_snapshot()) == {"remote_login_used_mfa": 1}


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory, result_dir: Path) -> tuple[int, Settings]:
    from ccaudit.audit.service import AuditService

    settings = Settings(data_dir=tmp_path_factory.mktemp("audit"), user="alice")  # type: ignore[call-arg]
    service = AuditService.open(settings)
    try:
        service.add_user(None, "alice", "Alice")
        service.add_firm("alice", "9A00", "範例證券股份有限公司")
        service.grant("alice", "alice", "9A00", "auditor")
        audit_id = service.open_audit("alice", "9A00", 2026, dt.date(2026, 11, 30))
        service.attach_run("alice", audit_id, result_dir)
    finally:
        service.close()
    return audit_id, settings


def test_a_stored_audit_gives_the_inspections_results_and_rows(
    audit: tuple[int, Settings], result_dir: Path, settings: Settings
) -> None:
    audit_id, audit_settings = audit
    plain = from_result_dir.load(result_dir, settings)
    with open_audit(audit_id, audit_settings) as inp:
        assert [(r.id, r.result) for r in inp.data.requirements] == [
            (r.id, r.result) for r in plain.data.requirements]
        assert inp.data.sign_off is not None and inp.data.sign_off.state == "draft"
        assert inp.data.digest is None
        big = inp.data.offending[0]
        assert big.count == plain.data.offending[0].count
        ours = list(inp.rows.iter_rows(big.check_id))
        assert len(ours) == big.count
        theirs = list(plain.rows.iter_rows(big.check_id, 5))
        assert [r[:3] for r in ours[:5]] == [r[:3] for r in theirs]
        assert isinstance(inp.rows, AuditRows)
        paged = AuditRows(inp.rows.db, inp.rows.runs, chunk=100)
        assert len(list(paged.iter_rows(big.check_id, 250))) == 250
        assert len(list(paged.iter_rows(big.check_id))) == big.count


def test_the_same_audit_gives_the_same_json_and_workbook(audit: tuple[int, Settings], tmp_path: Path) -> None:
    from ccaudit.reports.report_to_json import write_json
    from ccaudit.reports.report_to_xlsx import write_xlsx

    audit_id, audit_settings = audit
    outputs = []
    for n in range(2):
        with open_audit(audit_id, audit_settings) as inp:
            outputs.append((write_json(inp, tmp_path / f"{n}.json").read_bytes(),
                            write_xlsx(inp, tmp_path / f"{n}.xlsx", "zh-TW", max_rows=50).read_bytes()))
    assert outputs[0] == outputs[1]


def test_oscal_from_an_audit_links_each_run_s_stored_evidence(audit: tuple[int, Settings], tmp_path: Path) -> None:
    from ccaudit.reports.generate import generate

    audit_id, audit_settings = audit
    with open_audit(audit_id, audit_settings) as inp:
        generate(inp, ["oscal"], tmp_path / "out", "en", audit_settings)
        evidence = {e.sha256 for e in inp.data.evidence}
    doc = json.loads((tmp_path / "out" / "oscal" / "assessment-results.json").read_text(encoding="utf-8"))
    links = {r["rlinks"][0]["href"] for r in doc["assessment-results"]["back-matter"]["resources"]}
    assert {Path(h).name for h in links} == evidence
    assert all((tmp_path / "out" / "oscal" / h).is_file() for h in links)
