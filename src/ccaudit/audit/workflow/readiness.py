"""What must hold before an audit goes to review and before it is signed off: every requirement
settled (an assessed result confirmed, or deferred with a written reason) and a reviewer who did
none of the work they sign for. Both are read from the audit's own records and trail, so neither
depends on what the command line was asked."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import WorkflowError
from ccaudit.audit.snapshot import AssessmentStatus
from ccaudit.audit.storage.models import Assessment, Audit, Measure, TrailEntry, User
from ccaudit.audit.workflow.refresh import final_result
from ccaudit.findings.models import Status

# trail actions that make their actor part of the work a reviewer vouches for
WORK_ACTIONS = {
    "assessment.assess": "assessed",
    "assessment.defer": "deferred",
    "attestation.add": "recorded an attestation for",
    "attestation.reconfirm": "re-confirmed an attestation for",
    "measure.add": "recorded compensating measure",
    "measure.review_date": "moved the review date of measure",
}


@dataclass(frozen=True)
class Open:
    """A requirement not yet settled, and why."""

    requirement_id: str
    why: str


def settled(a: Assessment) -> bool:
    if a.status == AssessmentStatus.DEFERRED:
        return True
    result = final_result(a)
    return a.status == AssessmentStatus.DONE and result is not None and result != Status.NEEDS_REVIEW


def open_requirements(s: Session, audit: Audit) -> list[Open]:
    out = []
    query = select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)
    for a in s.scalars(query):
        if settled(a):
            continue
        result = final_result(a)
        if result is None:
            why = "no result yet"
        elif result == Status.NEEDS_REVIEW:
            why = "needs_review" + (" (confirmed)" if a.status == AssessmentStatus.DONE else "")
        else:
            why = f"derived {result}, not assessed"
        out.append(Open(a.requirement_id, why))
    return out


def require_settled(s: Session, audit: Audit, step: str) -> None:
    """Refuse `step` while any requirement is open, naming each and the commands that settle it."""
    left = open_requirements(s, audit)
    if not left:
        return
    listed = ", ".join(f"{o.requirement_id} ({o.why})" for o in left)
    raise WorkflowError(
        f"audit {audit.id} cannot be {step}: {len(left)} requirement(s) not settled: {listed}. "
        f"Confirm a derived result with `ccaudit audit assess {audit.id} REQUIREMENT` (or every one with "
        f'`ccaudit audit assess {audit.id} --all-derived`), assess it with `--result R --justification "…"`, '
        f'or defer it with `ccaudit audit defer {audit.id} REQUIREMENT --justification "…"`; '
        f"`ccaudit audit show {audit.id} --open` lists them"
    )


def work_of(s: Session, audit: Audit, user: User) -> list[str]:
    """What the user did in the audit that a reviewer must be independent of: from its trail, and
    the measures whose approver (a name as the firm wrote it) is the user's ID or name."""
    query = (
        select(TrailEntry.action, TrailEntry.entity_id, TrailEntry.after)
        .where(TrailEntry.audit_id == audit.id, TrailEntry.actor == user.id)
        .where(TrailEntry.action.in_(list(WORK_ACTIONS)))
        .order_by(TrailEntry.seq)
    )
    out: list[str] = []
    for action, entity_id, after in s.execute(query):
        what = _subject(action, entity_id, after)
        line = f"{WORK_ACTIONS[action]} {what}"
        if line not in out:
            out.append(line)
    names = {user.id.casefold(), user.name.strip().casefold()}
    for m in s.scalars(select(Measure).where(Measure.audit_id == audit.id).order_by(Measure.ref)):
        if m.approver.strip().casefold() in names:
            out.append(f"approved compensating measure {m.ref}")
    return out


def _subject(action: str, entity_id: str | None, after: str | None) -> str:
    state = json.loads(after) if after else {}
    if action.startswith("measure."):
        return str(state.get("ref", entity_id))
    return str(state.get("requirement_id", entity_id))


def require_independent(s: Session, audit: Audit, user: User) -> None:
    done = work_of(s, audit, user)
    if done:
        raise WorkflowError(
            f"{user.id} may not sign off audit {audit.id}: they took part in the work under review "
            f"({'; '.join(done)}). A reviewer who did none of it signs off"
        )
