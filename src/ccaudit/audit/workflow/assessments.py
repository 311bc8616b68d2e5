"""The auditor's working steps on a draft audit: assessments, attestations, compensating measures
and remediation items. Each is one transaction that locks the audit row, so writers take turns; a
caller that read a record first passes the version it read and gets a ConflictError if it moved."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ccaudit.audit.errors import AuditError, NotFoundError, PermissionDeniedError
from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import ACCEPT_RISK, OWN_REMEDIATION, PREPARE, READ, get_user, roles_of
from ccaudit.audit.snapshot import (
    OPEN_REMEDIATION,
    AssessmentStatus,
    AttestationResult,
    RemediationSnap,
    RemediationStatus,
    RemediationTitle,
)
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import (
    Assessment,
    Attestation,
    Audit,
    RemediationItem,
    User,
)
from ccaudit.audit.workflow.derive import GAPS
from ccaudit.audit.workflow.guard import assessment_of, expect_version, load_audit, open_for_work, writable
from ccaudit.audit.workflow.readiness import settled
from ccaudit.audit.workflow.refresh import Results, final_result
from ccaudit.findings.models import Status

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

E = TypeVar("E", Status, AttestationResult, RemediationStatus)


def _enum(kind: type[E], value: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise AuditError(f"{what} must be one of {', '.join(v.value for v in kind)} (got {value!r})") from None


class Assessments:
    """The auditor's working steps: each locks the audit, changes it, logs it, refreshes results."""

    def __init__(self, db: Database, clock: Clock, recorder: Recorder, results: Results) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder
        self.results = results

    def assess(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        result: str | None = None,
        justification: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Confirm the derived result (no `result`), or assess it differently with a written justification."""
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "assess requirements")
            a = assessment_of(s, audit, requirement_id)
            expect_version(a, expected_version, f"the assessment of {requirement_id}")
            chosen = _enum(Status, result, "result") if result else None
            self._assess(s, user, audit, a, chosen, (justification or "").strip() or None)
            return a.version

    def confirm_derived(self, actor: str | None, audit_id: int) -> tuple[list[str], list[str]]:
        """Confirm every derived result not yet assessed, one trail entry each; needs_review and
        requirements without a result are left for the auditor. Returns (confirmed, left)."""
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "assess requirements")
            confirmed, left = [], []
            query = select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)
            for a in s.scalars(query).all():
                if settled(a):
                    continue
                if a.derived_result in (None, Status.NEEDS_REVIEW):
                    left.append(a.requirement_id)
                    continue
                self._assess(s, user, audit, a, None, None)
                confirmed.append(a.requirement_id)
            return confirmed, left

    def _assess(
        self, s: Session, user: User, audit: Audit, a: Assessment, chosen: Status | None, text: str | None
    ) -> None:
        requirement_id = a.requirement_id
        if chosen is None and a.derived_result is None:
            raise AuditError(f"{requirement_id} has no result to confirm yet: attach a run or give --result")
        if chosen is not None and chosen.value != a.derived_result and text is None:
            raise AuditError(
                f"assessing {requirement_id} as {chosen.value} overrides the derived result "
                f"{a.derived_result or 'none'}: a written justification is required"
            )
        before = state(s, a)
        overrides = chosen is not None and chosen.value != a.derived_result
        a.assessed_result = chosen.value if overrides and chosen else None
        a.justification = text
        a.assessed_by, a.assessed_at = user.id, self.clock()
        a.status = AssessmentStatus.DONE.value
        self.recorder.log_audit(s, user.id, "assessment.assess", a, before, audit)
        if overrides:
            self._close_obsolete(s, user, audit, a)
        self.results.ensure_remediation(s, audit, a, user.id)

    def _close_obsolete(self, s: Session, user: User, audit: Audit, a: Assessment) -> None:
        """An override out of a gap makes the requirement's open remediation items obsolete: close
        them, each with a note naming the override (so the item list and the verdict agree)."""
        if a.assessed_result in {g.value for g in GAPS}:
            return
        items = s.scalars(
            select(RemediationItem).where(
                RemediationItem.audit_id == audit.id,
                RemediationItem.requirement_id == a.requirement_id,
                RemediationItem.status.in_([x.value for x in OPEN_REMEDIATION]),
            ).order_by(RemediationItem.id)
        ).all()
        for item in items:
            before = state(s, item)
            item.status = RemediationStatus.DONE.value
            note = (
                f"closed: {a.requirement_id} assessed {a.assessed_result} by {user.id} (overriding "
                f"{a.derived_result}): {a.justification}"
            )
            item.notes = canonical([*json.loads(item.notes), f"{self.clock():%Y-%m-%d} {user.id}: {note}"])
            self.recorder.log_audit(s, user.id, "remediation.close_obsolete", item, before, audit)

    def defer(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        justification: str,
        expected_version: int | None = None,
    ) -> int:
        """Leave a requirement open on purpose, saying why: it no longer blocks submit and sign-off,
        and the reports show it as deferred with the justification."""
        text = justification.strip()
        if not text:
            raise AuditError(f"deferring {requirement_id} needs a written justification (--justification)")
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "defer requirements")
            a = assessment_of(s, audit, requirement_id)
            expect_version(a, expected_version, f"the assessment of {requirement_id}")
            if a.status == AssessmentStatus.DONE and settled(a):
                raise AuditError(
                    f"{requirement_id} is already assessed ({final_result(a)}) by {a.assessed_by}: nothing to defer"
                )
            before = state(s, a)
            a.assessed_result, a.justification = None, text
            a.assessed_by, a.assessed_at = user.id, self.clock()
            a.status = AssessmentStatus.DEFERRED.value
            self.recorder.log_audit(s, user.id, "assessment.defer", a, before, audit)
            return a.version

    def attest(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        result: str,
        attested_by: str,
        attested_on: dt.date,
        document_ref: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record a manual attestation: who attested, when, and the document it rests on."""
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "record attestations")
            return self.record_attestation(
                s, user, audit, requirement_id, result, attested_by, attested_on, document_ref, note
            ).id

    def record_attestation(
        self,
        s: Session,
        user: User,
        audit: Audit,
        requirement_id: str,
        result: str,
        attested_by: str,
        attested_on: dt.date,
        document_ref: str | None = None,
        note: str | None = None,
    ) -> Attestation:
        """An attestation in the caller's transaction (the audit already locked and open for work)."""
        assessment_of(s, audit, requirement_id)
        if not attested_by.strip():
            raise AuditError("an attestation needs the name of who attested")
        if attested_on > audit.as_of + dt.timedelta(days=366):
            raise AuditError(f"attested on {attested_on}: more than a year after the as-of date {audit.as_of}")
        att = Attestation(
            audit_id=audit.id, requirement_id=requirement_id,
            result=_enum(AttestationResult, result, "attestation result").value,
            attested_by=attested_by.strip(), attested_on=attested_on, document_ref=document_ref,
            note=note,
            recorded_by=user.id, recorded_at=self.clock(), needs_reconfirmation=False,
        )  # fmt: skip
        s.add(att)
        self.recorder.log_audit(s, user.id, "attestation.add", att, None, audit)
        self.results.refresh(s, audit, user.id, {requirement_id})
        return att

    def reconfirm_attestation(
        self,
        actor: str | None,
        attestation_id: int,
        attested_by: str,
        attested_on: dt.date,
        document_ref: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Re-confirm an attestation carried over from last year, so that it counts again."""
        with self.db.transaction() as s:
            att = s.get(Attestation, attestation_id)
            if att is None:
                raise NotFoundError(f"unknown attestation {attestation_id}")
            user, audit = open_for_work(s, actor, att.audit_id, "re-confirm attestations")
            expect_version(att, expected_version, f"attestation {attestation_id}")
            before = state(s, att)
            att.attested_by, att.attested_on = attested_by.strip(), attested_on
            att.document_ref = document_ref or att.document_ref
            att.needs_reconfirmation = False
            att.recorded_by, att.recorded_at = user.id, self.clock()
            self.recorder.log_audit(s, user.id, "attestation.reconfirm", att, before, audit)
            self.results.refresh(s, audit, user.id, {att.requirement_id})

    def update_remediation(
        self,
        actor: str | None,
        item_id: int,
        *,
        owner: str | None = None,
        due_date: dt.date | None = None,
        status: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        title: str | None = None,
    ) -> int:
        """Set owner, due date or status, add a note (notes are appended, never replaced), or retitle the
        item in the auditor's own words (kept as typed, in every language)."""
        with self.db.transaction() as s:
            item = s.get(RemediationItem, item_id)
            if item is None:
                raise NotFoundError(f"unknown remediation item {item_id}")
            user = get_user(s, actor)
            audit = load_audit(s, item.audit_id, lock=True)
            s.refresh(item)
            self._may_update_item(s, user, audit, item, owner, due_date, status, title)
            writable(audit)
            expect_version(item, expected_version, f"remediation item {item_id}")
            before = state(s, item)
            if owner is not None:
                item.owner = owner.strip() or None
            if due_date is not None:
                item.due_date = due_date
            if status is not None:
                item.status = _enum(RemediationStatus, status, "status").value
            if title is not None:
                typed = " ".join(title.split())
                if not typed or len(typed) > 500:
                    raise AuditError("a remediation item's title is 1 to 500 characters")
                if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in typed):
                    raise AuditError("a remediation item's title may not hold control or invisible characters")
                item.title = typed
                item.title_source = canonical(RemediationTitle(typed=True).model_dump(mode="json"))
            if note:
                item.notes = canonical([*json.loads(item.notes), f"{self.clock():%Y-%m-%d} {user.id}: {note.strip()}"])
            if state(s, item) == before:
                raise AuditError("nothing to change: give an owner, a due date, a status, a note or a title")
            self.recorder.log_audit(s, user.id, "remediation.update", item, before, audit)
            return item.version

    def _may_update_item(
        self,
        s: Session,
        user: User,
        audit: Audit,
        item: RemediationItem,
        owner: str | None,
        due: dt.date | None,
        status: str | None,
        title: str | None = None,
    ) -> None:
        roles = roles_of(s, user.id, audit.firm_id)
        if status == RemediationStatus.ACCEPTED and item.status != RemediationStatus.ACCEPTED:
            # accepting a risk closes the item without a fix: someone other than the item's owner decides
            if not (user.is_superuser or roles & ACCEPT_RISK):
                raise PermissionDeniedError(
                    f"{user.id} may not accept the risk of remediation item {item.id}: needs the "
                    f"{' or '.join(sorted(r.value for r in ACCEPT_RISK))} role"
                )
            if item.owner == user.id:
                raise PermissionDeniedError(
                    f"{user.id} owns remediation item {item.id} and may not accept its risk: a reviewer or admin does"
                )
            return
        if user.is_superuser or roles & PREPARE:
            return
        if roles & OWN_REMEDIATION and item.owner == user.id:
            if owner is not None or due is not None or title is not None:
                raise PermissionDeniedError(
                    "a control owner updates status and notes; the auditor sets owner, date and title"
                )
            return
        raise PermissionDeniedError(
            f"{user.id} may not update remediation item {item.id}: needs the auditor role, or to own it"
        )

    def overdue(self, actor: str | None, on: dt.date, firm_id: str | None = None) -> list[tuple[int, RemediationSnap]]:
        """Open remediation items past their due date on `on`, across the audits the user may read."""
        with self.db.read() as s:
            user = get_user(s, actor)
            later = aliased(RemediationItem)
            query = (
                select(RemediationItem, Audit.firm_id)
                .join(Audit, Audit.id == RemediationItem.audit_id)
                .where(
                    RemediationItem.status.in_([x.value for x in OPEN_REMEDIATION]),
                    RemediationItem.due_date < on,
                    ~select(later.id).where(later.carried_from == RemediationItem.id).exists(),  # superseded
                )
                .order_by(RemediationItem.due_date, RemediationItem.id)
            )
            if firm_id is not None:
                query = query.where(Audit.firm_id == firm_id)
            out = []
            for item, firm in s.execute(query).all():
                if user.is_superuser or roles_of(s, user.id, firm) & READ:
                    out.append((item.audit_id, _item_snap(item)))
            return out

    def assessment_versions(self, audit_id: int) -> dict[str, int]:
        """requirement ID -> the version a caller must pass back to change it (optimistic locking)."""
        with self.db.read() as s:
            rows = s.execute(
                select(Assessment.requirement_id, Assessment.version).where(Assessment.audit_id == audit_id)
            )
            return {req: version for req, version in rows.all()}


def _item_snap(item: RemediationItem) -> RemediationSnap:
    return RemediationSnap(
        item_id=item.id, requirement_id=item.requirement_id, finding_result=Status(item.finding_result),
        title=item.title, title_source=RemediationTitle.model_validate_json(item.title_source) if item.title_source
        else None, owner=item.owner, due_date=item.due_date.isoformat() if item.due_date else None,
        status=RemediationStatus(item.status), notes=json.loads(item.notes), carried_from=item.carried_from,
    )  # fmt: skip
