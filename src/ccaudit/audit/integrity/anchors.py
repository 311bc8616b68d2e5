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
from ccaudit.audit.storage.models import ChainHead, TrailEntry

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
        stamp = self.at.replace("-", "").replace(":", "")
        return f"{self.seq:012d}-{self.hash[:12]}-{stamp}-{self.by}.json"


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
    """Every anchor of this database in `directory` must name an entry the trail still holds, unchanged."""
    if not directory.is_dir():
        raise AuditError(f"{directory}: no such anchor directory")
    identity = database_identity(s)
    matched = others = 0
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
    if others and not matched:
        report.problems.append(
            f"none of the {others} anchor(s) in {directory} belong to this database (its first trail entry is "
            f"{(identity or 'missing')[:12]}…): the trail was rewritten from its start, or this is another "
            "database's anchor directory"
        )
    elif not matched:
        report.warnings.append(f"no anchors in {directory}: nothing outside the database vouches for the trail")
    for key_fingerprint, who in signers.items():
        pin(report, who, key_fingerprint, trusted)
    report.checked["anchors"] = matched
