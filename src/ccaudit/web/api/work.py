"""The auditor's and reviewer's work: assess, defer, attest, compensating measures, remediation,
submit and return to draft. Each route calls one AuditService method as the caller; the service
decides what the caller's roles allow and whether the audit may still change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from ccaudit.audit.errors import NotFoundError
from ccaudit.audit.storage.models import Attestation, Base, Measure, RemediationItem
from ccaudit.web.api.auth import MAX_ID, Audit, ScopedAudit, Service
from ccaudit.web.api.models import (
    AssessIn,
    AssessmentOut,
    AttestationOut,
    AttestIn,
    AuditStatusOut,
    ConfirmedOut,
    DeferIn,
    MeasureIn,
    MeasureOut,
    MeasureUpdateIn,
    ReconfirmIn,
    RemediationOut,
    RemediationUpdateIn,
    RequirementId,
    ReturnIn,
)
from ccaudit.web.api.routing import api_router

router = api_router(["work"])

ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _of_audit(svc: Service, model: type[Base], item_id: int, audit: ScopedAudit, what: str) -> None:
    """404 unless the item belongs to the audit in the path (so a token's firm scope holds for items too)."""
    with svc.db.read() as s:
        row = s.get(model, item_id)
        if row is None or getattr(row, "audit_id", None) != audit.id:
            raise NotFoundError(f"audit {audit.id} has no {what} {item_id}")


@router.post(
    "/audits/{audit_id}/requirements/{requirement_id}/assessment",
    response_model=AssessmentOut,
    summary="Confirm the derived result, or assess another result with a justification",
)
def assess(audit: Audit, requirement_id: RequirementId, body: AssessIn, svc: Service) -> AssessmentOut:
    version = svc.assess(audit.actor, audit.id, requirement_id, body.result.value if body.result else None,
                         body.justification, body.if_version)  # fmt: skip
    return AssessmentOut(audit_id=audit.id, requirement_id=requirement_id, version=version)


@router.post(
    "/audits/{audit_id}/assessments/confirm-derived",
    response_model=ConfirmedOut,
    summary="Confirm every derived result not yet assessed (one trail entry each)",
)
def confirm_derived(audit: Audit, svc: Service) -> ConfirmedOut:
    confirmed, left = svc.confirm_derived(audit.actor, audit.id)
    return ConfirmedOut(confirmed=confirmed, left=left)


@router.post(
    "/audits/{audit_id}/requirements/{requirement_id}/defer",
    response_model=AssessmentOut,
    summary="Leave a requirement open on purpose, with a written justification",
)
def defer(audit: Audit, requirement_id: RequirementId, body: DeferIn, svc: Service) -> AssessmentOut:
    version = svc.defer(audit.actor, audit.id, requirement_id, body.justification, body.if_version)
    return AssessmentOut(audit_id=audit.id, requirement_id=requirement_id, version=version)


@router.post(
    "/audits/{audit_id}/requirements/{requirement_id}/attestations",
    response_model=AttestationOut,
    status_code=201,
    summary="Record a person's attestation for a requirement",
)
def attest(audit: Audit, requirement_id: RequirementId, body: AttestIn, svc: Service) -> AttestationOut:
    att_id = svc.attest(audit.actor, audit.id, requirement_id, body.result.value, body.attested_by,
                        body.attested_on, body.document_ref, body.note)  # fmt: skip
    return AttestationOut(audit_id=audit.id, attestation_id=att_id)


@router.post(
    "/audits/{audit_id}/attestations/{attestation_id}/reconfirm",
    response_model=AttestationOut,
    summary="Re-confirm an attestation carried over from last year",
)
def reconfirm(audit: Audit, attestation_id: ItemId, body: ReconfirmIn, svc: Service) -> AttestationOut:
    _of_audit(svc, Attestation, attestation_id, audit, "attestation")
    svc.reconfirm_attestation(audit.actor, attestation_id, body.attested_by, body.attested_on, body.document_ref,
                              body.if_version)  # fmt: skip
    return AttestationOut(audit_id=audit.id, attestation_id=attestation_id)


@router.post(
    "/audits/{audit_id}/measures",
    response_model=MeasureOut,
    status_code=201,
    summary="Record a compensating measure covering named checks (and subjects), or whole requirements",
)
def add_measure(audit: Audit, body: MeasureIn, svc: Service) -> MeasureOut:
    measure_id = svc.add_measure(
        audit.actor, audit.id, body.ref, body.description, list(body.requirement_ids), body.approver,
        body.approved_on, body.review_by, checks=body.checks, subjects=body.subjects,
        whole_requirement=body.whole_requirement,
    )  # fmt: skip
    return MeasureOut(audit_id=audit.id, measure_id=measure_id)


@router.patch(
    "/audits/{audit_id}/measures/{measure_id}",
    response_model=MeasureOut,
    summary="Move a compensating measure's review date",
)
def update_measure(audit: Audit, measure_id: ItemId, body: MeasureUpdateIn, svc: Service) -> MeasureOut:
    _of_audit(svc, Measure, measure_id, audit, "measure")
    svc.update_measure(audit.actor, measure_id, body.review_by, body.if_version)
    return MeasureOut(audit_id=audit.id, measure_id=measure_id)


@router.patch(
    "/audits/{audit_id}/remediation/{item_id}",
    response_model=RemediationOut,
    summary="Update a remediation item: owner, due date, status, a note",
)
def update_remediation(audit: Audit, item_id: ItemId, body: RemediationUpdateIn, svc: Service) -> RemediationOut:
    _of_audit(svc, RemediationItem, item_id, audit, "remediation item")
    version = svc.update_remediation(
        audit.actor, item_id, owner=body.owner, due_date=body.due_date,
        status=body.status.value if body.status else None, note=body.note, expected_version=body.if_version,
        title=body.title,
    )  # fmt: skip
    return RemediationOut(audit_id=audit.id, item_id=item_id, version=version)


@router.post("/audits/{audit_id}/submit", response_model=AuditStatusOut, summary="Hand the audit to review")
def submit(audit: Audit, svc: Service) -> AuditStatusOut:
    svc.submit(audit.actor, audit.id)
    return AuditStatusOut(audit_id=audit.id, status=svc.snapshot(audit.id, audit.actor).status)


@router.post(
    "/audits/{audit_id}/return",
    response_model=AuditStatusOut,
    summary="Take a submitted audit back to draft, saying why (reviewer or preparer)",
)
def return_to_draft(audit: Audit, body: ReturnIn, svc: Service) -> AuditStatusOut:
    svc.return_to_draft(audit.actor, audit.id, body.note)
    return AuditStatusOut(audit_id=audit.id, status=svc.snapshot(audit.id, audit.actor).status)
