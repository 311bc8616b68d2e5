"""The recorded state of each audited entity: what the trail stores as before/after, and what
`verify` compares the live rows against (so a row edited behind the service's back is found)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity.digest import plain, sha256_hex
from ccaudit.audit.storage.models import (
    ApiToken,
    Assessment,
    Attestation,
    Audit,
    Base,
    Firm,
    InspectorGrant,
    Measure,
    RemediationItem,
    Run,
    RunCheck,
    RunFinding,
    User,
    UserKey,
    UserRole,
)

# entity name in the trail -> model; the trail's entity_id is the primary key as text
ENTITIES: dict[str, type[Base]] = {
    "firm": Firm,
    "user": User,
    "role": UserRole,
    "user_key": UserKey,
    "inspector_grant": InspectorGrant,
    "audit": Audit,
    "run": Run,
    "assessment": Assessment,
    "attestation": Attestation,
    "measure": Measure,
    "remediation": RemediationItem,
    "api_token": ApiToken,
}
# version: the optimistic-locking counter, bumped on flush, not part of what changed; last_used_at (API
# tokens): written on use, not a change anyone makes
NOT_STATE = {"version", "last_used_at"}


def iso(value: dt.datetime | None) -> str | None:
    """UTC time as text, to the second: 2026-11-30T08:00:00Z."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def entity_name(obj: Base) -> str:
    for name, model in ENTITIES.items():
        if isinstance(obj, model):
            return name
    raise TypeError(f"not an audited entity: {type(obj).__name__}")


def entity_id(obj: Base) -> str:
    if isinstance(obj, UserRole):
        return f"{obj.user_id}/{obj.firm_id}/{obj.role}"
    return str(sa_inspect(obj).identity[0])  # type: ignore[index]


def _columns(obj: Base) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in sa_inspect(obj).mapper.column_attrs:
        if attr.key in NOT_STATE:
            continue
        value = getattr(obj, attr.key)
        out[attr.key] = iso(value) if isinstance(value, dt.datetime) else plain(value)
    return out


def state(session: Session, obj: Base) -> dict[str, Any]:
    """Everything about the entity that the trail vouches for, as canonical-JSON-safe data."""
    out = _columns(obj)
    if isinstance(obj, User) and obj.password_hash:
        out["password_hash"] = sha256_hex(obj.password_hash)  # the trail proves it changed, never holds it
    if isinstance(obj, ApiToken):
        out["token_hash"] = sha256_hex(obj.token_hash)  # never the value a token is looked up by
    if isinstance(obj, Measure):
        out["requirement_ids"] = obj.requirement_ids
        if obj.whole_requirement is None:  # recorded before measures named a scope: its state as recorded then
            del out["whole_requirement"]
        if obj.checks:
            out["checks"] = [{"check_id": c.check_id, "subject": c.subject} for c in obj.checks]
    if isinstance(obj, RemediationItem) and obj.title_source is None:  # recorded before migration 0008
        del out["title_source"]
    if isinstance(obj, Run):
        out["evidence"] = [_columns(e) for e in obj.evidence]
        findings = select(RunFinding).where(RunFinding.run_id == obj.id).order_by(RunFinding.id)
        out["findings"] = [_columns(f) for f in session.scalars(findings)]
        checks = select(RunCheck).where(RunCheck.run_id == obj.id).order_by(RunCheck.id)
        out["checks"] = [_columns(c) for c in session.scalars(checks)]
    return out
