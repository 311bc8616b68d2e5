"""The audit trail: an append-only log where each entry's hash covers its content and the previous
entry's hash, so editing, deleting or re-ordering any entry breaks the chain from there on.

Each entry also links to the previous entry of the same audit (`audit_prev_hash`), so one audit's
entries form a chain of their own that an exported archive can check without the rest of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity.digest import canonical, sha256_hex
from ccaudit.audit.storage.models import ChainHead, TrailEntry

GENESIS = "0" * 64
HEAD_ID = 1
HASHED = (
    "seq",
    "at",
    "actor",
    "action",
    "firm_id",
    "audit_id",
    "entity",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "audit_prev_hash",
)


def entry_hash(fields: dict[str, Any]) -> str:
    return sha256_hex(canonical({name: fields[name] for name in HASHED}))


def entry_fields(entry: TrailEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in (*HASHED, "hash")}


def append(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    firm_id: str | None = None,
    audit_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> TrailEntry:
    """Add one entry in the caller's transaction (the head row is locked until it commits)."""
    head = session.get(ChainHead, HEAD_ID, with_for_update=True)
    if head is None:
        raise RuntimeError("the trail has no head row: the database was not migrated")
    audit_prev = None
    if audit_id is not None:
        last = select(TrailEntry.hash).where(TrailEntry.audit_id == audit_id).order_by(TrailEntry.seq.desc())
        audit_prev = session.scalar(last.limit(1)) or GENESIS
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "actor": actor,
        "action": action,
        "firm_id": firm_id,
        "audit_id": audit_id,
        "entity": entity,
        "entity_id": entity_id,
        "before": None if before is None else canonical(before),
        "after": None if after is None else canonical(after),
        "prev_hash": head.hash,
        "audit_prev_hash": audit_prev,
    }
    entry = TrailEntry(**fields, hash=entry_hash(fields))
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def describe(entry: dict[str, Any]) -> str:
    what = f"{entry['entity']} {entry['entity_id']}" if entry.get("entity_id") else entry["entity"]
    return f"trail entry #{entry['seq']} ({entry['at']} {entry['actor']} {entry['action']} {what})"


@dataclass
class ChainCheck:
    """Walks entries in order and says what does not match; usable on the database or on an export."""

    whole_log: bool = True  # False for one audit's entries (an archive): only audit links are checked
    expected_seq: int = 1
    prev: str = GENESIS
    last_seq: int = 0

    def __post_init__(self) -> None:
        self.audit_last: dict[int, str] = {}
        self.problems: list[str] = []

    def feed(self, entry: dict[str, Any]) -> None:
        name = describe(entry)
        if entry_hash(entry) != entry["hash"]:
            self.problems.append(f"{name}: its content does not match its hash (edited)")
        if self.whole_log:
            if entry["seq"] != self.expected_seq:
                self.problems.append(
                    f"{name}: expected entry #{self.expected_seq} here (entries deleted or re-ordered)"
                )
            elif entry["prev_hash"] != self.prev:
                self.problems.append(f"{name}: does not follow the entry before it (deleted/inserted/moved)")
        elif entry["seq"] <= self.last_seq:
            self.problems.append(f"{name}: out of order")
        audit_id = entry["audit_id"]
        if audit_id is not None:
            expected = self.audit_last.get(audit_id, GENESIS)
            if entry["audit_prev_hash"] != expected and (self.whole_log or audit_id in self.audit_last):
                self.problems.append(f"{name}: it does not follow audit {audit_id}'s previous entry")
            self.audit_last[audit_id] = entry["hash"]
        self.expected_seq = entry["seq"] + 1
        self.prev = entry["hash"]
        self.last_seq = entry["seq"]


def iter_entries(session: Session, audit_id: int | None = None) -> Iterator[dict[str, Any]]:
    query = select(TrailEntry).order_by(TrailEntry.seq)
    if audit_id is not None:
        query = query.where(TrailEntry.audit_id == audit_id)
    for entry in session.scalars(query.execution_options(yield_per=2000)):
        yield entry_fields(entry)


def verify_chain(session: Session) -> list[str]:
    """Every problem in the log, the first mismatch first; empty when the chain is intact."""
    check = ChainCheck()
    for entry in iter_entries(session):
        check.feed(entry)
    head = session.get(ChainHead, HEAD_ID)
    if head is not None and (head.seq, head.hash) != (check.last_seq, check.prev):
        check.problems.append(
            f"the trail ends at entry #{check.last_seq} but its head records entry #{head.seq}: "
            "the last entries were deleted or the head was altered"
        )
    return check.problems


def last_states(session: Session) -> dict[tuple[str, str], str | None]:
    """(entity, entity_id) -> its latest recorded `after` (canonical JSON; None once deleted)."""
    out: dict[tuple[str, str], str | None] = {}
    rows = session.execute(
        select(TrailEntry.entity, TrailEntry.entity_id, TrailEntry.after)
        .where(TrailEntry.entity_id.is_not(None))
        .order_by(TrailEntry.seq)
        .execution_options(yield_per=5000)
    )
    for entity, ident, after in rows:
        out[(entity, ident or "")] = after
    return out
