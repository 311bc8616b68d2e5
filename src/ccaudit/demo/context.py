"""State shared by the demo's area generators: the firm, its people, and what was planted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ccaudit.demo.writer import EvidenceWriter


@dataclass
class Planted:
    """The gaps the generator planted: per check, the keys (key columns joined by '|') that must fail,
    and the subset a valid compensating measure covers."""

    failing: dict[str, set[str]] = field(default_factory=dict)
    compensated: dict[str, set[str]] = field(default_factory=dict)
    only: frozenset[str] | None = None  # the checks that get gaps (None: every check)
    missing_evidence: set[str] = field(default_factory=set)

    def plants(self, check_id: str) -> bool:
        return self.only is None or check_id in self.only

    def fail(self, check_id: str, *keys: str, compensated: bool = False) -> None:
        if check_id in self.missing_evidence:
            return
        if not self.plants(check_id):  # the area left that check's rows clean
            self.failing.setdefault(check_id, set())
            return
        self.failing.setdefault(check_id, set()).update(keys)
        if compensated:
            self.compensated.setdefault(check_id, set()).update(keys)

    def withhold(self, *check_ids: str) -> None:
        """The evidence these checks need is not handed in: they must report missing evidence."""
        self.missing_evidence.update(check_ids)
        for check_id in check_ids:
            self.failing.pop(check_id, None)

    def expect_check(self, check_id: str) -> None:
        """Declare that a check was given evidence (so 'no planted keys' means it must pass)."""
        if check_id not in self.missing_evidence:
            self.failing.setdefault(check_id, set())

    def as_json(self) -> dict[str, Any]:
        return {
            "failing": {k: sorted(v) for k, v in sorted(self.failing.items())},
            "compensated": {k: sorted(v) for k, v in sorted(self.compensated.items())},
            "missing_evidence": sorted(self.missing_evidence),
        }


@dataclass
class FirmContext:
    rng: np.random.Generator
    as_of: dt.date
    scale: float
    writer: EvidenceWriter
    profile: dict[str, Any]
    people: dict[str, np.ndarray]
    roles: list[dict[str, Any]]
    planted: Planted = field(default_factory=Planted)
    policies: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    attestations: list[dict[str, Any]] = field(default_factory=list)

    def n(self, base: int) -> int:
        """A count scaled by --scale, at least 1."""
        return max(1, round(base * self.scale))

    def days_before(self, days: int | np.ndarray) -> Any:
        """as_of minus days, as numpy datetime64[D] (vectorised) or a date."""
        base = np.datetime64(self.as_of, "D")
        return base - np.asarray(days).astype("timedelta64[D]") if isinstance(days, np.ndarray) else \
            self.as_of - dt.timedelta(days=int(days))

    def plants(self, check_id: str) -> bool:
        """Whether to plant this check's gaps; where not, the area leaves those rows clean."""
        return self.planted.plants(check_id)

    @property
    def every_gap(self) -> bool:
        """The stress-test firm: every gap of every check, not only the credible firm's few."""
        return self.planted.only is None

    def in_scope(self, flag: str) -> bool:
        return bool(self.profile.get(flag))

    def active_people(self, mask: np.ndarray | None = None) -> np.ndarray:
        active = self.people["employment_status"] == "active"
        selected: np.ndarray = self.people["person_id"][active if mask is None else active & mask]
        return selected
