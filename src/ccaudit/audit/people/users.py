"""Firms, users and their roles per firm; passwords (argon2). Signing keys: see keys.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, NotFoundError, PermissionDeniedError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import MANAGE, Role, get_user, parse_role, require, roles_of
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Firm, InspectorGrant, User, UserRole, WebMfa, WebSession

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

_hasher = PasswordHasher()
# Verified against when the user is unknown or has no password, so the answer takes as long either way.
_NO_USER_HASH = _hasher.hash("ccaudit: no such user")


@dataclass(frozen=True)
class UserInfo:
    id: str
    name: str
    is_superuser: bool
    has_password: bool
    key_fingerprint: str | None
    roles: dict[str, list[str]]  # firm -> roles


@dataclass(frozen=True)
class InspectorGrantInfo:
    id: int
    user_id: str
    firm_id: str
    granted_by: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    live: bool


def _id(value: str, what: str) -> str:
    value = value.strip()
    if not value or any(c.isspace() for c in value) or "/" in value:
        raise AuditError(f"{what} ID {value!r} must be non-empty, without spaces or '/'")
    return value


class Users:
    """Firms, users, roles, passwords and keys; every change logged by the acting user."""

    def __init__(self, db: Database, clock: Clock, recorder: Recorder) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder

    def add_user(self, actor: str | None, user_id: str, name: str, password: str | None = None) -> UserInfo:
        """Add a user. The very first user may add themselves and becomes the superuser."""
        user_id = _id(user_id, "user")
        with self.db.transaction() as s:
            first = not s.scalar(select(func.count()).select_from(User))
            if first:
                if actor not in (None, user_id):
                    raise PermissionDeniedError(f"the first user must be the acting user ({actor}); add {actor} first")
                acting = user_id
            else:
                acting_user = get_user(s, actor)
                if not acting_user.is_superuser and not s.scalar(
                    select(func.count())
                    .select_from(UserRole)
                    .where(UserRole.user_id == acting_user.id, UserRole.role == Role.ADMIN)
                ):
                    raise PermissionDeniedError(f"{acting_user.id} may not add users: needs the admin role")
                acting = acting_user.id
            if s.get(User, user_id) is not None:
                raise AuditError(f"user {user_id} already exists")
            user = User(
                id=user_id,
                name=name,
                is_superuser=first,
                password_hash=_hasher.hash(password) if password else None,
                created_at=self.clock(),
            )
            s.add(user)
            self.recorder.log(s, acting, "user.add", user, None)
            return self._info(s, user)

    def set_password(self, actor: str | None, user_id: str, password: str) -> None:
        if len(password) < 8:
            raise AuditError("a password needs at least 8 characters")
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            user = get_user(s, user_id)
            if acting.id != user.id and not acting.is_superuser:
                raise PermissionDeniedError("only the user or a superuser may set a password")
            before = state(s, user)
            user.password_hash = _hasher.hash(password)
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))  # logged out everywhere
            self.recorder.log(s, acting.id, "user.password", user, before)

    def authenticate(self, user_id: str, password: str) -> bool:
        with self.db.read() as s:
            user = s.get(User, user_id)
            stored = user.password_hash if user is not None else None
            known = bool(stored)
            try:
                ok: bool = _hasher.verify(stored or _NO_USER_HASH, password)
            except (VerificationError, InvalidHashError):
                ok = False
            return ok and known

    def add_firm(self, actor: str | None, firm_id: str, name: str) -> None:
        firm_id = _id(firm_id, "firm")
        with self.db.transaction() as s:
            user = get_user(s, actor)
            if not user.is_superuser:
                raise PermissionDeniedError(f"{user.id} may not add firms: only a superuser may")
            if s.get(Firm, firm_id) is not None:
                raise AuditError(f"firm {firm_id} already exists")
            firm = Firm(id=firm_id, name=name, created_at=self.clock())
            s.add(firm)
            self.recorder.log(s, user.id, "firm.add", firm, None, firm_id)

    def grant(self, actor: str | None, user_id: str, firm_id: str, role: str) -> None:
        parsed = parse_role(role)
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            self._firm(s, firm_id)
            require(s, acting, firm_id, MANAGE, "grant roles")
            get_user(s, user_id)
            if s.get(UserRole, (user_id, firm_id, parsed.value)) is not None:
                return
            grant = UserRole(user_id=user_id, firm_id=firm_id, role=parsed.value)
            s.add(grant)
            self.recorder.log(s, acting.id, "role.grant", grant, None, firm_id)

    def revoke(self, actor: str | None, user_id: str, firm_id: str, role: str) -> None:
        parsed = parse_role(role)
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            require(s, acting, firm_id, MANAGE, "revoke roles")
            grant = s.get(UserRole, (user_id, firm_id, parsed.value))
            if grant is None:
                raise NotFoundError(f"{user_id} does not hold the {parsed.value} role for firm {firm_id}")
            before = state(s, grant)
            s.delete(grant)
            self.recorder.log(s, acting.id, "role.revoke", grant, before, firm_id, deleted=True)

    def grant_inspector(self, actor: str | None, user_id: str, firm_id: str, until: dt.datetime) -> int:
        """Read-only access to one firm for `user_id` until `until` (an admin of the firm grants it)."""
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            self._firm(s, firm_id)
            require(s, acting, firm_id, MANAGE, "grant inspector access")
            get_user(s, user_id)
            now = self.clock()
            if until <= now:
                raise AuditError(f"an inspector grant must end in the future, not {until:%Y-%m-%d %H:%M} UTC")
            grant = InspectorGrant(
                user_id=user_id, firm_id=firm_id, granted_by=acting.id, granted_at=now, expires_at=until
            )
            s.add(grant)
            self.recorder.log(s, acting.id, "inspector.grant", grant, None, firm_id)
            return grant.id

    def revoke_inspector(self, actor: str | None, user_id: str, firm_id: str) -> int:
        """End every live inspector grant of `user_id` for the firm now; returns how many ended."""
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            require(s, acting, firm_id, MANAGE, "revoke inspector access")
            now = self.clock()
            live = s.scalars(
                select(InspectorGrant).where(
                    InspectorGrant.user_id == user_id,
                    InspectorGrant.firm_id == firm_id,
                    InspectorGrant.revoked_at.is_(None),
                    InspectorGrant.expires_at > now,
                )
            ).all()
            if not live:
                raise NotFoundError(f"{user_id} has no live inspector grant for firm {firm_id}")
            for grant in live:
                before = state(s, grant)
                grant.revoked_at = now
                self.recorder.log(s, acting.id, "inspector.revoke", grant, before, firm_id)
            return len(live)

    def inspector_grants(self, actor: str | None, firm_id: str) -> list[InspectorGrantInfo]:
        """Every inspector grant of the firm, live or not, newest first (for the firm's admins)."""
        with self.db.read() as s:
            acting = get_user(s, actor)
            self._firm(s, firm_id)
            require(s, acting, firm_id, MANAGE, "see inspector grants")
            now = self.clock()
            rows = s.scalars(
                select(InspectorGrant).where(InspectorGrant.firm_id == firm_id).order_by(InspectorGrant.id.desc())
            )
            return [
                InspectorGrantInfo(
                    g.id, g.user_id, g.firm_id, g.granted_by, g.granted_at, g.expires_at, g.revoked_at,
                    g.revoked_at is None and g.expires_at > now,
                )
                for g in rows
            ]

    def inspector_firms(self, user_id: str) -> list[tuple[str, dt.datetime]]:
        """The firms the user may inspect now, with the end of each grant."""
        with self.db.read() as s:
            now = self.clock()
            rows = s.execute(
                select(InspectorGrant.firm_id, func.max(InspectorGrant.expires_at))
                .where(
                    InspectorGrant.user_id == user_id,
                    InspectorGrant.revoked_at.is_(None),
                    InspectorGrant.expires_at > now,
                )
                .group_by(InspectorGrant.firm_id)
                .order_by(InspectorGrant.firm_id)
            ).all()
            return [(firm, until) for firm, until in rows]

    def reset_mfa(self, actor: str | None, user_id: str) -> bool:
        """Forget a user's second factor (a lost phone) and end their web sessions; they enrol again at their
        next log-in. The superuser, or an admin of every firm the user holds a role in; in the trail."""
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            user = get_user(s, user_id)
            firms = sorted(set(s.scalars(select(UserRole.firm_id).where(UserRole.user_id == user.id))))
            if not acting.is_superuser and (
                not firms or any(Role.ADMIN not in roles_of(s, acting.id, f) for f in firms)
            ):
                raise PermissionDeniedError(
                    f"{acting.id} may not reset {user.id}'s second factor: needs the admin role in every firm "
                    f"{user.id} holds a role in, or the superuser"
                )
            row = s.get(WebMfa, user.id)
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            if row is None:
                return False
            s.delete(row)
            self.recorder.log(s, acting.id, "user.mfa_reset", user, state(s, user), firms[0] if firms else None)
            return True

    def list_users(self) -> list[UserInfo]:
        with self.db.read() as s:
            return [self._info(s, u) for u in s.scalars(select(User).order_by(User.id))]

    def list_firms(self) -> list[tuple[str, str]]:
        with self.db.read() as s:
            return [(f.id, f.name) for f in s.scalars(select(Firm).order_by(Firm.id))]

    def roles(self, user_id: str, firm_id: str) -> set[Role]:
        with self.db.read() as s:
            return roles_of(s, user_id, firm_id)

    def _firm(self, s: Session, firm_id: str) -> Firm:
        firm = s.get(Firm, firm_id)
        if firm is None:
            raise NotFoundError(f"unknown firm {firm_id!r}")
        return firm

    @staticmethod
    def _info(s: Session, user: User) -> UserInfo:
        roles: dict[str, list[str]] = {}
        for grant in s.scalars(select(UserRole).where(UserRole.user_id == user.id).order_by(UserRole.firm_id)):
            roles.setdefault(grant.firm_id, []).append(grant.role)
        return UserInfo(user.id, user.name, user.is_superuser, bool(user.password_hash), user.key_fingerprint, roles)
