"""How a requirement's status follows from scope, checks, compensating measures and attestations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ccaudit.catalog.models import Attestation, Obligation, Requirement
from ccaudit.checks.models import Check, CheckMetadata, CheckOutcome
from ccaudit.checks.runner import CheckResult
from ccaudit.evidence.models import Text
from ccaudit.findings.decide import decide
from ccaudit.findings.messages import messages
from ccaudit.findings.models import Reason, Status

T = Text.model_validate({"en": "x", "zh-TW": "x"})


def _req(obligation: Obligation = Obligation.SHALL, **kw: Any) -> Requirement:
    return Requirement(id="12.9.9", text=T, obligation=obligation, checks=("c1",), **kw)


def _result(offending: int = 0, compensated: int = 0, expired: int = 0, missing: bool = False,
            obligation: Obligation | None = None) -> CheckResult:
    meta = CheckMetadata(id="c1", title=T, severity="high", datasets=("people",), key=("k",), sentence=T,
                         rationale=T, remediation=T, obligation=obligation)
    check = Check(meta=meta, sql="SELECT 1", folder=Path("."), area="x")
    if missing:
        return CheckResult(check, CheckOutcome.MISSING_EVIDENCE, missing=["people"])
    outcome = CheckOutcome.FAILED if offending else CheckOutcome.PASSED
    result = CheckResult(check, outcome, offending=offending, compensated=compensated, expired_only=expired)
    result.measures = ["CM-1"] if compensated else []
    result.expired_measures = [{"measure_id": "CM-OLD", "review_by": "2026-06-30", "rows": 1}] if expired else []
    return result


def _say(reasons: list[Reason], lang: str = "en") -> str:
    return " / ".join(messages().reasons_text(reasons, lang))


PROFILE = {"uses_cloud": True, "has_iot": False, "allows_byod": None}
ATTESTED = {"result": "met", "attested_by": "稽核 陳", "attested_on": "2026-11-01"}


def test_all_checks_passing_is_compliant() -> None:
    assert decide(_req(), PROFILE, [_result()], None).status is Status.COMPLIANT


def test_an_uncovered_gap_in_a_shall_item_is_non_compliant() -> None:
    assert decide(_req(), PROFILE, [_result(offending=3)], None).status is Status.NON_COMPLIANT


def test_an_advisable_gap_is_an_observation() -> None:
    assert decide(_req(Obligation.ADVISABLE), PROFILE, [_result(offending=1)], None).status is Status.OBSERVATION


def test_an_advisable_part_of_a_shall_item_is_an_observation() -> None:
    result = _result(offending=1, obligation=Obligation.ADVISABLE)
    assert decide(_req(), PROFILE, [result], None).status is Status.OBSERVATION


def test_every_gap_covered_by_a_valid_measure_is_compensated_not_compliant() -> None:
    decision = decide(_req(), PROFILE, [_result(offending=2, compensated=2)], None)
    assert decision.status is Status.COMPENSATED
    assert decision.reasons[0].code == "offending_all_compensated"
    assert "CM-1" in _say(decision.reasons) and "CM-1" in _say(decision.reasons, "zh-TW")


def test_an_expired_measure_no_longer_compensates_and_the_finding_says_so() -> None:
    decision = decide(_req(), PROFILE, [_result(offending=2, compensated=1, expired=1)], None)
    assert decision.status is Status.NON_COMPLIANT
    said = _say(decision.reasons)
    assert "1 offending row(s) not compensated" in said and "CM-OLD, expired (review by 2026-06-30)" in said
    assert "CM-OLD" in _say(decision.reasons, "zh-TW") and "不再具補償效力" in _say(decision.reasons, "zh-TW")


def test_missing_evidence_is_needs_review_never_compliant() -> None:
    assert decide(_req(), PROFILE, [_result(missing=True)], None).status is Status.NEEDS_REVIEW


def test_a_gap_outweighs_missing_evidence_elsewhere() -> None:
    results = [_result(offending=1), _result(missing=True)]
    assert decide(_req(), PROFILE, results, None).status is Status.NON_COMPLIANT


def test_scope_flag_false_is_not_applicable_with_the_reason() -> None:
    decision = decide(_req(applies_if="has_iot"), PROFILE, [_result(offending=5)], None)
    assert decision.status is Status.NOT_APPLICABLE
    assert decision.reasons[0] == Reason(code="out_of_scope", params={"flag": "has_iot"})
    assert _say(decision.reasons) == "out of scope: firm profile states has_iot = false"
    assert _say(decision.reasons, "zh-TW") == "不適用：公司基本資料載明「使用物聯網設備」為否"


def test_unknown_scope_is_needs_review() -> None:
    assert decide(_req(applies_if="allows_byod"), PROFILE, [_result()], None).status is Status.NEEDS_REVIEW
    assert decide(_req(applies_if="uses_cloud"), None, [_result()], None).status is Status.NEEDS_REVIEW


def test_required_attestation_missing_is_needs_review_and_given_is_compliant() -> None:
    req = _req(attestation=Attestation.REQUIRED)
    assert decide(req, PROFILE, [_result()], None).status is Status.NEEDS_REVIEW
    assert decide(req, PROFILE, [_result()], ATTESTED).status is Status.COMPLIANT


def test_attested_not_met_is_a_gap() -> None:
    req = _req(attestation=Attestation.REQUIRED)
    attestation = {**ATTESTED, "result": "not_met"}
    assert decide(req, PROFILE, [_result()], attestation).status is Status.NON_COMPLIANT
