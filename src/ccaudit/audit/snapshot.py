"""AuditSnapshot: the whole audit as one typed value.

It is what reports are generated from and what the sign-off digest is computed over (see digest.py),
so every field is plain JSON: strings, integers, booleans, lists and objects; never floats; dates as
ISO 8601 strings (`YYYY-MM-DD`), times as ISO 8601 UTC strings (`YYYY-MM-DDTHH:MM:SSZ`).
Lists are ordered deterministically (requirements in catalog order, everything else by ID).
Values that depend on the day you look (e.g. whether a remediation item is overdue) are not in it;
use the helpers below with an explicit date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from ccaudit.findings.models import CheckCounts, Reason, Status

SNAPSHOT_SCHEMA = "1.0"


class AuditStatus(StrEnum):
    """Workflow of the audit as a whole."""

    DRAFT = "draft"  # being prepared: runs, assessments, attestations, measures, remediation
    SUBMITTED = "submitted"  # the preparer handed it to review; only the reviewer acts (sign off or return)
    SIGNED = "signed"  # signed off by a reviewer other than the preparer: frozen, digest stored


class AssessmentStatus(StrEnum):
    """Workflow of one requirement's assessment (apart from its verdict, `result`)."""

    TO_DO = "to_do"  # no inspection run has decided it yet
    IN_PROGRESS = "in_progress"  # an automated status exists; an auditor has not assessed it
    DONE = "done"  # an auditor confirmed or overrode the result
    DEFERRED = "deferred"  # left open on purpose, with a written justification (shown in the reports)


class RemediationStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ACCEPTED = "accepted"  # risk accepted by management: closed without a fix


OPEN_REMEDIATION = (RemediationStatus.OPEN, RemediationStatus.IN_PROGRESS)


class AttestationResult(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvidenceFileSnap(_Model):
    """One evidence file a run imported: traceable to the blob named by its SHA-256."""

    dataset: str
    sha256: str
    original_name: str
    size_bytes: int
    rows: int
    effective_date: str | None = None


# What a run keeps beside its evidence files, recorded with them (run_evidence rows with these datasets,
# which no dataset template can be named: ids are snake_case) and signed in RunSnap.attachments.
KEPT_PROBE_FILE = "<probe_file>"  # a probe's observations, screenshot or page (manifest `attachments`)
KEPT_PARSE_REPORT = "<parse_report>"  # how a raw export was read: evidence/parse_reports/<its sha256>.parse_report.json
KEPT_KINDS = {KEPT_PROBE_FILE: "probe_file", KEPT_PARSE_REPORT: "parse_report"}
# The report `ccaudit sources parse --out DIR` writes beside its datasets (= evidence.sources.SOURCES_REPORTS): kept
# like a probe's side file (manifest attachments, KEPT_PROBE_FILE) when DIR is handed in, but a parse report in
# what verify says and counts.
SOURCES_REPORT_NAMES = ("parse_report.json", "device_parse_report.json")


def is_sources_report(name: str) -> bool:
    """The kept file at `name` (a path in the evidence folder) is the parse report of `ccaudit sources parse`."""
    return name.rsplit("/", 1)[-1] in SOURCES_REPORT_NAMES


class AttachmentSnap(_Model):
    """A file a run keeps beside its evidence files and does not read as data: a probe's side file (its
    observations, a screenshot, a page as rendered) or the parse report of a raw export."""

    kind: str  # probe_file | parse_report
    name: str  # probe_file: its path in the evidence folder; parse_report: <raw export sha256>.parse_report.json
    sha256: str
    size_bytes: int


class CheckSnap(CheckCounts):
    """One check's outcome in a run, for one requirement (the fields of findings.models.CheckCounts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    evidence: list[str] = Field(default_factory=list)  # SHA-256 of the files the check read
    offending_sha256: str | None = None  # SHA-256 of its offending rows as archived (runs/<uid>/offending/<id>.jsonl)


class RunSnap(_Model):
    """One inspection run attached to the audit."""

    run_id: int
    uid: str  # folder name under <data_dir>/runs/
    attached_by: str
    attached_at: str
    as_of: str
    catalog_version: int
    ccaudit_version: str
    counts: dict[str, int]
    findings_sha256: str  # SHA-256 of the run's findings.json
    evidence: list[EvidenceFileSnap]
    warnings: list[str] = Field(default_factory=list)
    # Left out when empty, so runs recorded before ccaudit kept these keep the digest they were signed with.
    attachments: list[AttachmentSnap] = Field(default_factory=list, exclude_if=lambda v: not v)
    # duckdb | postgres | spark; None for runs recorded before the database kept it (shown as unknown).
    engine: str | None = None

    @model_serializer(mode="wrap")
    def _without_unknown_engine(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """No `engine` key when it is unknown: snapshots (and the digests and archives made of them)
        from before the engine was recorded stay byte for byte what was signed."""
        data: dict[str, Any] = handler(self)
        if data.get("engine") is None:
            data.pop("engine", None)
        return data


class AttestationSnap(_Model):
    attestation_id: int
    requirement_id: str
    result: AttestationResult
    attested_by: str
    attested_on: str
    document_ref: str | None
    note: str | None
    recorded_by: str
    needs_reconfirmation: bool  # carried over from last year: does not count until re-confirmed
    carried_from: int | None = None  # attestation ID in the previous audit


class MeasureSnap(_Model):
    """A compensating measure recorded in the audit."""

    measure_id: int
    ref: str  # the firm's own ID for the measure, e.g. CM-2026-03
    description: str
    requirement_ids: list[str]
    approver: str
    approved_on: str
    review_by: str  # review / expiry date
    valid: bool  # approved on or before the as-of date and not expired on it
    recorded_by: str
    carried_from: int | None = None
    # What it covers: the whole requirement (True), or only `checks` (False). None for measures recorded
    # before measures named a scope (they covered the whole requirement); both are left out of the digest
    # payload then, so audits signed before keep their digest.
    whole_requirement: bool | None = Field(default=None, exclude_if=lambda v: v is None)
    checks: list[MeasureCheckSnap] = Field(default_factory=list, exclude_if=lambda v: not v)

    def covers(self, check_id: str) -> MeasureCheckSnap | None:
        return next((c for c in self.checks if c.check_id == check_id), None)


class MeasureCheckSnap(_Model):
    """A check a measure covers: only the offending rows of these subjects, or every row if none."""

    check_id: str
    subjects: list[str] = Field(default_factory=list)  # empty: every offending row of the check

    def says(self) -> str:
        return f"{self.check_id} ({', '.join(self.subjects)})" if self.subjects else f"{self.check_id} (every row)"


class RemediationTitle(_Model):
    """What a remediation item's title is made of, so every reader gets it in their own language: the
    requirement and the result (the item's own fields), the reason that opened it (a code with parameters,
    as findings store them) and whether an earlier item had been closed; or a title a person typed, shown
    as typed. Items recorded before this existed have none: their stored title is read (audit/titles.py)."""

    typed: bool = Field(default=False, exclude_if=lambda v: not v)
    again: bool = Field(default=False, exclude_if=lambda v: not v)  # still failing after an item was closed
    reason: Reason | None = Field(default=None, exclude_if=lambda v: v is None)


class RemediationSnap(_Model):
    item_id: int
    requirement_id: str
    finding_result: Status  # the result that called for it: non_compliant or observation
    title: str  # as stored: English for titles ccaudit made (see say_title), else as typed
    # None for items recorded before titles were kept in parts (left out, so old digests stay the same)
    title_source: RemediationTitle | None = Field(default=None, exclude_if=lambda v: v is None)
    owner: str | None
    due_date: str | None
    status: RemediationStatus
    notes: list[str] = Field(default_factory=list)  # "2026-12-01 alice: text", oldest first
    carried_from: int | None = None

    def overdue(self, on: dt.date) -> bool:
        return (
            self.status in OPEN_REMEDIATION and self.due_date is not None and dt.date.fromisoformat(self.due_date) < on
        )

    def say_title(self, lang: str = "en") -> str:
        """The title in `lang` (a typed title as typed)."""
        from ccaudit.audit.titles import title_text

        return title_text(self, lang)


class RequirementSnap(_Model):
    """One assessable requirement of the catalog version the audit follows."""

    requirement_id: str
    area: str | None
    title: str
    title_zh: str
    obligation: str
    attestation_mode: str  # none | required | only (from the catalog)
    status: AssessmentStatus  # workflow
    automated_status: Status | None  # as the latest run decided it; None before any run
    derived_result: Status | None  # automated status with the audit's attestations and measures applied
    assessed_result: Status | None  # an auditor's assessment; differs from derived only with a justification
    justification: str | None
    assessed_by: str | None
    result: Status | None  # the verdict: assessed_result if given, else derived_result
    # Why, including measures that expired: as codes with parameters (reason_codes), never as sentences,
    # so the digest does not depend on how a message is worded. `reasons` holds the English text of
    # audits recorded before codes; `reason_codes` is left out when empty, so their digests stay as signed.
    reasons: list[str] = Field(default_factory=list)
    reason_codes: list[Reason] = Field(default_factory=list, exclude_if=lambda v: not v)
    run_id: int | None = None  # the run the automated status comes from
    checks: list[CheckSnap] = Field(default_factory=list)
    attestation_ids: list[int] = Field(default_factory=list)
    measure_ids: list[int] = Field(default_factory=list)
    remediation_ids: list[int] = Field(default_factory=list)

    def all_reasons(self) -> list[Reason]:
        """Every reason as a Reason: codes, or the text an earlier version stored."""
        return [*(Reason(code="legacy_text", params={"text": r}) for r in self.reasons), *self.reason_codes]

    def reason_texts(self, lang: str = "en") -> list[str]:
        from ccaudit.findings.messages import messages

        return messages().reasons_text(self.all_reasons(), lang)


def stored_reasons(items: Iterable[Any]) -> tuple[list[str], list[Reason]]:
    """A stored reasons list (JSON): text from before codes, and codes ({code, params})."""
    texts: list[str] = []
    codes: list[Reason] = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        else:
            codes.append(Reason.model_validate(item))
    return texts, codes


def as_reasons(items: Iterable[Any]) -> list[Reason]:
    texts, codes = stored_reasons(items)
    return [*(Reason(code="legacy_text", params={"text": t}) for t in texts), *codes]


def storable(reasons: Iterable[Reason]) -> list[Any]:
    """Reasons as stored in the database's JSON lists: text from before codes stays text."""
    return [r.params["text"] if r.code == "legacy_text" else r.model_dump(mode="json") for r in reasons]


class SignOffSnap(_Model):
    preparer: str | None
    submitted_at: str | None
    reviewer: str | None = None
    signed_at: str | None = None
    trail_head: str | None = None  # hash of this audit's last trail entry before the sign-off
    digest: str | None = None  # SHA-256 over the snapshot (digest.py); None until signed
    signature: str | None = None  # Ed25519 over the digest, base64
    key_fingerprint: str | None = None  # SHA-256 of the reviewer's raw public key, hex


class AuditSnapshot(_Model):
    schema_version: str = SNAPSHOT_SCHEMA
    audit_id: int
    firm_id: str
    firm_name: str
    year: int
    as_of: str
    catalog_id: str
    catalog_version: int
    status: AuditStatus
    opened_by: str
    opened_at: str
    carried_from: int | None = None  # audit ID of the previous year's audit
    requirements: list[RequirementSnap]
    runs: list[RunSnap] = Field(default_factory=list)
    attestations: list[AttestationSnap] = Field(default_factory=list)
    measures: list[MeasureSnap] = Field(default_factory=list)
    remediation: list[RemediationSnap] = Field(default_factory=list)
    signoff: SignOffSnap

    def counts(self) -> dict[str, int]:
        """Requirements per verdict (`result`), with `not_assessed` for those without one."""
        out = {s.value: 0 for s in Status} | {"not_assessed": 0}
        for req in self.requirements:
            out[req.result.value if req.result else "not_assessed"] += 1
        return out

    def requirement(self, requirement_id: str) -> RequirementSnap:
        for req in self.requirements:
            if req.requirement_id == requirement_id:
                return req
        raise KeyError(requirement_id)

    def overdue(self, on: dt.date) -> list[RemediationSnap]:
        return [item for item in self.remediation if item.overdue(on)]
