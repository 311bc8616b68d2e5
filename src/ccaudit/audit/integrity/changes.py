"""The trail read as a story: each entry's changed fields (old -> new), for one audit or for one of its
requirements (its assessment, attestations, measures, remediation items and what each run decided)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import NotFoundError
from ccaudit.audit.integrity import trail
from ccaudit.audit.storage.models import Assessment

# bookkeeping every record has: not what an auditor asks "what changed?" about
_QUIET = {"id", "version", "audit_id", "firm_id"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any  # None: the field was not there (a record created)
    new: Any  # None: the field is gone (a record deleted) or was emptied


@dataclass(frozen=True)
class TrailStep:
    seq: int
    at: str  # UTC, as hashed into the trail
    actor: str
    action: str
    entity: str
    entity_id: str | None
    changes: list[FieldChange] = field(default_factory=list)


def _state(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs; for a record created (deleted), its non-empty fields."""
    old, new = before or {}, after or {}
    keys = [k for k in new if k not in _QUIET] + [k for k in old if k not in new and k not in _QUIET]
    out = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if a != b and not (before is None and b in (None, "", [], {})):
            out.append(FieldChange(key, a, b))
    return out


def _step(entry: dict[str, Any], changes: list[FieldChange]) -> TrailStep:
    if entry["entity"] == "remediation":
        changes = _titles(changes, _state(entry["before"]), _state(entry["after"]))
    return TrailStep(
        entry["seq"], entry["at"], entry["actor"], entry["action"], entry["entity"], entry["entity_id"], changes
    )


def _titles(
    changes: list[FieldChange], before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[FieldChange]:
    """A remediation item's title and its parts are one change: the title, said in the reader's language."""
    if not any(c.field in ("title", "title_source") for c in changes):
        return changes
    from ccaudit.audit.titles import recorded_title

    out = [c for c in changes if c.field != "title_source"]
    change = FieldChange("title", recorded_title(before), recorded_title(after))
    at = next((i for i, c in enumerate(out) if c.field == "title"), None)
    if at is None:
        return [*out, change] if change.old is not None else out  # parts added to an unchanged title: no story
    out[at] = change
    return out


def audit_trail(session: Session, audit_id: int) -> list[TrailStep]:
    """Every entry filed under the audit, oldest first, with what it changed."""
    return [
        _step(e, field_changes(_state(e["before"]), _state(e["after"])))
        for e in trail.iter_entries(session, audit_id)
    ]


def _concerns(entity: str, state: dict[str, Any] | None, requirement_id: str) -> bool:
    if not state:
        return False
    if entity == "measure":
        return requirement_id in (state.get("requirement_ids") or [])
    return bool(state.get("requirement_id") == requirement_id)


def requirement_history(session: Session, audit_id: int, requirement_id: str) -> list[TrailStep]:
    """One requirement's story: its assessment, attestations, measures and remediation items as they
    changed, and the automated status each run gave it."""
    known = select(Assessment.id).where(Assessment.audit_id == audit_id, Assessment.requirement_id == requirement_id)
    if session.scalar(known) is None:
        raise NotFoundError(f"{requirement_id} is not a requirement of audit {audit_id}")
    steps = []
    for e in trail.iter_entries(session, audit_id):
        before, after = _state(e["before"]), _state(e["after"])
        if e["entity"] == "run":
            found = _run_finding(after, requirement_id)
            if found is not None:
                steps.append(_step(e, [FieldChange("automated_status", None, found)]))
        elif _about(e["entity"], before, after, requirement_id):
            steps.append(_step(e, field_changes(before, after)))
    return steps


def _about(entity: str, before: dict[str, Any] | None, after: dict[str, Any] | None, requirement_id: str) -> bool:
    if entity == "policy_decision":  # the auditor's decision on a policy proposal (workflow/policies.py)
        return (after or {}).get("requirement_id") == requirement_id
    return entity in ("assessment", "attestation", "measure", "remediation") and (
        _concerns(entity, before, requirement_id) or _concerns(entity, after, requirement_id)
    )


def _run_finding(run: dict[str, Any] | None, requirement_id: str) -> str | None:
    findings: Iterable[dict[str, Any]] = (run or {}).get("findings") or []
    return next((str(f.get("status")) for f in findings if f.get("requirement_id") == requirement_id), None)
