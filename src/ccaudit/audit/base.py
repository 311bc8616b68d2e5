"""What every part of the audit service shares: the database, settings, clock, catalogs, and the
steps each use case repeats (who is acting, lock the audit, may it change, log the change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit import trail
from ccaudit.audit.access import get_user
from ccaudit.audit.db import Database
from ccaudit.audit.errors import ConflictError, FrozenAuditError, NotFoundError, WorkflowError
from ccaudit.audit.models import Assessment, Audit, Base, TrailEntry, User
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.state import entity_id, entity_name, state
from ccaudit.catalog.loader import CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.errors import CatalogError
from ccaudit.settings import Settings

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ServiceBase:
    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    @cached_property
    def catalogs(self) -> CatalogLibrary:
        return CatalogLibrary.load(self.settings.content_paths)

    def catalog_version(self, catalog_id: str, version: int) -> Catalog:
        for catalog in self.catalogs.versions(catalog_id):
            if catalog.version == version:
                return catalog
        raise CatalogError(f"catalog {catalog_id} v{version} is not installed")

    # --- steps every use case repeats -------------------------------------------------------------

    def _actor(self, s: Session, actor: str | None) -> User:
        return get_user(s, actor)

    def _audit(self, s: Session, audit_id: int, lock: bool = False) -> Audit:
        """The audit; `lock` holds its row until commit, so writers to one audit take turns."""
        audit = s.get(Audit, audit_id, with_for_update=lock, populate_existing=lock)
        if audit is None:
            raise NotFoundError(f"unknown audit {audit_id}")
        return audit

    @staticmethod
    def _writable(audit: Audit, by_reviewer: bool = False) -> None:
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

    @staticmethod
    def _expect(obj: Any, expected_version: int | None, what: str) -> None:
        if expected_version is not None and obj.version != expected_version:
            raise ConflictError(
                f"{what} was changed by someone else since you read it (now version {obj.version}, "
                f"you had version {expected_version}); reload it and apply your change again"
            )

    def _assessment(self, s: Session, audit: Audit, requirement_id: str) -> Assessment:
        found = s.scalar(
            select(Assessment).where(Assessment.audit_id == audit.id, Assessment.requirement_id == requirement_id)
        )
        if found is None:
            raise NotFoundError(
                f"requirement {requirement_id!r} is not an assessable requirement of {audit.catalog_id} "
                f"v{audit.catalog_version}"
            )
        return found

    def _log(
        self,
        s: Session,
        actor: str,
        action: str,
        obj: Base,
        before: dict[str, Any] | None,
        firm_id: str | None = None,
        audit_id: int | None = None,
        deleted: bool = False,
    ) -> TrailEntry:
        """Record a change: who, when, what, before and after (the entity's state as it now is)."""
        s.flush()
        return trail.append(
            s,
            at=self.clock(),
            actor=actor,
            action=action,
            entity=entity_name(obj),
            entity_id=entity_id(obj),
            firm_id=firm_id,
            audit_id=audit_id,
            before=before,
            after=None if deleted else state(s, obj),
        )

    def _log_audit(
        self, s: Session, actor: str, action: str, obj: Base, before: dict[str, Any] | None, audit: Audit
    ) -> TrailEntry:
        return self._log(s, actor, action, obj, before, audit.firm_id, audit.id)
