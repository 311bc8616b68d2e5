"""Signing keys the server keeps sealed: a reviewer's Ed25519 private key, encrypted under a passphrase
only the reviewer knows (PKCS#8 with cryptography's BestAvailableEncryption), for signing off in the
browser. The server never stores the passphrase; it unseals the key for one sign-off and forgets it.

A sealed key is always the user's registered key (`keys.py`): one created here is registered as their
first key (the same rule as `ccaudit user key`), and one sealed from a file must match the registered
fingerprint. A key replaced or revoked by an admin leaves its sealed copy unusable (refused by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ccaudit.audit.errors import SigningError
from ccaudit.audit.integrity.signing import fingerprint, public_pem
from ccaudit.audit.people.access import get_user
from ccaudit.audit.people.keys import Keys, registered_key
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import SealedKey

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

MIN_PASSPHRASE = 12  # characters: the sealed key is as strong as this against whoever copies the database


def _check_passphrase(passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise SigningError(f"choose a passphrase of at least {MIN_PASSPHRASE} characters for your signing key")
    return passphrase.encode("utf-8")


def _seal(key: Ed25519PrivateKey, passphrase: str) -> str:
    encryption = serialization.BestAvailableEncryption(_check_passphrase(passphrase))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return pem.decode("ascii")


class SealedKeys:
    def __init__(self, db: Database, clock: Clock, keys: Keys) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys

    def status(self, actor: str | None) -> tuple[str | None, str | None]:
        """(registered key's fingerprint, sealed key's fingerprint) of the acting user; None where none."""
        with self.db.read() as s:
            user = get_user(s, actor)
            registered = registered_key(s, user.id)
            sealed = s.get(SealedKey, user.id)
            return (registered.fingerprint if registered else None, sealed.fingerprint if sealed else None)

    def create(self, actor: str | None, passphrase: str) -> str:
        """A new key for a user who never had one: registered as their first key, and sealed."""
        _check_passphrase(passphrase)
        self.keys.check_first_key(actor)
        key = Ed25519PrivateKey.generate()
        sealed = _seal(key, passphrase)
        change = self.keys.register_own(actor, public_pem(key.public_key()))
        with self.db.transaction() as s:
            self._store(s, change.user_id, change.fingerprint or "", sealed)
        return change.fingerprint or ""

    def seal(self, actor: str | None, private_pem: bytes, file_passphrase: str | None, passphrase: str) -> str:
        """Seal the user's registered key, given as a PEM file (encrypted under `file_passphrase` or not)."""
        _check_passphrase(passphrase)
        try:
            key = serialization.load_pem_private_key(private_pem, file_passphrase.encode() if file_passphrase else None)
        except TypeError:
            raise SigningError("this key file is protected by a passphrase: give it with the file") from None
        except ValueError:
            raise SigningError("not a PEM private key, or the wrong passphrase for it") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError("not an Ed25519 private key")
        given = fingerprint(key.public_key())
        with self.db.transaction() as s:
            user = get_user(s, actor)
            registered = registered_key(s, user.id)
            if registered is None or registered.fingerprint != given:
                raise SigningError(
                    f"this key (fingerprint {given}) is not {user.id}'s registered signing key"
                    + (f" ({registered.fingerprint})" if registered else " (none is registered)")
                )
            self._store(s, user.id, given, _seal(key, passphrase))
        return given

    def unseal(self, actor: str | None, passphrase: str) -> Ed25519PrivateKey:
        """The acting user's sealed key, if it is still their registered key and the passphrase opens it."""
        with self.db.read() as s:
            user = get_user(s, actor)
            sealed = s.get(SealedKey, user.id)
            registered = registered_key(s, user.id)
            if sealed is None:
                raise SigningError(f"{user.id} has no signing key kept by the server: seal one first")
            if registered is None or registered.fingerprint != sealed.fingerprint:
                raise SigningError(
                    f"the key the server keeps for {user.id} ({sealed.fingerprint}) is no longer their registered "
                    "signing key (replaced or revoked): seal the registered key, or sign on your own machine"
                )
            data = sealed.encrypted_pem.encode("ascii")
        try:
            key = serialization.load_pem_private_key(data, passphrase.encode("utf-8"))
        except (TypeError, ValueError):
            raise SigningError("wrong passphrase for your signing key") from None
        if not isinstance(key, Ed25519PrivateKey) or fingerprint(key.public_key()) != sealed.fingerprint:
            raise SigningError("the sealed key is damaged: it is not the key it was sealed as")
        return key

    def _store(self, s: Session, user_id: str, key_fingerprint: str, sealed: str) -> None:
        row = s.get(SealedKey, user_id)
        if row is None:
            now = self.clock()
            s.add(SealedKey(user_id=user_id, fingerprint=key_fingerprint, encrypted_pem=sealed, created_at=now))
        else:
            row.fingerprint, row.encrypted_pem, row.created_at = key_fingerprint, sealed, self.clock()
