"""Signing keys. A user registers their first key themselves; from then on only a firm admin, acting
as themselves, registers, replaces or revokes it (so whoever can set CCAUDIT_USER=bob cannot swap
bob's key). Each change is recorded in the trail of every firm where the user holds a role, and every
key keeps its period in user_keys, so a signature is judged by the key registered when it was made.

Fingerprints are the SHA-256 of the raw 32-byte public key, as 64 hex digits, everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError, SigningError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.signing import fingerprint, load_public_key
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import Role, get_user, roles_of
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Base, User, UserKey, UserRole

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock


@dataclass(frozen=True)
class KeyChange:
    user_id: str
    fingerprint: str | None  # the registered key now (None after a revoke)
    previous: str | None  # the key it replaced or revoked
    firms: list[str]  # the firms whose trail records the change


def registered_key(s: Session, user_id: str) -> UserKey | None:
    return s.scalar(select(UserKey).where(UserKey.user_id == user_id, UserKey.valid_to.is_(None)))


def key_at(s: Session, user_id: str, key_fingerprint: str, when: dt.datetime) -> UserKey | None:
    """The user's key with this fingerprint if it was registered at `when`."""
    for key in s.scalars(select(UserKey).where(UserKey.user_id == user_id, UserKey.fingerprint == key_fingerprint)):
        if key.valid_from <= when and (key.valid_to is None or when < key.valid_to):
            return key
    return None


def firms_of(s: Session, user_id: str) -> list[str]:
    return sorted(set(s.scalars(select(UserRole.firm_id).where(UserRole.user_id == user_id))))


def _admin_command(user_id: str) -> str:
    return f"CCAUDIT_USER=<admin> ccaudit user key {user_id} --public-key {user_id}.pub"


class Keys:
    def __init__(self, db: Database, clock: Clock, recorder: Recorder) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder

    def check_first_key(self, actor: str | None) -> None:
        """Raise unless the acting user may register a key of their own (they never had one)."""
        with self.db.read() as s:
            self._first_key_allowed(s, get_user(s, actor))

    def register_own(self, actor: str | None, public_key_pem: str) -> KeyChange:
        """The acting user's first key."""
        key = load_public_key(public_key_pem)
        with self.db.transaction() as s:
            user = self._locked(s, get_user(s, actor).id)
            self._first_key_allowed(s, user)
            return self._change(s, user.id, user, public_key_pem, fingerprint(key), "user.key")

    def assign(self, actor: str | None, user_id: str, public_key_pem: str) -> KeyChange:
        """A firm admin registers or replaces another user's key."""
        key = load_public_key(public_key_pem)
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            user = self._locked(s, user_id)
            self._may_manage(s, acting, user, "register or replace")
            action = "user.key_replace" if registered_key(s, user.id) else "user.key_register"
            return self._change(s, acting.id, user, public_key_pem, fingerprint(key), action)

    def revoke(self, actor: str | None, user_id: str) -> KeyChange:
        """A firm admin revokes another user's key; signatures made before stay valid."""
        with self.db.transaction() as s:
            acting = get_user(s, actor)
            user = self._locked(s, user_id)
            self._may_manage(s, acting, user, "revoke")
            if registered_key(s, user.id) is None:
                raise NotFoundError(f"{user.id} has no registered signing key to revoke")
            return self._change(s, acting.id, user, None, None, "user.key_revoke")

    # --- steps ---------------------------------------------------------------------------------------

    @staticmethod
    def _locked(s: Session, user_id: str) -> User:
        """The user, locked until commit: two admins changing one user's key take turns."""
        get_user(s, user_id)
        user = s.get(User, user_id, with_for_update=True, populate_existing=True)
        assert user is not None
        return user

    @staticmethod
    def _first_key_allowed(s: Session, user: User) -> None:
        current = registered_key(s, user.id)
        if current is not None:
            raise PermissionDeniedError(
                f"{user.id} already has a registered signing key ({current.fingerprint}); only a firm admin "
                f"replaces it: {_admin_command(user.id)}"
            )
        if s.scalar(select(UserKey.id).where(UserKey.user_id == user.id).limit(1)) is not None:
            raise PermissionDeniedError(
                f"{user.id}'s signing key was revoked; a firm admin registers the new one: {_admin_command(user.id)}"
            )

    @staticmethod
    def _may_manage(s: Session, acting: User, user: User, what: str) -> None:
        if acting.id == user.id:
            raise PermissionDeniedError(
                f"{acting.id} may not {what} their own signing key: another admin of their firms does it "
                f"({_admin_command(user.id)})"
            )
        if acting.is_superuser:
            return
        firms = firms_of(s, user.id)
        missing = [f for f in firms if Role.ADMIN not in roles_of(s, acting.id, f)]
        if not firms or missing:
            where = f"not admin of {', '.join(missing)}" if missing else f"{user.id} holds none: only a superuser may"
            raise PermissionDeniedError(
                f"{acting.id} may not {what} {user.id}'s signing key: needs the admin role in every firm where "
                f"{user.id} holds a role ({where})"
            )

    def _change(
        self, s: Session, actor: str, user: User, pem: str | None, new_fingerprint: str | None, action: str
    ) -> KeyChange:
        """End the registered key (if any), start the new one (if any), and log both in every firm."""
        now = self.clock()
        changes: list[tuple[Base, dict[str, Any] | None]] = []
        current = registered_key(s, user.id)
        if current is not None:
            if current.fingerprint == new_fingerprint:
                raise SigningError(f"this key ({new_fingerprint}) is already {user.id}'s registered key")
            changes.append((current, state(s, current)))
            current.valid_to, current.ended_by, current.revoked = now, actor, pem is None
            s.flush()  # the old period ends before the new one starts (one registered key per user)
        if pem is not None and new_fingerprint is not None:
            key = UserKey(
                user_id=user.id, fingerprint=new_fingerprint, public_key_pem=pem, valid_from=now,
                valid_to=None, revoked=False, registered_by=actor, ended_by=None,
            )  # fmt: skip
            s.add(key)
            changes.append((key, None))
        changes.append((user, state(s, user)))
        user.public_key_pem, user.key_fingerprint = pem, new_fingerprint
        firms = firms_of(s, user.id)
        trails: list[str | None] = [*firms] or [None]  # a user without roles: the global trail
        for firm in trails:
            for obj, before in changes:
                self.recorder.log(s, actor, action, obj, before, firm_id=firm)
        return KeyChange(user.id, new_fingerprint, current.fingerprint if current else None, firms)
