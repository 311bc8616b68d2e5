"""What changed between two audits (usually last year's and this year's): per requirement, whether
it improved, regressed or stayed, and why (results, checks' offending counts, measures, overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ccaudit.audit.snapshot import AuditSnapshot, RequirementSnap
from ccaudit.findings.models import Status

# worse to better; not_applicable stands apart (a change of scope, not of compliance)
RANK = {
    None: 0,
    Status.NON_COMPLIANT: 1,
    Status.NEEDS_REVIEW: 2,
    Status.OBSERVATION: 3,
    Status.COMPENSATED: 4,
    Status.COMPLIANT: 5,
}


class Change(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    SCOPE = "scope_changed"  # became, or stopped being, not applicable
    ADDED = "added"  # only in the newer audit (a new catalog version)
    REMOVED = "removed"


@dataclass(frozen=True)
class RequirementDiff:
    requirement_id: str
    change: Change
    before: Status | None
    after: Status | None
    why: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuditDiff:
    old: str
    new: str
    requirements: list[RequirementDiff]

    def count(self, change: Change) -> int:
        return sum(1 for r in self.requirements if r.change is change)


def _label(s: AuditSnapshot) -> str:
    return f"audit {s.audit_id} ({s.firm_id} {s.year}, as of {s.as_of})"


def diff(old: AuditSnapshot, new: AuditSnapshot) -> AuditDiff:
    before = {r.requirement_id: r for r in old.requirements}
    after = {r.requirement_id: r for r in new.requirements}
    order = [r.requirement_id for r in new.requirements] + [i for i in before if i not in after]
    return AuditDiff(_label(old), _label(new), [_one(i, before.get(i), after.get(i)) for i in order])


def _one(req_id: str, a: RequirementSnap | None, b: RequirementSnap | None) -> RequirementDiff:
    if a is None:
        return RequirementDiff(req_id, Change.ADDED, None, b.result if b else None, ["not in the older audit"])
    if b is None:
        return RequirementDiff(req_id, Change.REMOVED, a.result, None, ["not in the newer audit"])
    why = _checks(a, b)
    if a.assessed_result != b.assessed_result or a.justification != b.justification:
        if b.assessed_result:
            why.append(f"assessed {b.assessed_result.value} by {b.assessed_by}: {b.justification}")
        elif a.assessed_result:
            why.append("last year's auditor override no longer applies")
    if a.result == b.result:
        change = Change.UNCHANGED
    elif Status.NOT_APPLICABLE in (a.result, b.result):
        change = Change.SCOPE
    else:
        change = Change.IMPROVED if RANK[b.result] > RANK[a.result] else Change.REGRESSED
    if change is not Change.UNCHANGED:
        checks = tuple(f"{c.check_id}:" for c in (*a.checks, *b.checks))
        was, now = a.reason_texts(), b.reason_texts()
        why += [x for x in now if x not in was]
        why += [f"before: {x}" for x in was if x not in now and not x.startswith(checks)]
    return RequirementDiff(req_id, change, a.result, b.result, why)


def _checks(a: RequirementSnap, b: RequirementSnap) -> list[str]:
    old = {c.check_id: c for c in a.checks}
    new = {c.check_id: c for c in b.checks}
    out = []
    for check_id in sorted(old.keys() | new.keys()):
        x, y = old.get(check_id), new.get(check_id)
        if x is None or y is None:
            out.append(f"{check_id}: {'new check' if x is None else 'no longer run'}")
            continue
        if x.outcome != y.outcome or x.offending_count != y.offending_count:
            out.append(
                f"{check_id}: {x.outcome} ({x.offending_count} offending) -> "
                f"{y.outcome} ({y.offending_count} offending)"
            )
        elif x.compensated_count != y.compensated_count:
            out.append(f"{check_id}: compensated rows {x.compensated_count} -> {y.compensated_count}")
    return out
