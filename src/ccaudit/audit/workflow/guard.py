"""The checks every change to an audit starts with: load (and lock) the audit, may it change, is the
record still the version the caller read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import ConflictError, FrozenAuditError, NotFoundError, WorkflowError
from ccaudit.audit.people.access import PREPARE, get_user, require
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.storage.models import Assessment, Audit, User


def load_audit(s: Session, audit_id: int, lock: bool = False) -> Audit:
    """The audit; `lock` holds its row until commit, so writers to one audit take turns."""
    audit = s.get(Audit, audit_id, with_for_update=lock, populate_existing=lock)
    if audit is None:
        raise NotFoundError(f"unknown audit {audit_id}")
    return audit


def writable(audit: Audit, by_reviewer: bool = False) -> None:
    if audit.status == AuditStatus.SIGNED:
        raise FrozenAuditError(
            f"audit {audit.id} ({audit.firm_id} {audit.year}) was signed off on "
            f"{audit.signed_at:%Y-%m-%d} by {audit.reviewer}: it is frozen and nothing in it may change"
        )
    if audit.status == AuditStatus.SUBMITTED and not by_reviewer:
        raise WorkflowError(
            f"audit {audit.id} is submitted for review: only the reviewer acts now "
            "(sign off, or return it to draft for changes)"
        )


def expect_version(obj: Any, expected_version: int | None, what: str) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(
            f"{what} was changed by someone else since you read it (now version {obj.version}, "
            f"you had version {expected_version}); reload it and apply your change again"
        )


def open_for_work(s: Session, actor: str | None, audit_id: int, action: str) -> tuple[User, Audit]:
    """The acting user and the locked draft audit they may prepare."""
    user = get_user(s, actor)
    audit = load_audit(s, audit_id, lock=True)
    require(s, user, audit.firm_id, PREPARE, action)
    writable(audit)
    return user, audit


def assessment_of(s: Session, audit: Audit, requirement_id: str) -> Assessment:
    found = s.scalar(
        select(Assessment).where(Assessment.audit_id == audit.id, Assessment.requirement_id == requirement_id)
    )
    if found is None:
        raise NotFoundError(
            f"requirement {requirement_id!r} is not an assessable requirement of {audit.catalog_id} "
            f"v{audit.catalog_version}"
        )
    return found
