"""The status of a requirement from its scope, its checks' results and any attestation.

Order matters and mirrors how an auditor reasons: out of scope first; then any gap not covered by a
valid compensating measure (non_compliant for 'shall', observation for 'advisable'); then anything
undecided (missing evidence or attestation) makes it needs_review; then covered gaps make it
compensated; only a requirement with every check passed and every attestation given is compliant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccaudit.catalog.models import Attestation, Obligation, Requirement
from ccaudit.checks.models import CheckOutcome
from ccaudit.checks.runner import CheckResult
from ccaudit.findings.models import Status


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: list[str]


def decide(
    req: Requirement,
    profile: dict[str, Any] | None,
    results: list[CheckResult],
    attestation: dict[str, Any] | None,
) -> Decision:
    scope = scope_decision(req, profile)
    if scope is not None:
        return scope
    if attestation and attestation["result"] == "not_applicable":
        return Decision(Status.NOT_APPLICABLE, [f"attested not applicable by {attestation['attested_by']}"])
    reasons: list[str] = []
    gaps: list[Obligation] = []
    undecided = False
    compensated = False
    for result in results:
        meta = result.check.meta
        obligation = meta.obligation or req.obligation or Obligation.SHALL
        if result.outcome is CheckOutcome.MISSING_EVIDENCE:
            undecided = True
            reasons.append(f"{meta.id}: evidence not supplied ({', '.join(result.missing)})")
        elif result.uncovered:
            gaps.append(obligation)
            text = f"{meta.id}: {result.uncovered} offending row(s) not compensated"
            if result.expired_only:
                ids = ", ".join(f"{m['measure_id']} (review by {m['review_by']})" for m in result.expired_measures)
                text += f"; {result.expired_only} were covered by expired measure(s) {ids}"
            reasons.append(text)
        elif result.offending:
            compensated = True
            reasons.append(
                f"{meta.id}: all {result.offending} offending row(s) covered by {', '.join(result.measures)}"
            )
    if attestation and attestation["result"] == "not_met":
        gaps.append(req.obligation or Obligation.SHALL)
        reasons.append(f"attested not met by {attestation['attested_by']} on {attestation['attested_on']}")
    if req.attestation in (Attestation.REQUIRED, Attestation.ONLY) and attestation is None:
        undecided = True
        reasons.append("no attestation within the review period")
    if Obligation.SHALL in gaps:
        return Decision(Status.NON_COMPLIANT, reasons)
    if gaps:
        return Decision(Status.OBSERVATION, reasons)
    if undecided:
        return Decision(Status.NEEDS_REVIEW, reasons)
    if compensated:
        return Decision(Status.COMPENSATED, reasons)
    return Decision(Status.COMPLIANT, reasons or ["every check passed"])


def scope_decision(req: Requirement, profile: dict[str, Any] | None) -> Decision | None:
    if req.applies_if is None:
        return None
    if profile is None:
        return Decision(Status.NEEDS_REVIEW, [f"firm profile not supplied, so scope flag {req.applies_if} is unknown"])
    value = profile.get(req.applies_if)
    if value is None:
        return Decision(Status.NEEDS_REVIEW, [f"firm profile does not state {req.applies_if}"])
    if value is False:
        return Decision(Status.NOT_APPLICABLE, [f"out of scope: firm profile states {req.applies_if} = false"])
    return None
