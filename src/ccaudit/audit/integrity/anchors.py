"""Trail anchors: the trail's head (sequence number and hash), the database it belongs to, when and by
whom, signed with that user's Ed25519 key and written as a small JSON file to a directory kept apart
from the database (CCAUDIT_ANCHOR_DIR).

Someone with full rights on the database can rewind the trail (undo entries with their own "before"
records, delete them, move the head back) and leave a chain that is whole again; what they cannot do
is take back an anchor they cannot reach. `verify --anchors DIR` finds every anchored head that the
trail no longer contains. The database's identity is the hash of its first trail entry, so anchors
of several databases may share one directory (each under a folder of its own)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, SigningError
from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.integrity.signing import fingerprint, load_public_key, public_pem
from ccaudit.audit.integrity.state import iso
from ccaudit.audit.integrity.trusted import TrustedKeys, pin
from ccaudit.audit.integrity.verify import VerifyReport
from ccaudit.audit.people.keys import key_at
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.storage.models import Audit, ChainHead, TrailEntry

FORMAT = "ccaudit-trail-anchor"
SIGNED_PREFIX = b"ccaudit-trail-anchor-v1:"  # what the key signs is never mistaken for an audit digest


class Anchor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["ccaudit-trail-anchor"] = "ccaudit-trail-anchor"
    version: Literal[1] = 1
    database: str  # hash of the database's first trail entry
    seq: int
    hash: str
    at: str  # UTC, when the anchor was made
    by: str  # the user whose key signed it
    reason: str
    audit_id: int | None = None  # the audit whose sign-off this anchors, if any
    fingerprint: str
    public_key: str
    signature: str = ""

    def message(self) -> bytes:
        return SIGNED_PREFIX + canonical(self.model_dump(mode="json", exclude={"signature"})).encode("utf-8")

    def signed_with(self, key: Ed25519PrivateKey) -> Anchor:
        return self.model_copy(update={"signature": base64.b64encode(key.sign(self.message())).decode("ascii")})

    def signature_ok(self) -> bool:
        try:
            key = load_public_key(self.public_key)
            if fingerprint(key) != self.fingerprint:
                return False
            key.verify(base64.b64decode(self.signature, validate=True), self.message())
        except (InvalidSignature, ValueError, SigningError):
            return False
        return True

    def describe(self) -> str:
        return f"trail entry #{self.seq} ({self.hash[:12]}…) anchored by {self.by} at {self.at}"

    def to_bytes(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    def file_name(self) -> str:
        """Entry, time, signer and a digest of the content: two different anchors of one entry by one
        user within the same second (a sign-off, then `audit anchor`) get two names, never a clash;
        the same anchor written twice gets the same name."""
        stamp = self.at.replace("-", "").replace(":", "")
        content = hashlib.sha256(self.to_bytes()).hexdigest()[:8]
        return f"{self.seq:012d}-{self.hash[:12]}-{stamp}-{self.by}-{content}.json"


def parse(data: bytes) -> Anchor:
    """An anchor file's content; ValueError (with the reason) when it is not one."""
    try:
        return Anchor.model_validate_json(data)
    except ValidationError as exc:
        raise ValueError(str(exc).splitlines()[0] if exc.errors() else "not an anchor") from None


def database_identity(s: Session) -> str | None:
    return s.scalar(select(TrailEntry.hash).where(TrailEntry.seq == 1))


def signoff_entry(s: Session, audit_id: int) -> tuple[int, str] | None:
    """The trail entry that recorded the audit's (last) sign-off."""
    row = s.execute(
        select(TrailEntry.seq, TrailEntry.hash)
        .where(TrailEntry.audit_id == audit_id, TrailEntry.action == "audit.signoff")
        .order_by(TrailEntry.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def make(
    s: Session,
    key: Ed25519PrivateKey,
    by: str,
    at: dt.datetime,
    reason: str,
    entry: tuple[int, str] | None = None,
    audit_id: int | None = None,
) -> Anchor:
    """An anchor of `entry`, or of the trail's head, signed with `key`."""
    identity = database_identity(s)
    if entry is None:
        head = s.get(ChainHead, 1)
        entry = (head.seq, head.hash) if head is not None and head.seq else None
    if identity is None or entry is None:
        raise AuditError("the trail is empty: there is nothing to anchor yet")
    pub = key.public_key()
    anchor = Anchor(
        database=identity,
        seq=entry[0],
        hash=entry[1],
        at=iso(at) or "",
        by=by,
        reason=reason,
        audit_id=audit_id,
        fingerprint=fingerprint(pub),
        public_key=public_pem(pub),
    )
    return anchor.signed_with(key)


def prepare(directory: Path) -> Path:
    """Create the anchor directory if needed; refuse (before anything is signed) if it cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AuditError(
            f"cannot create the anchor directory {directory} (CCAUDIT_ANCHOR_DIR): {exc.strerror}"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise AuditError(f"the anchor directory {directory} (CCAUDIT_ANCHOR_DIR) is not writable")
    return directory


def write(directory: Path, anchor: Anchor) -> Path:
    """A new read-only file under DIR/<database>/; never replaces one (write-once storage allows this)."""
    folder = directory / anchor.database[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / anchor.file_name()
    data = anchor.to_bytes()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        if path.read_bytes() == data:
            return path
        raise AuditError(f"{path} exists with other content; not replacing an anchor") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return path


def check_database(s: Session, directory: Path, trusted: TrustedKeys | None, report: VerifyReport) -> None:
    """Every anchor of this database in `directory` must name an entry the trail still holds, unchanged,
    and be signed by its signer's registered key at the time; every signed audit's sign-off must be
    anchored (see _signoffs)."""
    if not directory.is_dir():
        raise AuditError(f"{directory}: no such anchor directory")
    identity = database_identity(s)
    matched = others = 0
    held: set[tuple[int, str]] = set()  # anchored entries the trail still holds unchanged
    signers: dict[str, str] = {}
    for path in sorted(directory.rglob("*.json")):
        name = f"anchor {path.relative_to(directory)}"
        try:
            anchor = parse(path.read_bytes())
        except (OSError, ValueError) as exc:
            report.problems.append(f"{name}: unreadable ({getattr(exc, 'strerror', None) or exc})")
            continue
        if not anchor.signature_ok():
            report.problems.append(f"{name}: its signature does not verify (the anchor was altered)")
            continue
        if anchor.database != identity:
            others += 1
            continue
        matched += 1
        signers.setdefault(anchor.fingerprint, f"anchors signed by {anchor.by}")
        # A fresh key signs "as bob" as easily as bob's own: only the key history says whose it was.
        when = _instant(anchor.at)
        if when is None or key_at(s, anchor.by, anchor.fingerprint, when) is None:
            report.problems.append(
                f"{name}: signed by key {anchor.fingerprint}, which was not {anchor.by}'s registered signing key "
                f"at {anchor.at} (a forged anchor, or one signed with a replaced or revoked key)"
            )
            continue
        entry = s.get(TrailEntry, anchor.seq)
        if entry is None:
            report.problems.append(
                f"{name}: the trail no longer contains {anchor.describe()}: entry #{anchor.seq} is gone "
                "(the trail was rewound)"
            )
        elif entry.hash != anchor.hash:
            report.problems.append(
                f"{name}: the trail no longer contains {anchor.describe()}: entry #{anchor.seq} now has "
                f"another hash ({entry.hash[:12]}…; the trail was rewritten from there)"
            )
        else:
            held.add((anchor.seq, anchor.hash))
    if others and not matched:
        report.problems.append(
            f"none of the {others} anchor(s) in {directory} belong to this database (its first trail entry is "
            f"{(identity or 'missing')[:12]}…): the trail was rewritten from its start, or this is another "
            "database's anchor directory"
        )
    elif not matched:
        report.warnings.append(f"no anchors in {directory}: nothing outside the database vouches for the trail")
    _signoffs(s, directory, held, matched > 0, report)
    for key_fingerprint, who in signers.items():
        pin(report, who, key_fingerprint, trusted)
    report.checked["anchors"] = matched


def unanchored_signoffs(s: Session, held: set[tuple[int, str]]) -> list[tuple[Audit, tuple[int, str]]]:
    """Signed audits whose sign-off entry is not among the `held` anchored entries, with that entry."""
    missing = []
    for audit in s.scalars(select(Audit).where(Audit.status == AuditStatus.SIGNED.value).order_by(Audit.id)):
        entry = signoff_entry(s, audit.id)
        if entry is not None and entry not in held:
            missing.append((audit, entry))
    return missing


def _signoffs(s: Session, directory: Path, held: set[tuple[int, str]], dir_in_use: bool, report: VerifyReport) -> None:
    """A sign-off killed after its commit but before its anchor was written (or whose anchor was removed)
    is not anchored. A later anchored entry still vouches for it through the hash chain: a warning. With
    none, nothing outside the database vouches for the sign-off: when `directory` holds this database's
    other anchors (it is where sign-offs anchor), verify fails, since an inspector must not read exit 0
    as "every sign-off is anchored"; when it holds none, it is not this database's anchor directory and
    the "no anchors" warning already says so."""
    latest = max((seq for seq, _ in held), default=0)
    for audit, (seq, _) in unanchored_signoffs(s, held):
        name = f"audit {audit.id} ({audit.firm_id} {audit.year})"
        fix = f"`CCAUDIT_USER={audit.reviewer} ccaudit audit anchor` writes it (and its archive then carries it)"
        if latest > seq:
            report.warnings.append(
                f"{name}: its sign-off (trail entry #{seq}) has no anchor of its own in {directory}; the anchor of "
                f"entry #{latest} vouches for it through the trail's chain. {fix}"
            )
        elif dir_in_use:
            report.problems.append(
                f"{name}: its sign-off (trail entry #{seq}, by {audit.reviewer}) has no anchor in {directory}, "
                "which holds this database's other anchors: the sign-off was interrupted before its anchor was "
                "written, or the anchor was removed, and nothing outside the database vouches for it. If the "
                f"sign-off is genuine, {fix}"
            )
        else:
            report.warnings.append(
                f"{name}: its sign-off (trail entry #{seq}) has no anchor in {directory}; {fix}"
            )


def _instant(at: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
