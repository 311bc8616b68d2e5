"""Review and sign-off. The preparer submits; a different person with the reviewer role signs off
with their registered Ed25519 key. Sign-off freezes the audit and stores the digest over its snapshot
and the reviewer's signature of that digest, all in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, ConflictError, SigningError, WorkflowError
from ccaudit.audit.integrity.digest import audit_digest
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.signing import fingerprint, public_pem, sign_digest, verify_digest
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import PREPARE, REVIEW, get_user, require
from ccaudit.audit.people.keys import registered_key
from ccaudit.audit.snapshot import AuditStatus
from ccaudit.audit.storage.assemble import build_snapshot
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Assessment, Audit, RemediationItem, Run, TrailEntry, User, UserKey
from ccaudit.audit.workflow.derive import GAPS
from ccaudit.audit.workflow.guard import load_audit, open_for_work, writable
from ccaudit.audit.workflow.readiness import require_independent, require_settled
from ccaudit.audit.workflow.refresh import final_result

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

SIGNOFF_REQUEST_VALID = dt.timedelta(hours=24)  # a digest prepared for signing elsewhere, until it is refused


@dataclass(frozen=True)
class SignoffRequest:
    """A sign-off prepared for signing on the reviewer's own machine: the digest the audit will have,
    signed off by `reviewer` at `signed_at`, as long as nothing in it changes first."""

    audit_id: int
    reviewer: str
    signed_at: dt.datetime
    trail_head: str | None
    digest: str
    key_fingerprint: str  # the reviewer's registered key, which must make the signature


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Review:
    """Submit, return to draft, sign off: the audit's status changes, each logged."""

    def __init__(self, db: Database, clock: Clock, recorder: Recorder) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder

    def submit(self, actor: str | None, audit_id: int) -> None:
        """Hand the audit to review: needs a run, every requirement settled (readiness.py), and an
        owner and due date on every gap's remediation."""
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "submit audits")
            if not s.scalar(select(func.count()).select_from(Run).where(Run.audit_id == audit.id)):
                raise WorkflowError(f"audit {audit.id} has no inspection run: attach one before submitting")
            require_settled(s, audit, "submitted")
            missing = []
            for a in s.scalars(select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)):
                if final_result(a) not in {g.value for g in GAPS}:
                    continue
                items = s.scalars(
                    select(RemediationItem).where(
                        RemediationItem.audit_id == audit.id,
                        RemediationItem.requirement_id == a.requirement_id,
                    )
                ).all()
                if not any(i.owner and i.due_date for i in items):
                    missing.append(a.requirement_id)
            if missing:
                raise WorkflowError(
                    "every non_compliant or observation result needs a remediation item with an owner and a "
                    f"due date; missing for: {', '.join(missing)} (see `ccaudit audit remediation`)"
                )
            before = state(s, audit)
            audit.status = AuditStatus.SUBMITTED.value
            audit.preparer, audit.submitted_at, audit.review_note = user.id, self.clock(), None
            self.recorder.log_audit(s, user.id, "audit.submit", audit, before, audit)

    def return_to_draft(self, actor: str | None, audit_id: int, note: str) -> None:
        """The reviewer (or the preparer) takes a submitted audit back to draft, saying why."""
        if not note.strip():
            raise AuditError("say why the audit goes back to draft (a note for the preparer)")
        with self.db.transaction() as s:
            user = get_user(s, actor)
            audit = load_audit(s, audit_id, lock=True)
            if user.id != audit.preparer:
                require(s, user, audit.firm_id, REVIEW, "return audits to draft")
            writable(audit, by_reviewer=True)
            if audit.status != AuditStatus.SUBMITTED:
                raise WorkflowError(f"audit {audit.id} is {audit.status}, not submitted")
            before = state(s, audit)
            audit.status, audit.review_note = AuditStatus.DRAFT.value, note.strip()
            self.recorder.log_audit(s, user.id, "audit.return", audit, before, audit)

    def signoff(self, actor: str | None, audit_id: int, key: Ed25519PrivateKey) -> str:
        """Freeze the audit; store and return the digest of its snapshot, and store the signature."""
        with self.db.transaction() as s:
            user, audit, registered = self._ready_to_sign(s, actor, audit_id)
            given = fingerprint(key.public_key())
            if given != registered.fingerprint:
                raise SigningError(
                    f"this private key (fingerprint {given}) is not {user.id}'s registered key "
                    f"({registered.fingerprint}); sign with that key (--key or CCAUDIT_KEY_PATH)"
                )
            before = state(s, audit)
            digest = self._freeze(s, audit, user.id, self.clock())
            audit.digest, audit.signature = digest, sign_digest(key, digest)
            audit.key_fingerprint, audit.public_key_pem = given, public_pem(key.public_key())
            self.recorder.log_audit(s, user.id, "audit.signoff", audit, before, audit)
            return digest

    def prepare_signoff(self, actor: str | None, audit_id: int) -> SignoffRequest:
        """What a reviewer signs on their own machine: the digest the audit will have once signed off by
        them now. Nothing changes; `signoff_signed` commits it with the signature, if the audit is unchanged."""
        with self.db.read() as s:
            user, audit, registered = self._ready_to_sign(s, actor, audit_id, lock=False)
            signed_at = self.clock()
            with s.no_autoflush:  # the read is rolled back: these values are never written here
                digest = self._freeze(s, audit, user.id, signed_at, flush=False)
            return SignoffRequest(audit.id, user.id, signed_at, audit.trail_head, digest, registered.fingerprint)

    def check_signoff(self, actor: str | None, audit_id: int) -> None:
        """Raise unless the actor may sign the audit off now (before a key or a second factor is asked for)."""
        with self.db.read() as s:
            self._ready_to_sign(s, actor, audit_id, lock=False)

    def signoff_signed(
        self, actor: str | None, audit_id: int, signed_at: dt.datetime, digest: str, signature: str
    ) -> str:
        """Sign off with a signature of `digest` made elsewhere (`ccaudit audit sign-digest`): the digest is
        computed again as `signoff` computes it, with `signed_at` from the request, and must be the one
        signed; the signature must verify with the reviewer's registered key."""
        now = self.clock()
        signed_at = signed_at.astimezone(dt.UTC) if signed_at.tzinfo else signed_at.replace(tzinfo=dt.UTC)
        if signed_at > now or now - signed_at > SIGNOFF_REQUEST_VALID:
            raise WorkflowError(
                f"this sign-off request was prepared at {signed_at:%Y-%m-%d %H:%M} UTC and is no longer valid "
                f"(requests are valid for {SIGNOFF_REQUEST_VALID.total_seconds() / 3600:.0f} hours): prepare the "
                "sign-off again and sign the new digest"
            )
        with self.db.transaction() as s:
            user, audit, registered = self._ready_to_sign(s, actor, audit_id)
            if audit.submitted_at is not None and signed_at < _utc(audit.submitted_at):
                raise WorkflowError(
                    f"audit {audit.id} was submitted again after this sign-off request was prepared: prepare the "
                    "sign-off again and sign the new digest"
                )
            before = state(s, audit)
            now_digest = self._freeze(s, audit, user.id, signed_at)
            if now_digest != digest.strip().lower():
                raise ConflictError(
                    f"audit {audit.id} changed since the digest {digest.strip()[:16]}… was prepared (it is now "
                    f"{now_digest[:16]}…): prepare the sign-off again and sign the new digest"
                )
            if not verify_digest(registered.public_key_pem, now_digest, signature.strip()):
                raise SigningError(
                    f"the signature does not verify with {user.id}'s registered key ({registered.fingerprint}) "
                    f"over digest {now_digest}: sign exactly that digest with that key "
                    "(`ccaudit audit sign-digest`)"
                )
            audit.digest, audit.signature = now_digest, signature.strip()
            audit.key_fingerprint, audit.public_key_pem = registered.fingerprint, registered.public_key_pem
            self.recorder.log_audit(s, user.id, "audit.signoff", audit, before, audit)
            return now_digest

    def _ready_to_sign(
        self, s: Session, actor: str | None, audit_id: int, lock: bool = True
    ) -> tuple[User, Audit, UserKey]:
        """Every rule of sign-off before any key is used: role, status, independence, settled, a key."""
        user = get_user(s, actor)
        audit = load_audit(s, audit_id, lock=lock)
        require(s, user, audit.firm_id, REVIEW, "sign off audits")
        writable(audit, by_reviewer=True)
        if audit.status != AuditStatus.SUBMITTED:
            raise WorkflowError(f"audit {audit.id} is {audit.status}: the preparer submits it first")
        if user.id == audit.preparer:
            raise WorkflowError(
                f"{user.id} prepared audit {audit.id} and may not sign it off: a different reviewer must"
            )
        require_independent(s, audit, user)
        require_settled(s, audit, "signed off")
        registered = registered_key(s, user.id)
        if registered is None:
            raise SigningError(
                f"{user.id} has no registered signing key: run `CCAUDIT_USER={user.id} ccaudit user key` to "
                f"create and register one (after a revoke, a firm admin registers it: "
                f"`ccaudit user key {user.id} --public-key FILE`)"
            )
        return user, audit, registered

    def _freeze(self, s: Session, audit: Audit, reviewer: str, signed_at: dt.datetime, flush: bool = True) -> str:
        """Mark the audit signed by `reviewer` at `signed_at` and return the digest of its snapshot."""
        last = select(TrailEntry.hash).where(TrailEntry.audit_id == audit.id).order_by(TrailEntry.seq.desc())
        audit.trail_head = s.scalar(last.limit(1))
        audit.status = AuditStatus.SIGNED.value
        audit.reviewer, audit.signed_at = reviewer, signed_at
        if flush:
            s.flush()
        return audit_digest(build_snapshot(s, audit))

    def require_preparer(self, actor: str | None, audit_id: int) -> None:
        """Raise unless the actor may prepare this audit (for callers that check before long work)."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, PREPARE, "prepare audits")
