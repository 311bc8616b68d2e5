"""The second factor: TOTP (RFC 6238, pyotp; 6 digits, 30 s steps, one step of clock drift either way).

Required for anyone holding a role the access matrix marks `mfa: true` (admin, auditor, reviewer) in
any firm, and for the superuser; a user who enrolled anyway is asked too. The secret is stored
encrypted under the server key (serverkey.py), and each code is accepted once: the step it matched is
kept in web_mfa.last_counter and no code of that step or an earlier one is taken again."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

import pyotp
from sqlalchemy import Exists, exists, select
from sqlalchemy.orm import Session

from ccaudit.audit.context import Clock
from ccaudit.audit.people.access import MFA_ROLES
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import User, UserRole, WebMfa
from ccaudit.web.serverkey import ServerKey

ISSUER = "ccaudit"


def mfa_role_held(user_id: Any) -> Exists:
    """SQL: the user (a column or a value) holds a role that needs a second factor, in any firm."""
    return exists().where(UserRole.user_id == user_id, UserRole.role.in_([r.value for r in MFA_ROLES]))


def mfa_required(s: Session, user: User) -> bool:
    if user.is_superuser:
        return True
    return bool(s.scalar(select(mfa_role_held(user.id))))


def _normalise(code: str) -> str | None:
    digits = "".join(code.split())
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def matching_step(secret: str, code: str, now: dt.datetime, after: int | None) -> int | None:
    """The time step (counter) `code` is valid for, within one step of `now` and later than `after`."""
    digits = _normalise(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


class Mfa:
    def __init__(self, db: Database, key: ServerKey, clock: Clock) -> None:
        self.db = db
        self.key = key
        self.clock = clock

    def enrolled(self, user_id: str) -> bool:
        with self.db.read() as s:
            row = s.get(WebMfa, user_id)
            return row is not None and row.confirmed_at is not None

    def pending_secret(self, user_id: str) -> str:
        """The secret being enrolled (a new one if none is pending); refused once enrolment is confirmed."""
        with self.db.transaction() as s:
            row = s.get(WebMfa, user_id)
            if row is not None and row.confirmed_at is not None:
                raise PermissionError("a second factor is already enrolled")
            if row is None:
                secret = pyotp.random_base32()
                s.add(WebMfa(user_id=user_id, totp_secret=self.key.seal(secret, user_id)))
                return secret
            return self.key.open(row.totp_secret, user_id)

    def confirm(self, user_id: str, code: str) -> bool:
        """Finish enrolment with a first code from the authenticator app."""
        with self.db.transaction() as s:
            row = s.get(WebMfa, user_id)
            if row is None or row.confirmed_at is not None:
                return False
            step = matching_step(self.key.open(row.totp_secret, user_id), code, self.clock(), row.last_counter)
            if step is None:
                return False
            row.last_counter = step
            row.confirmed_at = self.clock()
            return True

    def verify(self, user_id: str, code: str) -> bool:
        """A code from an enrolled authenticator, never one accepted before (the write serialises checks)."""
        with self.db.transaction() as s:
            row = s.scalar(select(WebMfa).where(WebMfa.user_id == user_id).with_for_update())
            if row is None or row.confirmed_at is None:
                return False
            step = matching_step(self.key.open(row.totp_secret, user_id), code, self.clock(), row.last_counter)
            if step is None:
                return False
            row.last_counter = step
            return True

    def reset(self, user_id: str) -> bool:
        """Forget a user's second factor (a lost phone); they enrol again at their next log-in."""
        with self.db.transaction() as s:
            row = s.get(WebMfa, user_id)
            if row is None:
                return False
            s.delete(row)
            return True


def otpauth_uri(secret: str, user_id: str) -> str:
    """The URI an authenticator app reads: scanned as a QR code (qr_data_uri), or typed or pasted."""
    return pyotp.TOTP(secret).provisioning_uri(name=user_id, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """`uri` as a QR code (segno; error correction M, a quiet zone of 4 modules), as an SVG `data:` URI for
    an <img>: the CSP allows images from data: (img-src), so no inline script or style is needed, and the
    secret is never written to a file or served at a URL of its own."""
    import segno

    return str(segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4, dark="#000", light="#fff"))
