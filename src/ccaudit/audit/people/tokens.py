"""API tokens for automation (a firm's pipeline uploading logs nightly).

A token acts as its user, with that user's roles and never more; it may be narrowed to one firm and/or
to reading only, and it ends at its expiry or when revoked. Only the SHA-256 of a token is stored (the
token itself is shown once, when it is made), and the trail holds only a hash of that hash. Creating
and revoking a token are written to the trail; its last use is kept on the row but is not part of
what the trail vouches for (it changes on every call)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, NotFoundError, PermissionDeniedError, WorkflowError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import get_user
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import ApiToken, Firm, User

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

PREFIX = "cca_"  # recognisable in logs and by secret scanners
SECRET_BYTES = 32
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token
MAX_NAME = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token or its hash."""

    id: int
    user_id: str
    name: str
    firm_id: str | None  # None: every firm the user holds a role in
    read_only: bool
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def state_on(self, now: dt.datetime) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class TokenGrant:
    """An authenticated token: who it acts as and how it is narrowed."""

    token_id: int
    user_id: str
    firm_id: str | None
    read_only: bool


def _info(t: ApiToken) -> TokenInfo:
    return TokenInfo(
        t.id, t.user_id, t.name, t.firm_id, t.read_only, t.created_by, t.created_at, t.expires_at,
        t.revoked_at, t.last_used_at,
    )  # fmt: skip


class ApiTokens:
    """Create, list, revoke and authenticate API tokens; creation and revocation are in the trail."""

    def __init__(self, db: Database, clock: Clock, recorder: Recorder) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder

    def create(
        self,
        actor: str | None,
        name: str,
        *,
        user_id: str | None = None,
        firm_id: str | None = None,
        read_only: bool = False,
        expires_at: dt.datetime | None = None,
    ) -> tuple[str, TokenInfo]:
        """A new token for the acting user (a superuser may name another user). Returns the token, to be
        shown once, and what is stored about it."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise AuditError(
                f"a token needs a name of 1 to {MAX_NAME} characters (what uses it, e.g. 'nightly VPN upload')"
            )
        now = self.clock()
        if expires_at is not None:
            if expires_at.tzinfo is None:
                raise AuditError("a token's expiry needs a time zone (e.g. 2027-03-31T00:00:00+08:00)")
            if expires_at <= now:
                raise AuditError(f"a token's expiry must lie in the future, not {expires_at.isoformat()}")
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            owner = acting if user_id in (None, acting.id) else self._other(s, acting, user_id or "", "make tokens")
            if firm_id is not None and s.get(Firm, firm_id) is None:
                raise NotFoundError(f"unknown firm {firm_id!r}")
            token = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
            row = ApiToken(
                user_id=owner.id, name=name, token_hash=token_hash(token), firm_id=firm_id, read_only=read_only,
                created_by=acting.id, created_at=now, expires_at=expires_at,
            )  # fmt: skip
            s.add(row)
            self.recorder.log(s, acting.id, "token.create", row, None, firm_id)
            return token, _info(row)

    def list_tokens(self, actor: str | None, every_user: bool = False) -> list[TokenInfo]:
        """The acting user's tokens (a superuser: everyone's with `every_user`), newest first."""
        with self.db.read() as s:
            acting = get_user(s, actor)
            query = select(ApiToken).order_by(ApiToken.id.desc())
            if every_user:
                if not acting.is_superuser:
                    raise PermissionDeniedError(f"{acting.id} may not list other users' tokens: only a superuser may")
            else:
                query = query.where(ApiToken.user_id == acting.id)
            return [_info(t) for t in s.scalars(query)]

    def revoke(self, actor: str | None, token_id: int) -> TokenInfo:
        """End a token now: its owner or a superuser."""
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            row = s.get(ApiToken, token_id, with_for_update=True)
            if row is None or (row.user_id != acting.id and not acting.is_superuser):
                raise NotFoundError(f"no token {token_id} of yours")  # another's token is not even named
            if row.revoked_at is not None:
                raise WorkflowError(f"token {token_id} was already revoked on {row.revoked_at.isoformat()}")
            before = state(s, row)
            row.revoked_at = self.clock()
            self.recorder.log(s, acting.id, "token.revoke", row, before, row.firm_id)
            return _info(row)

    def authenticate(self, presented: str) -> TokenGrant | None:
        """The grant of a presented token, or None when it is unknown, expired, revoked or its user gone."""
        if not presented.startswith(PREFIX) or len(presented) > 200:
            return None
        digest = token_hash(presented)
        now = self.clock()
        with self.db.read() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
                return None
            if s.get(User, row.user_id) is None:
                return None
            grant = TokenGrant(row.id, row.user_id, row.firm_id, row.read_only)
            stale = row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY
        if stale:
            with self.db.transaction() as s:
                fresh = s.get(ApiToken, grant.token_id)
                if fresh is not None:
                    fresh.last_used_at = now
        return grant

    @staticmethod
    def _other(s: Session, acting: User, user_id: str, action: str) -> User:
        if not acting.is_superuser:
            raise PermissionDeniedError(f"{acting.id} may not {action} for another user: only a superuser may")
        return get_user(s, user_id)
