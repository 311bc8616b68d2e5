"""The finding of one requirement, as written to findings.json."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


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


class EvidenceRef(BaseModel):
    dataset: str
    sha256: str
    original_name: str
    rows: int
    effective_date: str | None = None


class CheckFinding(BaseModel):
    check_id: str
    title: str
    outcome: str  # passed | failed | missing_evidence
    obligation: str
    severity: str
    offending_count: int = 0
    compensated_count: int = 0
    expired_compensation_count: int = 0
    missing_datasets: list[str] = Field(default_factory=list)
    offending_file: str | None = None
    sample: list[dict[str, Any]] = Field(default_factory=list)
    sample_sentences: list[str] = Field(default_factory=list)
    compensating_measures: list[str] = Field(default_factory=list)
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
    reasons: list[str] = Field(default_factory=list)
    checks: list[CheckFinding] = Field(default_factory=list)
    attestation: AttestationRef | None = None


class InspectionReport(BaseModel):
    """findings.json: the contract other tools and the annual audit read."""

    schema_version: str = "1.0"
    firm: str | None
    firm_id: str | None
    as_of: str
    catalog: str
    catalog_version: int
    catalog_effective_from: str
    generated_at: str
    ccaudit_version: str
    counts: dict[str, int]
    findings: list[Finding]
    evidence: list[EvidenceRef]
    warnings: list[str] = Field(default_factory=list)
