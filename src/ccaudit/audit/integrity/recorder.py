"""Records each change in the trail: who, when, what, the entity's state before and after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ccaudit.audit.integrity import trail
from ccaudit.audit.integrity.state import entity_id, entity_name, state
from ccaudit.audit.storage.models import Audit, Base, TrailEntry

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock


class Recorder:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def log(
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
        """Append the change in the caller's transaction; `after` is the entity's state as it now is."""
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

    def log_audit(
        self, s: Session, actor: str, action: str, obj: Base, before: dict[str, Any] | None, audit: Audit
    ) -> TrailEntry:
        """A change to something inside an audit: filed under the audit and its firm."""
        return self.log(s, actor, action, obj, before, audit.firm_id, audit.id)

    def log_event(
        self, s: Session, actor: str, action: str, entity: str, entity_id: str, after: dict[str, Any], audit: Audit
    ) -> TrailEntry:
        """Something the audit keeps outside its tables (a file it references by SHA-256, a decision on
        it): the trail entry is its only record, so `after` carries all of it."""
        return trail.append(
            s, at=self.clock(), actor=actor, action=action, entity=entity, entity_id=entity_id,
            firm_id=audit.firm_id, audit_id=audit.id, before=None, after=after,
        )  # fmt: skip
