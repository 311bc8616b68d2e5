"""Reads one audit out of the database as an AuditSnapshot (plain data, deterministic order)."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity.state import day, iso
from ccaudit.audit.snapshot import (
    KEPT_KINDS,
    AssessmentStatus,
    AttachmentSnap,
    AttestationResult,
    AttestationSnap,
    AuditSnapshot,
    AuditStatus,
    CheckSnap,
    EvidenceFileSnap,
    MeasureCheckSnap,
    MeasureSnap,
    RemediationSnap,
    RemediationStatus,
    RemediationTitle,
    RequirementSnap,
    RunSnap,
    SignOffSnap,
    stored_reasons,
)
from ccaudit.audit.storage.models import (
    Assessment,
    Attestation,
    Audit,
    Firm,
    Measure,
    RemediationItem,
    Run,
    RunCheck,
)
from ccaudit.findings.models import Status


def _status(value: str | None) -> Status | None:
    return Status(value) if value else None


def build_snapshot(s: Session, audit: Audit) -> AuditSnapshot:
    firm = s.get(Firm, audit.firm_id)
    runs = s.scalars(select(Run).where(Run.audit_id == audit.id).order_by(Run.id)).all()
    attestations = s.scalars(select(Attestation).where(Attestation.audit_id == audit.id).order_by(Attestation.id)).all()
    measures = s.scalars(select(Measure).where(Measure.audit_id == audit.id).order_by(Measure.id)).all()
    items = s.scalars(
        select(RemediationItem).where(RemediationItem.audit_id == audit.id).order_by(RemediationItem.id)
    ).all()
    assessments = s.scalars(
        select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)
    ).all()
    checks: dict[tuple[int, str], list[CheckSnap]] = defaultdict(list)
    run_ids = [r.id for r in runs]
    if run_ids:
        for c in s.scalars(select(RunCheck).where(RunCheck.run_id.in_(run_ids)).order_by(RunCheck.id)):
            checks[(c.run_id, c.requirement_id)].append(_check(c))
    att_of: dict[str, list[int]] = defaultdict(list)
    for x in attestations:
        att_of[x.requirement_id].append(x.id)
    measures_of: dict[str, list[int]] = defaultdict(list)
    for m in measures:
        for req in m.requirement_ids:
            measures_of[req].append(m.id)
    items_of: dict[str, list[int]] = defaultdict(list)
    for i in items:
        items_of[i.requirement_id].append(i.id)
    return AuditSnapshot(
        audit_id=audit.id,
        firm_id=audit.firm_id,
        firm_name=firm.name if firm else audit.firm_id,
        year=audit.year,
        as_of=audit.as_of.isoformat(),
        catalog_id=audit.catalog_id,
        catalog_version=audit.catalog_version,
        status=AuditStatus(audit.status),
        opened_by=audit.opened_by,
        opened_at=iso(audit.opened_at) or "",
        carried_from=audit.carried_from,
        requirements=[
            RequirementSnap(
                requirement_id=a.requirement_id,
                area=a.area,
                title=a.title,
                title_zh=a.title_zh,
                obligation=a.obligation,
                attestation_mode=a.attestation_mode,
                status=AssessmentStatus(a.status),
                automated_status=_status(a.automated_status),
                derived_result=_status(a.derived_result),
                assessed_result=_status(a.assessed_result),
                justification=a.justification,
                assessed_by=a.assessed_by,
                result=_status(a.assessed_result or a.derived_result),
                reasons=stored_reasons(json.loads(a.reasons))[0],
                reason_codes=stored_reasons(json.loads(a.reasons))[1],
                run_id=a.run_id,
                checks=checks.get((a.run_id, a.requirement_id), []) if a.run_id else [],
                attestation_ids=att_of.get(a.requirement_id, []),
                measure_ids=measures_of.get(a.requirement_id, []),
                remediation_ids=items_of.get(a.requirement_id, []),
            )
            for a in assessments
        ],
        runs=[_run(r) for r in runs],
        attestations=[
            AttestationSnap(
                attestation_id=x.id,
                requirement_id=x.requirement_id,
                result=AttestationResult(x.result),
                attested_by=x.attested_by,
                attested_on=x.attested_on.isoformat(),
                document_ref=x.document_ref,
                note=x.note,
                recorded_by=x.recorded_by,
                needs_reconfirmation=x.needs_reconfirmation,
                carried_from=x.carried_from,
            )
            for x in attestations
        ],
        measures=[
            MeasureSnap(
                measure_id=m.id,
                ref=m.ref,
                description=m.description,
                requirement_ids=m.requirement_ids,
                approver=m.approver,
                approved_on=m.approved_on.isoformat(),
                review_by=m.review_by.isoformat(),
                valid=m.approved_on <= audit.as_of <= m.review_by,
                recorded_by=m.recorded_by,
                carried_from=m.carried_from,
                whole_requirement=m.whole_requirement,
                checks=measure_checks(m),
            )
            for m in measures
        ],
        remediation=[
            RemediationSnap(
                item_id=i.id,
                requirement_id=i.requirement_id,
                finding_result=Status(i.finding_result),
                title=i.title,
                title_source=RemediationTitle.model_validate_json(i.title_source) if i.title_source else None,
                owner=i.owner,
                due_date=day(i.due_date),
                status=RemediationStatus(i.status),
                notes=json.loads(i.notes),
                carried_from=i.carried_from,
            )
            for i in items
        ],
        signoff=SignOffSnap(
            preparer=audit.preparer,
            submitted_at=iso(audit.submitted_at),
            reviewer=audit.reviewer,
            signed_at=iso(audit.signed_at),
            trail_head=audit.trail_head,
            digest=audit.digest,
            signature=audit.signature,
            key_fingerprint=audit.key_fingerprint,
        ),
    )


def _check(c: RunCheck) -> CheckSnap:
    return CheckSnap(
        check_id=c.check_id,
        title=c.title,
        outcome=c.outcome,
        obligation=c.obligation,
        severity=c.severity,
        offending_count=c.offending_count,
        compensated_count=c.compensated_count,
        expired_compensation_count=c.expired_count,
        missing_datasets=json.loads(c.missing_datasets),
        compensating_measures=json.loads(c.measures),
        evidence=json.loads(c.evidence),
        offending_sha256=c.offending_sha256,
    )


def _run(r: Run) -> RunSnap:
    return RunSnap(
        run_id=r.id,
        uid=r.uid,
        attached_by=r.attached_by,
        attached_at=iso(r.attached_at) or "",
        as_of=r.as_of.isoformat(),
        catalog_version=r.catalog_version,
        ccaudit_version=r.ccaudit_version,
        counts=json.loads(r.counts),
        findings_sha256=r.findings_sha256,
        engine=r.engine,
        evidence=[
            EvidenceFileSnap(
                dataset=e.dataset,
                sha256=e.sha256,
                original_name=e.original_name,
                size_bytes=e.size_bytes,
                rows=e.rows,
                effective_date=day(e.effective_date),
            )
            for e in r.evidence
            if e.dataset not in KEPT_KINDS
        ],
        warnings=json.loads(r.warnings),
        attachments=sorted(
            (
                AttachmentSnap(kind=KEPT_KINDS[e.dataset], name=e.original_name, sha256=e.sha256,
                               size_bytes=e.size_bytes)
                for e in r.evidence
                if e.dataset in KEPT_KINDS
            ),
            key=lambda a: (a.kind, a.name),
        ),
    )


def measure_checks(m: Measure) -> list[MeasureCheckSnap]:
    """The measure's scope by check: the subjects it names, none for every row of the check."""
    subjects: dict[str, list[str]] = {}
    for c in m.checks:
        named = subjects.setdefault(c.check_id, [])
        if c.subject is not None:
            named.append(c.subject)
    return [MeasureCheckSnap(check_id=k, subjects=sorted(v)) for k, v in sorted(subjects.items())]
