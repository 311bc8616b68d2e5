"""The metadata of a check, validated when its folder is loaded."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccaudit.catalog.models import Obligation
from ccaudit.evidence.models import Text

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CheckMetadata(BaseModel):
    """check.yaml: what a check decides, over which evidence, and how a failing row reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: Text
    severity: Severity
    datasets: tuple[str, ...] = Field(description="evidence that must be supplied for the check to decide")
    optional_datasets: tuple[str, ...] = ()
    key: tuple[str, ...] = Field(description="columns that identify a failing row stably across runs")
    sentence: Text = Field(description="one failing row as a sentence; {column} placeholders")
    rationale: Text
    remediation: Text
    obligation: Obligation | None = Field(None, description="overrides the requirement's, e.g. an advisable part")
    query_template: str | None = Field(None, description="a shared query in checks/_templates instead of query.sql")
    vars: dict[str, Any] = Field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    shared: tuple[str, ...] = Field((), description="shared relations (checks/_shared/<name>.sql) the query reads")

    @model_validator(mode="after")
    def _check(self) -> CheckMetadata:
        if not _ID.match(self.id):
            raise ValueError(f"check id {self.id!r} must be snake_case")
        if self.title.en.lower().startswith("ensure"):
            raise ValueError(f"check {self.id}: a title states the condition; it does not start with 'Ensure'")
        if not self.datasets:
            raise ValueError(f"check {self.id}: names no evidence dataset")
        return self


class SharedRelation(BaseModel):
    """checks/_shared/<name>.sql: per-row facts several checks read (one pass over an evidence table,
    its joins and derived columns written once). The runner creates it under <name> before the first
    check that names it in `shared`, and drops it after the checks: each engine holds it as suits it
    (DuckDB and PostgreSQL a view, Spark a cached relation; CheckEngine.create_shared)."""

    model_config = ConfigDict(frozen=True)

    name: str
    sql: str
    path: Path


class Check(BaseModel):
    """A loaded check: metadata plus its SQL (rendered with its vars) and where it came from."""

    model_config = ConfigDict(frozen=True)

    meta: CheckMetadata
    sql: str
    folder: Path
    area: str
    shared: tuple[SharedRelation, ...] = ()  # meta.shared, resolved

    @property
    def id(self) -> str:
        return self.meta.id


class CheckOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    MISSING_EVIDENCE = "missing_evidence"
