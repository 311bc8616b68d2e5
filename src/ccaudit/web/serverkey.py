"""The web server's own key: it encrypts TOTP secrets at rest (AES-256-GCM, bound to the user they
belong to) and signs the CSRF token of forms shown before log-in.

It comes from CCAUDIT_WEB_SECRET_KEY (base64 of 32 bytes; e.g. from the service manager's credential
store) or else from `data_dir/web-secret.key`, created on first start with mode 0600 and never
rewritten. Kept apart from the database, a copy of the database alone (a backup, a PostgreSQL dump,
a read-only replica) does not hand over anyone's second factor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ccaudit.errors import CcauditError
from ccaudit.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12


class ServerKeyError(CcauditError):
    """A server key that cannot be read or created, or a value it cannot decrypt."""


class ServerKey:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ServerKeyError(f"the web server key must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(self._derive(key, b"ccaudit web: totp secrets"))
        self._mac = self._derive(key, b"ccaudit web: anonymous csrf")

    @staticmethod
    def _derive(key: bytes, purpose: bytes) -> bytes:
        """One sub-key per use, so no value made for one purpose is valid for another."""
        return hmac.new(key, purpose, hashlib.sha256).digest()

    @classmethod
    def load(cls, settings: Settings) -> ServerKey:
        if settings.web_secret_key is not None:
            try:
                raw = base64.b64decode(settings.web_secret_key.get_secret_value(), validate=True)
            except (binascii.Error, ValueError):
                raise ServerKeyError("CCAUDIT_WEB_SECRET_KEY must be base64 of 32 random bytes") from None
            return cls(raw)
        return cls(_key_file(settings.web_key_path()))

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt `plaintext`, bound to `context` (the user ID): a row copied to another user fails."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        version, _, body = sealed.partition(":")
        try:
            if version != "v1":
                raise ValueError(version)
            raw = base64.urlsafe_b64decode(body)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise ServerKeyError(
                "a stored TOTP secret cannot be decrypted with this server key (was the key file replaced?)"
            ) from None

    def sign(self, value: str) -> str:
        return hmac.new(self._mac, value.encode(), hashlib.sha256).hexdigest()


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it: written 0600 under a temporary name, then linked into place, so
    two servers starting at once agree on one key and nobody reads a half-written file."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
                    out.flush()
                    os.fsync(out.fileno())
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise ServerKeyError(f"cannot create the web server key {path}: {exc.strerror}") from exc
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ServerKeyError(
                f"the web server key {path} is readable by others (mode {mode:o}): chmod 600 {path}"
            )
        raw = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ServerKeyError(f"the web server key {path} is not base64 of {KEY_BYTES} bytes") from None
    except OSError as exc:
        raise ServerKeyError(f"cannot read the web server key {path}: {exc.strerror}") from exc
    return raw
