"""ReportData from an annual audit: the AuditSnapshot (the stored verdicts, measures, remediation and
sign-off, the same value the digest is computed over) plus offending rows streamed from the audit
database in keyset-paged chunks. Nothing is re-derived: a requirement without a verdict is shown as
待確認 / needs review, with the reason "not assessed"."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

import ccaudit
from ccaudit.audit.snapshot import AssessmentStatus, AttestationSnap, AuditSnapshot, CheckSnap, RequirementSnap
from ccaudit.audit.storage.models import OffendingRow
from ccaudit.findings.messages import messages
from ccaudit.findings.models import CheckCounts, Reason
from ccaudit.reports.from_result_dir import Labels, catalog_areas, load_labels
from ccaudit.reports.model import (
    AttestationNote,
    CatalogRef,
    CheckSummary,
    EvidenceItem,
    OffendingSet,
    PolicyProposalNote,
    PreviousSummary,
    Remediation,
    ReportData,
    ReportInput,
    RequirementRow,
    Result,
    SignOff,
    Source,
    SourceKind,
    Texts,
)
from ccaudit.reports.texts import L

if TYPE_CHECKING:
    from ccaudit.audit.workflow.policies import PolicyView
from ccaudit.settings import Settings

if TYPE_CHECKING:
    from ccaudit.audit.service import AuditService

CHUNK = 2_000
_NOTE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})\b")
FIXED = ("subject",)
TRAILING = ("compensated_by", "expired_measure", "source_file", "source_row", "source_sha256")


def _result(req: RequirementSnap, in_progress: bool) -> Result:
    if req.result is None:
        return Result.NEEDS_REVIEW
    result = Result.of(req.result)
    return Result.IN_REMEDIATION if result is Result.NON_COMPLIANT and in_progress else result


def _check(c: CheckSnap, labels: Labels) -> CheckSummary:
    label = labels.checks.get(c.check_id)
    return CheckSummary(
        **c.model_dump(include=set(CheckCounts.model_fields)),
        title=label.title if label else Texts(en=c.title, zh=c.title),
        evidence=list(c.evidence), remediation=label.remediation if label else None,
    )


def _attestation(items: list[AttestationSnap]) -> AttestationNote | None:
    current = [a for a in items if not a.needs_reconfirmation] or items
    if not current:
        return None
    a = max(current, key=lambda x: (x.attested_on, x.attestation_id))
    return AttestationNote(result=a.result.value, by=a.attested_by, on=a.attested_on,
                           document_ref=a.document_ref, note=a.note, carried_over=a.needs_reconfirmation)


def _generated_at(snap: AuditSnapshot) -> str:
    if snap.signoff.signed_at:
        return snap.signoff.signed_at
    return max([snap.opened_at, *(r.attached_at for r in snap.runs)])


def from_snapshot(snap: AuditSnapshot, labels: Labels, previous: AuditSnapshot | None = None) -> ReportData:
    evidence: dict[str, EvidenceItem] = {}
    for run in snap.runs:
        for e in run.evidence:
            evidence.setdefault(e.sha256, EvidenceItem(
                dataset=e.dataset, sha256=e.sha256, name=e.original_name, rows=e.rows,
                effective_date=e.effective_date))
    measures = {m.measure_id: m for m in snap.measures}
    items = {r.item_id: r for r in snap.remediation}
    attestations = {a.attestation_id: a for a in snap.attestations}
    before = {r.requirement_id: r.result for r in previous.requirements} if previous else {}
    rows: list[RequirementRow] = []
    offending: dict[str, OffendingSet] = {}
    for req in snap.requirements:
        remediation = [items[i] for i in req.remediation_ids if i in items]
        checks = [_check(c, labels) for c in req.checks]
        compensating: list[str] = []
        details: list[Texts] = []  # the same lines in both languages
        for mid in req.measure_ids:
            measure = measures.get(mid)
            if measure is not None:
                state = "" if measure.valid else " — not valid on the as-of date"
                # what it covers, per check (a measure covers only the checks and subjects it names)
                every_en, every_zh = L["every_row"]
                scope_en = "; ".join(f"{c.check_id}: {', '.join(c.subjects) or every_en}" for c in measure.checks)
                scope_zh = "；".join(f"{c.check_id}：{'、'.join(c.subjects) or every_zh}" for c in measure.checks)
                compensating.append(f"{measure.ref}: {measure.description} (approved by {measure.approver} "
                                    f"on {measure.approved_on}, review by {measure.review_by}){state}"
                                    + (f" — covers {scope_en}" if measure.checks else ""))
                details.append(Texts(en=compensating[-1], zh=(
                    f"{measure.ref}：{measure.description}（{measure.approver} 於 {measure.approved_on} 核准，"
                    f"檢視期限 {measure.review_by}）" + ("" if measure.valid else "；查核基準日時不具效力")
                    + (f"；涵蓋 {scope_zh}" if measure.checks else ""))))
        reasons = req.all_reasons()
        if req.status is AssessmentStatus.DEFERRED:  # left open on purpose: say so, with why
            reasons.append(Reason(code="assessment_deferred",
                                  params={"by": req.assessed_by or "", "justification": req.justification or ""}))
        elif req.result is None:
            reasons.append(Reason(code="not_assessed"))
        prev = before.get(req.requirement_id)
        rows.append(RequirementRow(
            id=req.requirement_id,
            parent=_parent(labels, req.requirement_id),
            area=req.area,
            text=Texts(en=req.title, zh=req.title_zh),
            obligation=req.obligation,
            result=_result(req, any(r.status.value == "in_progress" for r in remediation)),
            reasons=messages().reasons_text(reasons, "en"),
            reason_codes=reasons,
            checks=checks,
            evidence=[evidence[s] for s in dict.fromkeys(s for c in req.checks for s in c.evidence)
                      if s in evidence],
            compensating_measures=compensating,
            measure_details=details,
            remediation=[Remediation(
                measure=r.title, title=Texts(en=r.say_title("en"), zh=r.say_title("zh-TW")),
                owner=r.owner, due=r.due_date, status=r.status.value,
                opened=_opened(r.notes),
            ) for r in remediation],
            reviewer=req.assessed_by or snap.signoff.reviewer,
            comment=req.justification,
            attestation=_attestation([attestations[i] for i in req.attestation_ids if i in attestations]),
            previous_result=Result.of(prev) if prev is not None else None,
        ))
        for c, summary in zip(req.checks, checks, strict=True):
            if c.offending_count:
                entry = offending.setdefault(c.check_id, OffendingSet(
                    check_id=c.check_id, title=summary.title, count=c.offending_count, requirement_ids=[]))
                entry.requirement_ids.append(req.requirement_id)
    cat = labels.catalog
    latest = snap.runs[-1] if snap.runs else None
    return ReportData(
        firm=snap.firm_name, firm_id=snap.firm_id, year=snap.year, as_of=snap.as_of,
        catalog=CatalogRef(
            id=snap.catalog_id, version=snap.catalog_version,
            effective_from=cat.effective_from.isoformat() if cat else "",
            urn=cat.urn if cat else None, title=Texts(en=cat.title.en, zh=cat.title.zh_tw) if cat else None,
        ),
        source=Source(kind=SourceKind.AUDIT, ref=str(snap.audit_id)),
        generated_at=_generated_at(snap),
        ccaudit_version=latest.ccaudit_version if latest else ccaudit.__version__,
        engine=latest.engine if latest else None,
        sign_off=SignOff(state=snap.status.value, signed_by=snap.signoff.reviewer,
                         signed_at=snap.signoff.signed_at, key_fingerprint=snap.signoff.key_fingerprint),
        digest=snap.signoff.digest,
        areas=catalog_areas(cat),
        requirements=rows,
        evidence=list(evidence.values()),
        offending=list(offending.values()),
        previous=PreviousSummary(label=str(previous.year), as_of=previous.as_of, counts=previous.counts())
        if previous else None,
        warnings=[w for run in snap.runs[-1:] for w in run.warnings],
    )


def _opened(notes: list[str]) -> str | None:
    """The first note's date: notes read '2026-12-01 alice: text', oldest first."""
    match = _NOTE_DATE.match(notes[0]) if notes else None
    return match.group(1) if match else None


def _parent(labels: Labels, requirement_id: str) -> str | None:
    if labels.catalog is None:
        return None
    try:
        return labels.catalog.requirement(requirement_id).parent
    except KeyError:
        return None


def run_of_checks(snap: AuditSnapshot) -> dict[str, int]:
    """The run each check's offending rows come from (the run that decided its requirement)."""
    runs: dict[str, int] = {}
    for req in snap.requirements:
        for c in req.checks:
            if req.run_id is not None:
                runs.setdefault(c.check_id, req.run_id)
    return runs


class AuditRows:
    """Offending rows from the audit database, paged by row number: one chunk in memory at a time."""

    def __init__(self, database: Any, runs: dict[str, int], chunk: int = CHUNK) -> None:
        self.db = database
        self.runs = runs
        self.chunk = chunk
        self._columns: dict[str, list[str]] = {}

    def _page(self, check_id: str, after: int, size: int) -> list[OffendingRow]:
        with self.db.read() as s:
            query = (select(OffendingRow)
                     .where(OffendingRow.run_id == self.runs[check_id], OffendingRow.check_id == check_id,
                            OffendingRow.row_no > after)
                     .order_by(OffendingRow.row_no).limit(size))
            rows = list(s.scalars(query))
            s.expunge_all()
            return rows

    def columns(self, check_id: str) -> list[str]:
        if check_id not in self.runs:
            return []
        if check_id not in self._columns:
            first = self._page(check_id, -1, 1)
            data = list(json.loads(first[0].data)) if first else []
            self._columns[check_id] = [*FIXED, *data, *TRAILING] if first else []
        return self._columns[check_id]

    def iter_rows(self, check_id: str, limit: int | None = None) -> Iterator[list[str]]:
        columns = self.columns(check_id)
        if not columns:
            return
        data_cols = columns[len(FIXED): len(columns) - len(TRAILING)]
        after, left = -1, limit
        while left is None or left > 0:
            page = self._page(check_id, after, self.chunk if left is None else min(self.chunk, left))
            if not page:
                return
            for r in page:
                data = json.loads(r.data)
                yield [_cell(r.subject), *(_cell(data.get(c)) for c in data_cols),
                       *(_cell(v) for v in (r.compensated_by, r.expired_measure, r.source_file, r.source_row,
                                            r.source_sha256))]
            after = page[-1].row_no
            if left is not None:
                left -= len(page)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def add_policy_notes(data: ReportData, view: PolicyView) -> None:
    """Each clause's policy-scan proposal and the auditor's decision on it (from the trail: workflow/policies)."""
    for row in data.requirements:
        clause = view.coverage.clause(row.id)
        if clause is None:
            continue
        d = view.decisions.get(row.id)
        row.policy_proposal = PolicyProposalNote(
            proposal=clause.proposal.value, covered=sum(t.status == "covered" for t in clause.topics),
            topics=len(clause.topics), sha256=view.sha256,
            missing=[Texts(en=t.title.en, zh=t.title.zh_tw) for t in clause.topics if t.status == "not_found"],
            decision=d.decision if d else "undecided", by=d.by if d else None, at=d.at if d else None,
            note=d.note if d else None,
        )  # fmt: skip


@contextmanager
def open_audit(
    audit_id: int, settings: Settings, with_previous: bool = True, service: AuditService | None = None
) -> Iterator[ReportInput]:
    """The audit as report input, read with the acting user's rights (settings.user); on `service` (the
    web app's, left open) or on a service of its own."""
    from ccaudit.audit.service import AuditService

    own = service is None
    service = service or AuditService.open(settings)
    try:
        snap = service.snapshot(audit_id, settings.user)
        previous = None
        if with_previous and snap.carried_from is not None:
            previous = service.snapshot(snap.carried_from, settings.user)
        labels, warnings = load_labels(settings, snap.catalog_id, snap.catalog_version)
        data = from_snapshot(snap, labels, previous)
        data.warnings.extend(warnings)
        view = service.policy_proposals(settings.user, audit_id)
        if view is not None:
            add_policy_notes(data, view)
        # each attached run keeps its evidence files under <data_dir>/runs/<uid>/evidence/blobs
        blobs = tuple(service.runs_dir / run.uid / "evidence" / "blobs" for run in snap.runs)
        yield ReportInput(data, AuditRows(service.db, run_of_checks(snap)), evidence_dirs=blobs)
    finally:
        if own:
            service.close()
