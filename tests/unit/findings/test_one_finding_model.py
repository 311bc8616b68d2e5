"""One finding model: a check's outcome is defined once (findings.models.CheckCounts) and its reasons
once (Reason), and the audit snapshot and the reports reuse them; audits signed before reasons were
codes keep the digest they were signed with."""

from __future__ import annotations

from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.snapshot import AssessmentStatus, CheckSnap, RequirementSnap, as_reasons, storable, stored_reasons
from ccaudit.findings.models import CheckCounts, CheckFinding, Reason, Status
from ccaudit.reports.model import CheckSummary

# RequirementSnap's fields as audits were signed with them (snapshot schema 1.0)
SIGNED_FIELDS = {
    "requirement_id", "area", "title", "title_zh", "obligation", "attestation_mode", "status", "automated_status",
    "derived_result", "assessed_result", "justification", "assessed_by", "result", "reasons", "run_id", "checks",
    "attestation_ids", "measure_ids", "remediation_ids",
}


def _req(reasons: list[str], codes: list[Reason]) -> RequirementSnap:
    return RequirementSnap(
        requirement_id="12.1.1", area="cloud", title="t", title_zh="t", obligation="shall", attestation_mode="none",
        status=AssessmentStatus.IN_PROGRESS, automated_status=Status.NON_COMPLIANT,
        derived_result=Status.NON_COMPLIANT, assessed_result=None, justification=None, assessed_by=None,
        result=Status.NON_COMPLIANT, reasons=reasons, reason_codes=codes,
        checks=[CheckSnap(check_id="c1", title="t", outcome="failed", obligation="shall", severity="high",
                          offending_count=2, compensated_count=0, expired_compensation_count=0, evidence=[])],
    )


def test_the_inspection_the_audit_and_the_reports_share_one_check_model() -> None:
    for model in (CheckFinding, CheckSnap, CheckSummary):
        assert issubclass(model, CheckCounts)
        assert set(CheckCounts.model_fields) <= set(model.model_fields)


def test_an_audit_recorded_before_codes_serialises_as_it_was_signed() -> None:
    old = _req(["c1: 2 offending row(s) not compensated"], [])
    dumped = old.model_dump(mode="json")
    assert set(dumped) == SIGNED_FIELDS  # no reason_codes key: the digest payload is unchanged
    assert old.reason_texts("en") == ["c1: 2 offending row(s) not compensated"]


def test_a_new_audit_keeps_codes_in_its_digest_not_sentences() -> None:
    codes = [Reason(code="offending_not_compensated", params={"check_id": "c1", "count": 2})]
    new = _req([], codes)
    dumped = new.model_dump(mode="json")
    assert dumped["reason_codes"] == [{"code": "offending_not_compensated", "params": {"check_id": "c1", "count": 2}}]
    assert dumped["reasons"] == []  # no rendered text: rewording a message never changes a signed digest
    assert new.reason_texts("en") == ["c1: 2 offending row(s) not compensated"]
    assert "筆不符合" in new.reason_texts("zh-TW")[0]


def test_stored_reasons_round_trip_text_and_codes() -> None:
    reasons = [Reason(code="legacy_text", params={"text": "from 0.1"}), Reason(code="attestation_missing")]
    stored = storable(reasons)
    assert stored == ["from 0.1", {"code": "attestation_missing", "params": {}}]
    assert as_reasons(stored) == reasons
    assert stored_reasons(stored) == (["from 0.1"], [Reason(code="attestation_missing")])
    canonical(stored)  # plain JSON: no floats, safe for the digest
