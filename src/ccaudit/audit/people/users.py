"""Firms, users and their roles per firm; passwords (argon2). Signing keys: see keys.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import AuditError, NotFoundError, PermissionDeniedError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import MANAGE, Role, get_user, parse_role, require, roles_of
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Firm, User, UserRole

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
