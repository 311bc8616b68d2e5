"""Typed schema of a catalog file. One generic schema serves every article and regulation."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccaudit.evidence.models import Text


class Obligation(StrEnum):
    SHALL = "shall"  # a gap is a deficiency
    ADVISABLE = "advisable"  # a gap is an observation


class Attestation(StrEnum):
    NONE = "none"  # data decides alone
    REQUIRED = "required"  # a person must also judge (e.g. a policy's content)
    ONLY = "only"  # no data decides it: a manual attestation is the whole assessment


class Requirement(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str
    parent: str | None = None
    assessable: bool = True
    area: str | None = None
    text: Text
    zh_source: str = Field("translation", description="'official' regulation wording or our 'translation'")
    obligation: Obligation | None = None
    frequency_months: int | None = None
    applies_if: str | None = Field(None, description="firm_profile scope flag the requirement depends on")
    evidence: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    attestation: Attestation = Attestation.NONE
    guidance: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> Requirement:
        if self.assessable and self.obligation is None:
            raise ValueError(f"requirement {self.id}: an assessable requirement needs an obligation")
        if self.assessable and not self.checks and self.attestation is not Attestation.ONLY:
            raise ValueError(f"requirement {self.id}: no checks, so attestation must be 'only'")
        return self


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    urn: str
    id: str
    version: int
    effective_from: dt.date
    title: Text
    control_code: str | None = None
    audit_frequency: str | None = None
    source: str = ""
    requirements: tuple[Requirement, ...]

    @model_validator(mode="after")
    def _check(self) -> Catalog:
        ids = [r.id for r in self.requirements]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"catalog {self.id}: duplicate requirement IDs {sorted(dupes)}")
        known = set(ids)
        for req in self.requirements:
            if req.parent is not None and req.parent not in known:
                raise ValueError(f"catalog {self.id}: {req.id} names unknown parent {req.parent}")
        return self

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version} ({self.effective_from.isoformat()})"

    def assessable(self) -> list[Requirement]:
        return [r for r in self.requirements if r.assessable]

    def requirement(self, requirement_id: str) -> Requirement:
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        raise KeyError(requirement_id)
