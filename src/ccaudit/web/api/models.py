"""The API's request and response bodies. Responses reuse the audit snapshot's models (the read model the
reports and the sign-off digest use), so the API says exactly what the audit holds; requests bound
every text (length; no control characters) and every date, so the database never sees what it cannot store."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ccaudit.audit.snapshot import (
    AssessmentStatus,
    AttestationResult,
    AttestationSnap,
    AuditStatus,
    EvidenceFileSnap,
    MeasureSnap,
    RemediationSnap,
    RemediationStatus,
    RequirementSnap,
    RunSnap,
    SignOffSnap,
)
from ccaudit.findings.models import Status

# no C0 controls but TAB, LF, CR; no DEL, no C1 controls (what a terminal or a database would misread)
PLAIN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
REQUIREMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CHECK_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
FIRM_ID = r"^[^\s/\x00-\x1f\x7f-\x9f]{1,32}$"

Line = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=ONE_LINE)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=PLAIN)]
FirmId = Annotated[str, StringConstraints(pattern=FIRM_ID)]
RequirementId = Annotated[str, StringConstraints(pattern=REQUIREMENT_ID)]
CheckId = Annotated[str, StringConstraints(pattern=CHECK_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="the record's version you read (409 if it changed)")]

EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"a date between {EARLIEST} and {LATEST}")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range), Field(description="ISO 8601 date, 1990-01-01 … 2100-12-31")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)  # built from the service's snapshot objects


# --- who, firms, audits ------------------------------------------------------------------------------


class TokenScope(_Out):
    token_id: int
    firm_id: str | None = Field(description="the one firm the token reaches; null: every firm of the user's")
    read_only: bool


class Me(_Out):
    user_id: str
    name: str
    is_superuser: bool
    authenticated_by: Literal["token", "session"]
    token: TokenScope | None
    roles: dict[str, list[str]] = Field(description="firm -> the user's roles there")


class FirmOut(_Out):
    firm_id: str
    name: str
    roles: list[str] = Field(description="the caller's roles at the firm")


class AuditSummaryOut(_Out):
    audit_id: int
    firm_id: str
    year: int
    as_of: dt.date
    catalog: str
    status: AuditStatus
    preparer: str | None
    reviewer: str | None
    digest: str | None


class OpenAuditIn(_In):
    firm_id: FirmId
    year: int = Field(ge=1990, le=2100)
    as_of: Day
    catalog_version: int | None = Field(None, ge=0, le=10_000, description="default: the version in force on as_of")


class CarryOverIn(_In):
    year: int | None = Field(None, ge=1990, le=2100, description="default: the year after")
    as_of: Day | None = Field(None, description="default: a year after the signed audit's")


class CarriedOut(_Out):
    audit: AuditSummaryOut = Field(description="the new audit")
    remediation: list[int] = Field(description="remediation items carried over (their new IDs)")
    measures: list[int] = Field(description="compensating measures still valid on the new as-of date")
    attestations: list[int] = Field(description="attestations carried, to be re-confirmed")
    left_behind: list[str] = Field(description="what was not carried, and why")


class RequirementStatusOut(_Out):
    requirement_id: str
    area: str | None
    title: str
    title_zh: str
    obligation: str
    status: AssessmentStatus
    automated_status: Status | None
    derived_result: Status | None
    assessed_result: Status | None
    result: Status | None
    version: int = Field(description="the assessment's version, for if_version")


class OpenOut(_Out):
    requirement_id: str
    why: str


class AuditOut(_Out):
    audit_id: int
    firm_id: str
    firm_name: str
    year: int
    as_of: dt.date
    catalog_id: str
    catalog_version: int
    status: AuditStatus
    opened_by: str
    opened_at: str
    carried_from: int | None
    counts: dict[str, int] = Field(description="requirements per result, with not_assessed")
    requirements: list[RequirementStatusOut]
    open: list[OpenOut] = Field(description="requirements not yet settled (what blocks submit and sign-off)")
    runs: list[RunSnap]
    signoff: SignOffSnap


class RemediationItemOut(RemediationSnap):
    """A remediation item as the audit holds it, with its title said in the language asked for."""

    title_text: str = Field(description="the title in the language asked for (lang); a typed title as typed")

    @classmethod
    def of(cls, item: RemediationSnap, lang: str) -> RemediationItemOut:
        return cls(**dict(item), title_text=item.say_title(lang))


class RequirementOut(_Out):
    audit_id: int
    requirement: RequirementSnap
    version: int
    text_en: str
    text_zh: str
    reasons_text: list[str] = Field(description="the reasons in the language asked for (lang)")
    evidence: list[EvidenceFileSnap] = Field(description="the evidence files its checks read")
    attestations: list[AttestationSnap]
    measures: list[MeasureSnap]
    remediation: list[RemediationItemOut]


class OffendingRowOut(_Out):
    row_no: int
    subject: str | None
    source_sha256: str | None
    source_file: str | None
    source_row: int | None
    compensated_by: str | None
    expired_measure: str | None
    data: dict[str, Any]


class OffendingPage(_Out):
    audit_id: int
    run_id: int
    check_id: str
    total: int = Field(description="the check's offending rows in the run")
    matched: int = Field(description="of those, the rows the filter matches")
    offset: int
    limit: int
    rows: list[OffendingRowOut]


class FieldChangeOut(_Out):
    field: str
    old: Any
    new: Any


class TrailStepOut(_Out):
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    changes: list[FieldChangeOut]


# --- the auditor's work ------------------------------------------------------------------------------


class AssessIn(_In):
    result: Status | None = Field(None, description="null: confirm the derived result")
    justification: Note | None = Field(None, description="required when the result differs from the derived one")
    if_version: Version | None = None


class DeferIn(_In):
    justification: Note
    if_version: Version | None = None


class AssessmentOut(_Out):
    audit_id: int
    requirement_id: str
    version: int


class ConfirmedOut(_Out):
    confirmed: list[str]
    left: list[str] = Field(description="requirements with no derived result to confirm")


class AttestIn(_In):
    result: AttestationResult
    attested_by: Line
    attested_on: Day
    document_ref: Line | None = None
    note: Note | None = None


class ReconfirmIn(_In):
    attested_by: Line
    attested_on: Day
    document_ref: Line | None = None
    if_version: Version | None = None


class AttestationOut(_Out):
    audit_id: int
    attestation_id: int


class MeasureIn(_In):
    ref: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=ONE_LINE)]
    description: Note
    requirement_ids: list[RequirementId] = Field(min_length=1, max_length=100)
    approver: Line
    approved_on: Day
    review_by: Day
    checks: list[CheckId] = Field(default_factory=list, max_length=100)
    subjects: list[Line] = Field(default_factory=list, max_length=1000)
    whole_requirement: bool = False


class MeasureUpdateIn(_In):
    review_by: Day
    if_version: Version | None = None


class MeasureOut(_Out):
    audit_id: int
    measure_id: int


class RemediationUpdateIn(_In):
    owner: Line | None = None
    due_date: Day | None = None
    status: RemediationStatus | None = None
    note: Note | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=ONE_LINE)] | None = Field(
        default=None, description="the item's title in your own words, shown as typed in every language")
    if_version: Version | None = None


class RemediationOut(_Out):
    audit_id: int
    item_id: int
    version: int


class ReturnIn(_In):
    note: Note


class AuditStatusOut(_Out):
    audit_id: int
    status: AuditStatus


# --- tokens --------------------------------------------------------------------------------------


class TokenOut(_Out):
    token_id: int
    user_id: str
    name: str
    firm_id: str | None
    read_only: bool
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    state: Literal["active", "expired", "revoked"]


class TokenIn(_In):
    name: Line
    firm_id: FirmId | None = None
    read_only: bool = False
    expires_at: dt.datetime | None = Field(None, description="with a zone; null: never (revoke it when done)")


class TokenCreated(_Out):
    token: str = Field(description="shown this once: only its hash is stored")
    info: TokenOut
