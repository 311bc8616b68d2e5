"""The status of a requirement from its scope, its checks' results and any attestation.

Order matters and mirrors how an auditor reasons: out of scope first; then any gap not covered by a
valid compensating measure (non_compliant for 'shall', observation for 'advisable'); then anything
undecided (missing evidence or attestation) makes it needs_review; then covered gaps make it
compensated; only a requirement with every check passed and every attestation given is compliant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccaudit.catalog.models import Attestation, Obligation, Requirement
from ccaudit.checks.models import CheckOutcome
from ccaudit.findings.models import Reason, Status

if TYPE_CHECKING:  # the runner brings DuckDB and SQLGlot; deciding (and the audit commands) need neither
    from ccaudit.checks.runner import CheckResult


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: list[Reason]  # codes with parameters; findings/messages.py says them in words


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
        return Decision(Status.NOT_APPLICABLE, [Reason(code="attested_not_applicable",
                                                       params={"by": str(attestation["attested_by"])})])
    reasons: list[Reason] = []
    gaps: list[Obligation] = []
    undecided = False
    compensated = False
    for result in results:
        meta = result.check.meta
        obligation = meta.obligation or req.obligation or Obligation.SHALL
        if result.outcome is CheckOutcome.MISSING_EVIDENCE:
            undecided = True
            absent = [d for d in result.missing if d not in result.empty]
            if absent:
                reasons.append(Reason(code="evidence_missing", params={"check_id": meta.id, "datasets": absent}))
            reasons += [Reason(code="evidence_empty", params={"check_id": meta.id, "datasets": [dataset],
                                                              "files": files})
                        for dataset, files in result.empty.items()]
        elif result.uncovered:
            gaps.append(obligation)
            reasons.append(Reason(code="offending_not_compensated",
                                  params={"check_id": meta.id, "count": result.uncovered}))
            reasons += [
                Reason(code="offending_measure_expired", params={
                    "check_id": meta.id, "count": int(m["rows"]), "measure": str(m["measure_id"]),
                    "review_by": _day(m["review_by"])})
                for m in result.expired_measures
            ]
        elif result.offending:
            compensated = True
            reasons.append(Reason(code="offending_all_compensated", params={
                "check_id": meta.id, "count": result.offending, "measures": [str(m) for m in result.measures]}))
    if attestation and attestation["result"] == "not_met":
        gaps.append(req.obligation or Obligation.SHALL)
        reasons.append(Reason(code="attested_not_met", params={
            "by": str(attestation["attested_by"]), "on": _day(attestation["attested_on"])}))
    if req.attestation in (Attestation.REQUIRED, Attestation.ONLY) and attestation is None:
        undecided = True
        reasons.append(Reason(code="attestation_missing"))
    if Obligation.SHALL in gaps:
        return Decision(Status.NON_COMPLIANT, reasons)
    if gaps:
        return Decision(Status.OBSERVATION, reasons)
    if undecided:
        return Decision(Status.NEEDS_REVIEW, reasons)
    if compensated:
        return Decision(Status.COMPENSATED, reasons)
    return Decision(Status.COMPLIANT, reasons or [Reason(code="all_checks_passed")])


# Scope reasons a later attestation cannot settle (the audit's derive step asks).
SCOPE_UNKNOWN = ("scope_profile_missing", "scope_flag_unstated")


def scope_decision(req: Requirement, profile: dict[str, Any] | None) -> Decision | None:
    if req.applies_if is None:
        return None
    flag = {"flag": req.applies_if}
    if profile is None:
        return Decision(Status.NEEDS_REVIEW, [Reason(code="scope_profile_missing", params=flag)])
    value = profile.get(req.applies_if)
    if value is None:
        return Decision(Status.NEEDS_REVIEW, [Reason(code="scope_flag_unstated", params=flag)])
    if value is False:
        return Decision(Status.NOT_APPLICABLE, [Reason(code="out_of_scope", params=flag)])
    return None


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
