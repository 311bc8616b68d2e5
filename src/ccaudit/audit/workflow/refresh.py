"""Keeps each requirement's derived result, its reasons and its remediation items up to date after
anything that can change them (a run attached, an attestation, a measure, an assessment)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.snapshot import (
    OPEN_REMEDIATION,
    AssessmentStatus,
    AttestationResult,
    RemediationStatus,
    RemediationTitle,
    as_reasons,
    storable,
)
from ccaudit.audit.storage.models import (
    Assessment,
    Attestation,
    Audit,
    Measure,
    MeasureRequirement,
    OffendingRow,
    RemediationItem,
    RunCheck,
    RunFinding,
)
from ccaudit.audit.titles import stored_title
from ccaudit.audit.workflow.derive import GAPS, AttestationFacts, CheckFacts, MeasureFacts, derive
from ccaudit.catalog.models import Attestation as Mode
from ccaudit.findings.models import Reason, Status

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock


def final_result(a: Assessment) -> str | None:
    return a.assessed_result or a.derived_result


class Results:
    """Derives results and opens remediation items; logs what it changes through the recorder."""

    def __init__(self, recorder: Recorder, clock: Clock) -> None:
        self.recorder = recorder
        self.clock = clock

    def refresh(self, s: Session, audit: Audit, actor: str, only: set[str] | None = None) -> None:
        """Re-derive results (for `only` these requirements, or all) and open remediation where due."""
        assessments = s.scalars(
            select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)
        ).all()
        for a in assessments:
            if only is not None and a.requirement_id not in only:
                continue
            before = state(s, a)
            self.rederive(s, audit, a)
            if state(s, a) != before:
                self.recorder.log_audit(s, actor, "assessment.derive", a, before, audit)
            self.ensure_remediation(s, audit, a, actor)

    def rederive(self, s: Session, audit: Audit, a: Assessment) -> None:
        """Store the derived result and reasons; an assessment made on other facts is looked at again."""
        result, reasons = self._derive(s, audit, a)
        new_result = result.value if result else None
        reopen = a.status == AssessmentStatus.DONE and new_result != a.derived_result
        start = a.status == AssessmentStatus.TO_DO and new_result is not None
        if reopen or start:
            a.status = AssessmentStatus.IN_PROGRESS.value
        a.derived_result, a.reasons = new_result, canonical(storable(reasons))

    def _derive(self, s: Session, audit: Audit, a: Assessment) -> tuple[Status | None, list[Reason]]:
        automated = Status(a.automated_status) if a.automated_status else None
        run_reasons: list[Reason] = []
        checks: list[CheckFacts] = []
        if a.run_id is not None:
            finding = s.scalar(
                select(RunFinding).where(RunFinding.run_id == a.run_id, RunFinding.requirement_id == a.requirement_id)
            )
            run_reasons = as_reasons(json.loads(finding.reasons)) if finding else []
            rows = s.scalars(
                select(RunCheck)
                .where(RunCheck.run_id == a.run_id, RunCheck.requirement_id == a.requirement_id)
                .order_by(RunCheck.id)
            )
            checks = [CheckFacts(c.check_id, c.outcome, c.offending_count, c.compensated_count) for c in rows]
        attestations = [
            AttestationFacts(
                x.id,
                AttestationResult(x.result),
                x.attested_by,
                x.attested_on,
                x.document_ref,
                x.needs_reconfirmation,
            )
            for x in s.scalars(
                select(Attestation)
                .where(Attestation.audit_id == audit.id, Attestation.requirement_id == a.requirement_id)
                .order_by(Attestation.id)
            )
        ]
        measures = [
            MeasureFacts(m.ref, m.approver, m.approved_on, m.review_by, m.covers_whole_requirement, _scope(m))
            for m in s.scalars(
                select(Measure)
                .join(MeasureRequirement)
                .where(Measure.audit_id == audit.id, MeasureRequirement.requirement_id == a.requirement_id)
                .order_by(Measure.ref)
            )
        ]
        if a.run_id is not None:
            checks = [_with_named_subjects(s, a.run_id, c, measures) for c in checks]
        return derive(
            obligation=a.obligation,
            mode=Mode(a.attestation_mode),
            automated=automated,
            run_reasons=run_reasons,
            checks=checks,
            attestations=attestations,
            measures=measures,
            as_of=audit.as_of,
        )

    def ensure_remediation(self, s: Session, audit: Audit, a: Assessment, actor: str) -> None:
        """Every non_compliant or observation result has a remediation item still open (or one settled)."""
        result = final_result(a)
        if result not in {g.value for g in GAPS}:
            return
        items = s.scalars(
            select(RemediationItem).where(
                RemediationItem.audit_id == audit.id, RemediationItem.requirement_id == a.requirement_id
            )
        ).all()
        if any(i.status in OPEN_REMEDIATION or i.status == RemediationStatus.ACCEPTED for i in items):
            return
        reasons = as_reasons(json.loads(a.reasons))
        source = RemediationTitle(again=bool(items), reason=reasons[0] if reasons else None)
        item = RemediationItem(
            audit_id=audit.id,
            requirement_id=a.requirement_id,
            finding_result=result,
            title=stored_title(a.requirement_id, result, source),  # English, for older readers and the trail
            title_source=canonical(source.model_dump(mode="json")),  # what every reader's language is said from
            owner=None,
            due_date=None,
            status=RemediationStatus.OPEN,
            notes="[]",
            created_by=actor,
            created_at=self.clock(),
        )
        s.add(item)
        self.recorder.log_audit(s, actor, "remediation.open", item, None, audit)


def _scope(m: Measure) -> dict[str, frozenset[str]]:
    scope: dict[str, set[str]] = {}
    for c in m.checks:
        named = scope.setdefault(c.check_id, set())
        if c.subject is not None:
            named.add(c.subject)
    return {k: frozenset(v) for k, v in scope.items()}


def _with_named_subjects(s: Session, run_id: int, c: CheckFacts, measures: list[MeasureFacts]) -> CheckFacts:
    """The check's open offending rows (not compensated by the firm's register) per subject that a
    measure names for it: counted in the database, so a long offending list is never loaded."""
    named = sorted({x for m in measures if not m.whole_requirement for x in m.scope.get(c.check_id, ())})
    if not named or c.offending == c.compensated:
        return c
    rows = s.execute(
        select(OffendingRow.subject, func.count())
        .where(
            OffendingRow.run_id == run_id,
            OffendingRow.check_id == c.check_id,
            OffendingRow.compensated_by.is_(None),
            OffendingRow.subject.in_(named),
        )
        .group_by(OffendingRow.subject)
    )
    return replace(c, open_by_subject={subject: count for subject, count in rows.all() if subject is not None})
