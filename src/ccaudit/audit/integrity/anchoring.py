"""Anchoring use cases: write the trail's head, signed by the acting user, to the anchor directory
(on sign-off and on demand), find an audit's sign-off anchor for its archive, and check a directory
of anchors against the database. The anchor format and checks are in anchors.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, PermissionDeniedError, SigningError
from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.signing import fingerprint
from ccaudit.audit.integrity.state import iso
from ccaudit.audit.people.access import get_user
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Audit, User

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock


def require_own_key(user: User, key: Ed25519PrivateKey, what: str) -> None:
    """The private key must be the acting user's registered key: a signature names who made it."""
    given = fingerprint(key.public_key())
    if not user.key_fingerprint:
        raise SigningError(f"{user.id} has no registered signing key to {what} with: run `ccaudit user key` first")
    if given != user.key_fingerprint:
        raise SigningError(
            f"this private key (fingerprint {given}) is not {user.id}'s registered key "
            f"({user.key_fingerprint}): {what} needs your own key (CCAUDIT_KEY_PATH or --key)"
        )


@dataclass(frozen=True)
class Anchored:
    """What `ccaudit audit anchor` wrote: the trail's head, the acting reviewer's sign-offs that had no
    anchor (a sign-off killed between its commit and its anchor), and other reviewers' such sign-offs."""

    head: anchors.Anchor
    path: Path
    signoffs: list[tuple[int, Path]] = field(default_factory=list)  # (audit ID, anchor file)
    others: list[tuple[int, str]] = field(default_factory=list)  # (audit ID, reviewer) left to their reviewer


class Anchoring:
    def __init__(self, db: Database, clock: Clock, directory: Path) -> None:
        self.db = db
        self.clock = clock
        self.directory = directory

    def prepare(self) -> None:
        """Refuse early (nothing signed yet) when the anchor directory cannot be written."""
        anchors.prepare(self.directory)

    def anchor_head(self, actor: str | None, key: Ed25519PrivateKey) -> Anchored:
        """`ccaudit audit anchor`: the trail's current head, signed by the acting user, and the anchor of
        each of their sign-offs that has none (so its archive carries one)."""
        anchors.prepare(self.directory)
        written: list[tuple[int, Path]] = []
        others: list[tuple[int, str]] = []
        with self.db.read() as s:
            user = get_user(s, actor)
            require_own_key(user, key, "anchor the trail")
            held = {(a.seq, a.hash) for a in self._anchors_of(s)}
            late = []
            for audit, entry in anchors.unanchored_signoffs(s, held):
                if audit.reviewer == user.id:
                    reason = f"sign-off of audit {audit.id} (anchored after the sign-off)"
                    late.append(anchors.make(s, key, user.id, self.clock(), reason, entry, audit.id))
                else:
                    others.append((audit.id, audit.reviewer or ""))
            head = anchors.make(s, key, user.id, self.clock(), "on demand")
        for anchor in late:
            assert anchor.audit_id is not None
            written.append((anchor.audit_id, self._write(anchor)))
        return Anchored(head, self._write(head), written, others)

    def _anchors_of(self, s: Session) -> list[anchors.Anchor]:
        """This database's anchors in the anchor directory whose signature holds."""
        folder = self.directory / (anchors.database_identity(s) or "")[:16]
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                anchor = anchors.parse(path.read_bytes())
            except (OSError, ValueError):
                continue
            if anchor.signature_ok():
                found.append(anchor)
        return found

    def anchor_signoff(self, actor: str, audit_id: int, key: Ed25519PrivateKey) -> Path:
        """After a sign-off committed: anchor the trail entry that recorded it, with the reviewer's key."""
        with self.db.read() as s:
            entry = anchors.signoff_entry(s, audit_id)
            anchor = anchors.make(s, key, actor, self.clock(), f"sign-off of audit {audit_id}", entry, audit_id)
        try:
            return self._write(anchor)
        except (OSError, AuditError) as exc:
            raise AuditError(
                f"audit {audit_id} is signed off, but its trail anchor could not be written to {self.directory}: "
                f"{getattr(exc, 'strerror', None) or exc}; run `ccaudit audit anchor` once it can be"
            ) from None

    def signoff_anchor_request(self, actor: str | None, audit_id: int, at: dt.datetime | None = None) -> anchors.Anchor:
        """The anchor of the audit's sign-off entry, unsigned, for its reviewer to sign on their own machine
        (`ccaudit audit sign-digest --anchor`): the same anchor `anchor_signoff` writes after a sign-off
        made with a key the server holds."""
        with self.db.read() as s:
            user = get_user(s, actor)
            audit = s.get(Audit, audit_id)
            if audit is None or audit.status != AuditStatus.SIGNED:
                raise AuditError(f"audit {audit_id} is not signed off: there is no sign-off to anchor")
            if audit.reviewer != user.id:
                raise PermissionDeniedError(
                    f"{user.id} did not sign off audit {audit_id}: only its reviewer ({audit.reviewer}) anchors it"
                )
            entry = anchors.signoff_entry(s, audit_id)
            identity = anchors.database_identity(s)
            if entry is None or identity is None or not audit.public_key_pem or not audit.key_fingerprint:
                raise AuditError(f"audit {audit_id} has no sign-off entry in the trail to anchor")
            return anchors.Anchor(
                database=identity, seq=entry[0], hash=entry[1], at=iso(at or self.clock()) or "", by=user.id,
                reason=f"sign-off of audit {audit_id}", audit_id=audit_id, fingerprint=audit.key_fingerprint,
                public_key=audit.public_key_pem,
            )

    def anchor_signoff_signed(self, actor: str | None, audit_id: int, at: dt.datetime, signature: str) -> Path:
        """Write the sign-off's anchor (made at `at` by `signoff_anchor_request`) with the reviewer's signature
        made elsewhere; refused unless the signature verifies with the key that signed the audit off."""
        anchors.prepare(self.directory)
        now = self.clock()
        if at > now:
            raise AuditError("the anchor request is dated in the future: prepare it again")
        anchor = self.signoff_anchor_request(actor, audit_id, at).model_copy(update={"signature": signature.strip()})
        if not anchor.signature_ok():
            raise SigningError(
                f"the signature does not verify over the anchor of audit {audit_id}'s sign-off with key "
                f"{anchor.fingerprint}: sign that anchor request with the key you signed off with"
            )
        return self._write(anchor)

    def signoff_anchors(self, s: Session, audit_id: int, key_fingerprint: str | None) -> dict[str, bytes]:
        """The anchor files of the audit's sign-off entry made with the reviewer's key (for its archive)."""
        entry = anchors.signoff_entry(s, audit_id)
        identity = anchors.database_identity(s)
        folder = self.directory / (identity or "")[:16]
        found: dict[str, bytes] = {}
        if entry is None or not folder.is_dir():
            return found
        for path in sorted(folder.glob(f"{entry[0]:012d}-*.json")):
            try:
                data = path.read_bytes()
                anchor = anchors.parse(data)
            except (OSError, ValueError):
                continue
            if (anchor.seq, anchor.hash) == entry and anchor.fingerprint == key_fingerprint:
                found[path.name] = data
        return found

    def _write(self, anchor: anchors.Anchor) -> Path:
        return anchors.write(self.directory, anchor)
