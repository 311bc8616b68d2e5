"""Server-side sessions (table web_sessions). The browser holds a random value; the database holds only
its SHA-256, so a copy of the database cannot be replayed as a cookie. A session ends after
CCAUDIT_WEB_SESSION_IDLE_MINUTES without use or CCAUDIT_WEB_SESSION_HOURS after log-in, whichever comes
first, and at log-out. It gets a new value when the second factor is given (no fixation)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select

from ccaudit.audit.context import Clock
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import User, WebMfa, WebPreferences, WebSession
from ccaudit.settings import Settings
from ccaudit.web.mfa import mfa_role_held

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most once a minute per session


# Built once (every request runs it): the session, its user, their confirmed second factor if any, and
# whether their roles need one (mfa.mfa_required's rule, in SQL).
_LOOKUP = (
    select(WebSession, User, WebMfa.confirmed_at, mfa_role_held(User.id))
    .join(User, User.id == WebSession.user_id)
    .outerjoin(WebMfa, WebMfa.user_id == User.id)
    .where(WebSession.id_hash == bindparam("id_hash"))
)


def cookie_name(settings: Settings) -> str:
    """`__Host-` binds the cookie to this host and path / over HTTPS (browsers refuse it otherwise)."""
    return "__Host-ccaudit_session" if settings.web_secure_cookies else "ccaudit_session"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class SessionInfo:
    """What a request knows about its session and user."""

    id_hash: str
    user_id: str
    user_name: str
    is_superuser: bool
    csrf_secret: str
    lang: str | None
    date_style: str | None
    mfa_done: bool  # the second factor was given in this session
    mfa_needed: bool  # the user's roles require a second factor
    mfa_enrolled: bool  # the user has a confirmed TOTP secret

    @property
    def complete(self) -> bool:
        """Logged in fully: a user who has a second factor (or needs one) has given it."""
        return self.mfa_done or not (self.mfa_needed or self.mfa_enrolled)


class Sessions:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    def create(
        self, user_id: str, lang: str | None = None, date_style: str | None = None, *, mfa_done: bool = False
    ) -> str:
        """A new session for a user whose password was checked; returns the cookie value."""
        value = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            s.add(
                WebSession(
                    id_hash=digest(value),
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + dt.timedelta(hours=self.settings.web_session_hours),
                    mfa_at=now if mfa_done else None,
                    csrf_secret=secrets.token_urlsafe(32),
                    lang=lang,
                    date_style=date_style,
                )
            )
        return value

    def lookup(self, value: str | None) -> SessionInfo | None:
        """The live session the cookie names, or None (unknown, idle too long, or past its end)."""
        if not value or len(value) > 128:
            return None
        id_hash = digest(value)
        now = self.clock()
        idle = dt.timedelta(minutes=self.settings.web_session_idle_minutes)
        with self.db.read() as s:  # one statement: the session, its user, their second factor and its need
            found = s.execute(_LOOKUP, {"id_hash": id_hash}).first()
            if found is None:
                return None
            row, user, confirmed_at, role_needs_mfa = found
            expired = now >= row.expires_at or now >= row.last_seen_at + idle
            if expired:
                info = None
            else:
                done = row.mfa_at is not None  # then whether it was needed does not matter
                info = SessionInfo(
                    id_hash=id_hash,
                    user_id=user.id,
                    user_name=user.name,
                    is_superuser=user.is_superuser,
                    csrf_secret=row.csrf_secret,
                    lang=row.lang,
                    date_style=row.date_style,
                    mfa_done=done,
                    mfa_needed=done or user.is_superuser or bool(role_needs_mfa),  # as mfa.mfa_required
                    mfa_enrolled=done or confirmed_at is not None,
                )
            touch = info is not None and now - row.last_seen_at >= TOUCH_EVERY
        if info is None:
            self._drop(id_hash)
        elif touch:
            with self.db.transaction() as s:
                live = s.get(WebSession, id_hash)
                if live is not None:
                    live.last_seen_at = now
        return info

    def end(self, value: str | None) -> None:
        if value:
            self._drop(digest(value))

    def end_all(self, user_id: str) -> None:
        """Every session of the user (after a password or second-factor change)."""
        with self.db.transaction() as s:
            s.execute(delete(WebSession).where(WebSession.user_id == user_id))

    def mfa_given(self, value: str) -> str:
        """The second factor was given: the session continues under a new cookie value and CSRF secret."""
        new_value = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as s:
            old = s.get(WebSession, digest(value))
            if old is None:
                raise LookupError("session ended")
            s.add(
                WebSession(
                    id_hash=digest(new_value),
                    user_id=old.user_id,
                    created_at=old.created_at,
                    last_seen_at=now,
                    expires_at=old.expires_at,
                    mfa_at=now,
                    csrf_secret=secrets.token_urlsafe(32),
                    lang=old.lang,
                    date_style=old.date_style,
                )
            )
            s.delete(old)
        return new_value

    def set_preferences(self, id_hash: str, lang: str | None, date_style: str | None) -> None:
        with self.db.transaction() as s:
            row = s.get(WebSession, id_hash)
            if row is not None:
                row.lang = lang or row.lang
                row.date_style = date_style or row.date_style

    def preferences(self, user_id: str) -> tuple[str | None, str | None]:
        """The user's saved (language, date style), each None when never chosen."""
        with self.db.read() as s:
            row = s.get(WebPreferences, user_id)
            return (row.lang, row.date_style) if row else (None, None)

    def save_preferences(self, user_id: str, id_hash: str, lang: str | None, date_style: str | None) -> None:
        """Keep the choice for the user's later sessions too, and apply it to this one."""
        with self.db.transaction() as s:
            row = s.get(WebPreferences, user_id)
            if row is None:
                row = WebPreferences(user_id=user_id)
                s.add(row)
            row.lang = lang or row.lang
            row.date_style = date_style or row.date_style
            row.updated_at = self.clock()
            live = s.get(WebSession, id_hash)
            if live is not None:
                live.lang = lang or live.lang
                live.date_style = date_style or live.date_style

    def count(self, user_id: str) -> int:
        with self.db.read() as s:
            return len(list(s.scalars(select(WebSession.id_hash).where(WebSession.user_id == user_id))))

    def _drop(self, id_hash: str) -> None:
        with self.db.transaction() as s:
            s.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
