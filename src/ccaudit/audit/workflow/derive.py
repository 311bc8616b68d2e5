"""A requirement's derived result: the latest run's automated status with the audit's own
attestations and compensating measures applied. Pure: the service stores what it returns, so a
signed audit's record never depends on this code staying the same.

Rules, in order:
  1. Attestations: only confirmed ones count (carried-over ones await re-confirmation); the latest
     (by date) decides. not_applicable -> not applicable; not_met -> a gap (non_compliant for
     'shall', observation for 'advisable'); met -> settles a requirement that was needs_review only
     for want of an attestation (every check decided, scope known), or an attestation-only one.
  2. Measures: a gap is compensated by measures approved on or before the as-of date and not past
     their review date on it. A measure past its review date no longer compensates, and the reasons
     say so; one approved after the as-of date does not compensate either. A measure covers only
     what it names: the offending rows of the checks (and subjects) it lists, so the gap is
     compensated only when every failing check's open rows are covered, and the reasons say per
     check what is covered by which measure and what is not. A measure that says it covers the
     whole requirement compensates it whole, as does one recorded before measures named a scope.
     A gap an attestation declared (not_met) has no rows: only a whole-requirement measure covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ccaudit.audit.snapshot import AttestationResult
from ccaudit.catalog.models import Attestation as Mode
from ccaudit.findings.decide import SCOPE_UNKNOWN
from ccaudit.findings.models import Reason, Status

GAPS = (Status.NON_COMPLIANT, Status.OBSERVATION)
# how findings.decide worded an unknown scope before reasons were codes (runs attached back then)
SCOPE_UNKNOWN_TEXT = ("firm profile not supplied", "firm profile does not state")


@dataclass(frozen=True)
class CheckFacts:
    check_id: str
    outcome: str  # passed | failed | missing_evidence
    offending: int
    compensated: int
    # offending rows not compensated by the firm's own register, per subject a measure names
    open_by_subject: Mapping[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.offending - self.compensated if self.outcome == "failed" else 0


@dataclass(frozen=True)
class AttestationFacts:
    attestation_id: int
    result: AttestationResult
    attested_by: str
    attested_on: dt.date
    document_ref: str | None
    needs_reconfirmation: bool


@dataclass(frozen=True)
class MeasureFacts:
    ref: str
    approver: str
    approved_on: dt.date
    review_by: dt.date
    whole_requirement: bool = True
    # check ID -> the subjects it covers (empty: every row of the check); unused when whole
    scope: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def valid_on(self, day: dt.date) -> bool:
        return self.approved_on <= day <= self.review_by


def gap(obligation: str) -> Status:
    return Status.OBSERVATION if obligation == "advisable" else Status.NON_COMPLIANT


def derive(
    *,
    obligation: str,
    mode: Mode,
    automated: Status | None,
    run_reasons: Sequence[Reason],
    checks: Sequence[CheckFacts],
    attestations: Sequence[AttestationFacts],
    measures: Sequence[MeasureFacts],
    as_of: dt.date,
) -> tuple[Status | None, list[Reason]]:
    result = automated
    reasons = list(run_reasons) if automated is not None else [Reason(code="no_run_yet")]
    for att in attestations:
        if att.needs_reconfirmation:
            reasons.append(Reason(code="attestation_awaits_reconfirmation",
                                  params={"attestation_id": att.attestation_id}))
    confirmed = sorted(
        (a for a in attestations if not a.needs_reconfirmation),
        key=lambda a: (a.attested_on, a.attestation_id),
    )
    attested_gap = False
    if confirmed:
        att = confirmed[-1]
        said: dict[str, str | int | list[str]] = {
            "result": att.result.value, "by": att.attested_by, "on": att.attested_on.isoformat()}
        if att.document_ref:
            reasons.append(Reason(code="attested_with_document", params={**said, "document_ref": att.document_ref}))
        else:
            reasons.append(Reason(code="attested", params=said))
        if att.result is AttestationResult.NOT_APPLICABLE:
            result = Status.NOT_APPLICABLE
        elif att.result is AttestationResult.NOT_MET:
            if result is not Status.NOT_APPLICABLE:
                result, attested_gap = gap(obligation), True
        elif result is None and mode is Mode.ONLY:
            result = Status.COMPLIANT
        elif result is Status.NEEDS_REVIEW and _only_attestation_missing(mode, run_reasons, checks):
            compensated = any(c.offending and c.offending == c.compensated for c in checks)
            result = Status.COMPENSATED if compensated else Status.COMPLIANT
    result, more = _apply_measures(result, checks, measures, as_of, attested_gap)
    return result, reasons + more


def _only_attestation_missing(mode: Mode, run_reasons: Sequence[Reason], checks: Sequence[CheckFacts]) -> bool:
    if mode is Mode.NONE:
        return False
    if any(r.code in SCOPE_UNKNOWN or str(r.params.get("text", "")).startswith(SCOPE_UNKNOWN_TEXT)
           for r in run_reasons):
        return False
    return all(c.outcome != "missing_evidence" and c.offending == c.compensated for c in checks)


def _apply_measures(
    result: Status | None,
    checks: Sequence[CheckFacts],
    measures: Sequence[MeasureFacts],
    as_of: dt.date,
    attested_gap: bool,
) -> tuple[Status | None, list[Reason]]:
    reasons: list[Reason] = []
    valid = [m for m in measures if m.valid_on(as_of)]
    whole = [m for m in valid if m.whole_requirement]
    scoped = [m for m in valid if not m.whole_requirement]
    if result in GAPS and whole:
        reasons += [Reason(code="gap_compensated_by_measure", params={
            "ref": m.ref, "approver": m.approver, "approved_on": m.approved_on.isoformat(),
            "review_by": m.review_by.isoformat()}) for m in whole]
        result = Status.COMPENSATED
    elif result in GAPS and scoped:
        covered, more = _cover_checks(checks, scoped)
        reasons += more
        if attested_gap:
            reasons.append(Reason(code="attested_gap_needs_whole_measure",
                                  params={"refs": [m.ref for m in scoped]}))
        elif covered:
            result = Status.COMPENSATED
    for m in measures:
        if m.review_by < as_of:
            reasons.append(Reason(code="measure_expired", params={
                "ref": m.ref, "review_by": m.review_by.isoformat(), "as_of": as_of.isoformat()}))
        elif m.approved_on > as_of:
            reasons.append(Reason(code="measure_approved_late", params={
                "ref": m.ref, "approved_on": m.approved_on.isoformat()}))
    return result, reasons


def _cover_checks(checks: Sequence[CheckFacts], scoped: Sequence[MeasureFacts]) -> tuple[bool, list[Reason]]:
    """Per failing check: the open rows the scoped measures cover, by which, and what is left.
    True only when some check failed and every failing check is covered whole."""
    reasons: list[Reason] = []
    failing = [c for c in checks if c.open > 0]
    all_covered = bool(failing)
    for c in failing:
        naming = [m for m in scoped if c.check_id in m.scope]
        if any(not m.scope[c.check_id] for m in naming):  # a measure covering every row of the check
            refs = [m.ref for m in naming if not m.scope[c.check_id]]
            count = c.open
        else:
            subjects = {s for m in naming for s in m.scope[c.check_id]}
            count = min(c.open, sum(c.open_by_subject.get(s, 0) for s in subjects))
            refs = [m.ref for m in naming if any(c.open_by_subject.get(s, 0) for s in m.scope[c.check_id])]
        if count:
            reasons.append(Reason(code="check_covered_by_measure",
                                  params={"check_id": c.check_id, "count": count, "refs": refs}))
        if count < c.open:
            all_covered = False
            reasons.append(Reason(code="check_not_covered_by_measure",
                                  params={"check_id": c.check_id, "count": c.open - count}))
    return all_covered, reasons
