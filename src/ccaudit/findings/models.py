"""The finding of one requirement, as written to findings.json, and the parts of it that the audit
snapshot and the reports reuse (Reason, CheckCounts): a finding's fields are defined here once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# 1.1: findings[].reason_codes (reasons as codes with parameters); `reasons` stays, in English
# 1.2: engine (where the checks ran: name, version, URL without its password)
FINDINGS_SCHEMA_VERSION = "1.2"


class Status(StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"  # a 'shall' not met and not compensated: a deficiency
    OBSERVATION = "observation"  # an 'advisable' not met
    COMPENSATED = "compensated"  # every gap covered by an approved, unexpired compensating measure
    NOT_APPLICABLE = "not_applicable"
    NEEDS_REVIEW = "needs_review"  # evidence or an attestation missing: never silently compliant


STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.COMPLIANT: ("Compliant", "符合"),
    Status.NON_COMPLIANT: ("Non-compliant", "不符合"),
    Status.OBSERVATION: ("Observation", "建議改善"),
    Status.COMPENSATED: ("Compensated", "已有補償性措施"),
    Status.NOT_APPLICABLE: ("Not applicable", "不適用"),
    Status.NEEDS_REVIEW: ("Needs review", "待確認"),
}


ReasonParam = str | int | list[str]


class Reason(BaseModel):
    """Why a requirement has its status: a message code and its parameters (never a sentence).

    Reports render it in their own language from the message catalogs (findings/messages.py,
    content/messages/reasons.yaml); parameters are plain JSON (no floats), so a reason can be part of
    the audit's canonical snapshot and its digest.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    params: dict[str, ReasonParam] = Field(default_factory=dict)


class CheckCounts(BaseModel):
    """One check's outcome for one requirement: what the inspection, the audit and the reports share."""

    check_id: str
    outcome: str  # passed | failed | missing_evidence
    obligation: str
    severity: str
    offending_count: int = 0
    compensated_count: int = 0
    expired_compensation_count: int = 0
    missing_datasets: list[str] = Field(default_factory=list)
    compensating_measures: list[str] = Field(default_factory=list)  # measure IDs from the firm's register

    @property
    def uncovered(self) -> int:
        return max(self.offending_count - self.compensated_count, 0)


class EvidenceRef(BaseModel):
    dataset: str
    sha256: str
    original_name: str
    rows: int
    effective_date: str | None = None


class CheckFinding(CheckCounts):
    title: str
    offending_file: str | None = None
    sample: list[dict[str, Any]] = Field(default_factory=list)
    sample_sentences: list[str] = Field(default_factory=list)
    expired_measures: list[dict[str, Any]] = Field(default_factory=list)
    evidence: list[EvidenceRef] = Field(default_factory=list)


class AttestationRef(BaseModel):
    result: str
    attested_by: str
    attested_on: str
    document_ref: str | None = None
    note: str | None = None


class Finding(BaseModel):
    requirement_id: str
    area: str | None
    title: str
    title_zh: str
    obligation: str
    status: Status
    summary: str
    reasons: list[str] = Field(default_factory=list, description="reason_codes rendered in English")
    reason_codes: list[Reason] = Field(default_factory=list)
    checks: list[CheckFinding] = Field(default_factory=list)
    attestation: AttestationRef | None = None


class EngineRef(BaseModel):
    """The engine the checks ran on, as findings.json and the evidence manifest record it."""

    name: str  # duckdb | postgres | spark
    version: str
    url: str | None = None  # PostgreSQL URL or Spark master URL, never with its password
    db_schema: str | None = None  # postgres: the run's schema


class InspectionReport(BaseModel):
    """findings.json: the contract other tools and the annual audit read."""

    schema_version: str = FINDINGS_SCHEMA_VERSION
    run_id: str | None = None  # the inspection run: evidence/manifest.json of the same folder names it too
    firm: str | None
    firm_id: str | None
    as_of: str
    catalog: str
    catalog_version: int
    catalog_effective_from: str
    generated_at: str
    ccaudit_version: str
    engine: EngineRef | None = None  # absent in findings.json before 1.2 (DuckDB was the only engine)
    counts: dict[str, int]
    findings: list[Finding]
    evidence: list[EvidenceRef]
    warnings: list[str] = Field(default_factory=list)
