"""policy_coverage.json: the documents read and, per clause, the proposal (covered / not found per topic
with the quoted passages). A proposal, never a verdict: an auditor confirms or rejects it in the audit."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ccaudit.evidence.models import Text

SCHEMA_VERSION = "1.0"
FILE = "policy_coverage.json"
PASSAGES_CSV = "policy_passages.csv"


class Proposal(StrEnum):
    COVERED = "covered"  # every topic has a passage
    PARTLY_COVERED = "partly_covered"  # some topics have none
    NOT_FOUND = "not_found"  # no topic has one


class DocumentInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str = Field(description="D1, D2, … in the order given")
    name: str = Field(description="the file's name as handed in")
    sha256: str
    size_bytes: int
    format: str  # pdf | docx | odt | markdown | text
    encoding: str | None = None  # text and Markdown: utf-8 | cp950 | big5hkscs
    pages: int | None = None  # PDF
    passages: int
    chars: int
    language: str  # zh-TW | en | unknown (no text)
    warnings: list[str] = Field(default_factory=list)


class Quote(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    document: str
    sha256: str
    page: int | None = None
    paragraph: int
    line: int | None = None
    section: str | None = None
    matched: str = Field(description="the phrases of the topic's rule that matched")
    excerpt: str

    def where(self, lang: str = "en") -> str:
        zh = lang.lower().startswith("zh")
        parts = [self.document]
        if self.page is not None:
            parts.append(f"第 {self.page} 頁" if zh else f"p. {self.page}")
        parts.append(f"第 {self.paragraph} 段" if zh else f"¶ {self.paragraph}")
        if self.line is not None:
            parts.append(f"第 {self.line} 行" if zh else f"line {self.line}")
        return " ".join(parts) if zh else ", ".join(parts)


class TopicCoverage(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    topic: str
    title: Text
    status: Literal["covered", "not_found"]
    passages: int = Field(description="passages that cover it; `quotes` holds the first few")
    quotes: list[Quote] = Field(default_factory=list)


class ClauseProposal(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    requirement_id: str
    text: Text
    obligation: str
    area: str = Field(description="policy_documents.policy_area the rules belong to")
    proposal: Proposal
    proposed_attestation: Literal["met", "not_met"] = Field(
        description="what a confirmation records: met only when every topic is covered"
    )
    topics: list[TopicCoverage]

    @property
    def missing(self) -> list[str]:
        return [t.topic for t in self.topics if t.status == "not_found"]


class RegisterRow(BaseModel):
    """One row of the firm's policy_documents register against the document it names: the topics the
    register says the document covers, and which of them the rules find in it."""

    doc_id: str
    title: str
    policy_area: str | None = None
    row: int = Field(description="the row in the register file (header = 1)")
    document: str | None = Field(description="the document handed in that the row names (file name or title); "
                                             "None: none was handed in")
    claimed: list[str] = Field(default_factory=list, description="topics the register lists")
    found: list[str] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list, description="listed, but no passage of the document covers it")
    no_rule: list[str] = Field(default_factory=list, description="listed topics no rule knows: not checked")


class Skipped(BaseModel):
    name: str
    reason: str


class PolicyCoverage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_version: str = SCHEMA_VERSION
    kind: Literal["ccaudit.policy_coverage"] = "ccaudit.policy_coverage"
    generated_at: str
    ccaudit_version: str
    catalog: str
    catalog_version: int
    rules_sha256: str = Field(description="SHA-256 of the topic rules used (content/policy_topics.yaml)")
    documents: list[DocumentInfo]
    skipped: list[Skipped] = Field(default_factory=list, description="files in the folders given, not read")
    clauses: list[ClauseProposal]
    register_file: str | None = Field(default=None, description="the policy_documents register compared (--register)")
    register_sha256: str | None = None
    register_rows: list[RegisterRow] = Field(default_factory=list)
    unregistered: list[str] = Field(default_factory=list, description="documents no register row names")

    @property
    def language(self) -> str:
        """The language most of the documents' text is in (en when there is none)."""
        zh = sum(d.chars for d in self.documents if d.language == "zh-TW")
        en = sum(d.chars for d in self.documents if d.language == "en")
        return "zh-TW" if zh > en else "en"

    def clause(self, requirement_id: str) -> ClauseProposal | None:
        return next((c for c in self.clauses if c.requirement_id == requirement_id), None)
