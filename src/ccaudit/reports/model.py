"""ReportData: what every report is rendered from, whichever stored result it was built from.

Two sources feed it (a plain inspection's result folder, or an annual audit's snapshot); every
renderer reads only this model plus an `OffendingRows` reader that streams offending rows per check
in bounded chunks, so no renderer knows where the data came from and none recomputes a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from ccaudit.errors import CcauditError
from ccaudit.findings.models import STATUS_LABELS, CheckCounts, Reason, Status

# 1.1: requirements[].reason_codes (the reasons as codes with parameters, in any language)
# 1.2: requirements[].policy_proposal
# 1.3: engine (duckdb, postgres or spark: where the checks ran; null when not recorded)
# 1.4: requirements[].remediation[].title (the item's title in both languages)
REPORT_SCHEMA_VERSION = "1.4"


class ReportError(CcauditError):
    """A report that cannot be built from what was given."""


class Result(StrEnum):
    """The 查核結果 column: the stored status, or 'in remediation' once an audit tracks the fix."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    OBSERVATION = "observation"
    COMPENSATED = "compensated"
    NOT_APPLICABLE = "not_applicable"
    NEEDS_REVIEW = "needs_review"
    IN_REMEDIATION = "in_remediation"

    @classmethod
    def of(cls, status: Status) -> Result:
        return cls(status.value)

    def label(self, lang: str) -> str:
        en, zh = RESULT_LABELS[self]
        return zh if is_zh(lang) else en


RESULT_LABELS: dict[Result, tuple[str, str]] = {
    **{Result(s.value): labels for s, labels in STATUS_LABELS.items()},
    Result.IN_REMEDIATION: ("In remediation", "改善中"),
}

# A result that needs the firm to act, and so appears in the deficiencies table.
DEFICIENT = (Result.NON_COMPLIANT, Result.IN_REMEDIATION)


def is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


class Texts(BaseModel):
    """A text in English and Traditional Chinese (either may repeat the other when one is missing)."""

    model_config = ConfigDict(frozen=True)

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if is_zh(lang) else self.en


class SourceKind(StrEnum):
    RESULT_DIR = "result_dir"
    AUDIT = "audit"


class Source(BaseModel):
    kind: SourceKind
    ref: str = Field(description="result folder name, or audit ID")
    findings_sha256: str | None = Field(default=None, description="SHA-256 of the findings.json read")


class CatalogRef(BaseModel):
    id: str
    version: int
    effective_from: str
    urn: str | None = None
    title: Texts | None = None


class SignOff(BaseModel):
    state: str = Field(description="the audit's workflow state, e.g. draft, in_review, signed_off")
    signed_by: str | None = None
    signed_at: str | None = None
    key_fingerprint: str | None = Field(default=None, description="SHA-256 of the signer's raw public key, hex")


class EvidenceItem(BaseModel):
    dataset: str
    sha256: str
    name: str
    rows: int
    effective_date: str | None = None


class CheckSummary(CheckCounts):
    """A check's outcome (the fields findings.models.CheckCounts defines once) with its display texts."""

    title: Texts
    samples: list[Texts] = Field(default_factory=list, description="sample offending rows as sentences")
    evidence: list[str] = Field(default_factory=list, description="SHA-256 of the files the check read")
    remediation: Texts | None = Field(default=None, description="the check's recommended fix (guidance only)")


class Remediation(BaseModel):
    """One improvement measure the firm committed to."""

    measure: str  # the item's title as stored (English when ccaudit wrote it, else as typed)
    title: Texts | None = Field(default=None, description="since 1.4: the item's title in both languages")
    owner: str | None = None
    due: str | None = None
    status: str = "open"  # open | in_progress | done | overdue (as stored)
    opened: str | None = None
    closed: str | None = None


class AttestationNote(BaseModel):
    """A person's judgement recorded for the requirement."""

    result: str  # met | not_met | not_applicable
    by: str
    on: str
    document_ref: str | None = None
    note: str | None = None
    carried_over: bool = Field(default=False, description="carried over from last year, not yet re-confirmed")


class PolicyProposalNote(BaseModel):
    """What `ccaudit policies scan` proposed for the clause and what the auditor decided (audits only)."""

    proposal: str  # covered | partly_covered | not_found
    covered: int
    topics: int
    missing: list[Texts] = Field(default_factory=list, description="the topics no passage was found for")
    sha256: str = Field(description="SHA-256 of the policy_coverage.json the proposal is in")
    decision: str = "undecided"  # confirmed | rejected | undecided
    by: str | None = None
    at: str | None = None
    note: str | None = None


class RequirementRow(BaseModel):
    """One assessable requirement of the catalog, in catalog order."""

    id: str
    parent: str | None = None
    area: str | None = None
    text: Texts
    obligation: str
    result: Result
    reasons: list[str] = Field(default_factory=list, description="reason_codes in English (as stored)")
    reason_codes: list[Reason] = Field(default_factory=list)
    checks: list[CheckSummary] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list, description="gaps an auditor wrote down")
    compensating_measures: list[str] = Field(default_factory=list)
    measure_details: list[Texts] = Field(default_factory=list, description="the measures in words (audits)")
    remediation: list[Remediation] = Field(default_factory=list)
    owner: str | None = None
    due: str | None = None
    reviewer: str | None = None
    comment: str | None = None
    attestation: AttestationNote | None = None
    policy_proposal: PolicyProposalNote | None = Field(default=None, description="since 1.2")
    previous_result: Result | None = None


class Area(BaseModel):
    id: str
    title: Texts


class OffendingSet(BaseModel):
    """The offending rows of one check: counted when stored, streamed when printed."""

    check_id: str
    title: Texts
    count: int
    requirement_ids: list[str]


class PreviousSummary(BaseModel):
    """Last year's results, for the trend chart."""

    label: str
    as_of: str
    counts: dict[str, int]


class ReportData(BaseModel):
    schema_version: str = REPORT_SCHEMA_VERSION
    firm: str | None
    firm_id: str | None
    year: int | None = None
    as_of: str
    catalog: CatalogRef
    source: Source
    generated_at: str = Field(description="when the stored result was produced (never the report's own time)")
    ccaudit_version: str
    engine: str | None = Field(default=None, description="where the checks ran: duckdb, postgres, spark; None: unknown")
    sign_off: SignOff | None = None
    digest: str | None = Field(default=None, description="the signed audit's digest (None: plain inspection)")
    areas: list[Area] = Field(default_factory=list)
    requirements: list[RequirementRow]
    evidence: list[EvidenceItem] = Field(default_factory=list)
    offending: list[OffendingSet] = Field(default_factory=list)
    previous: PreviousSummary | None = None
    warnings: list[str] = Field(default_factory=list)

    def counts(self) -> dict[Result, int]:
        return {r: sum(1 for row in self.requirements if row.result is r) for r in Result}

    def area_title(self, area: str | None, lang: str) -> str:
        for a in self.areas:
            if a.id == area:
                return a.title.get(lang)
        return area or ("其他" if is_zh(lang) else "Other")

    def area_order(self) -> list[str | None]:
        """Areas in catalog order, then any area only the requirements name."""
        order: list[str | None] = [a.id for a in self.areas]
        for row in self.requirements:
            if row.area not in order:
                order.append(row.area)
        return order

    def evidence_by_sha(self) -> dict[str, EvidenceItem]:
        return {e.sha256: e for e in self.evidence}


class OffendingRows(Protocol):
    """Streams the offending rows of a check; never holds more than it yields."""

    def columns(self, check_id: str) -> list[str]: ...

    def iter_rows(self, check_id: str, limit: int | None = None) -> Iterator[list[str]]: ...


class NoOffendingRows:
    """For reports built from a source that kept no rows."""

    def columns(self, check_id: str) -> list[str]:
        return []

    def iter_rows(self, check_id: str, limit: int | None = None) -> Iterator[list[str]]:
        return iter(())


def chunks(rows: Iterator[list[str]], size: int = 1000) -> Iterator[list[list[str]]]:
    """Bounded chunks of a row stream."""
    while chunk := list(islice(rows, size)):
        yield chunk


@dataclass(frozen=True)
class ReportInput:
    """A report's data, the reader of its offending rows, and where the evidence files are kept."""

    data: ReportData
    rows: OffendingRows
    # folders holding evidence files named by SHA-256 (a result folder's evidence/blobs, or each attached
    # run's): OSCAL links each evidence resource to its file there
    evidence_dirs: tuple[Path, ...] = ()
