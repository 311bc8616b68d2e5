"""Ed25519 keys the user controls (PEM files), and signing/verifying an audit digest with them."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ccaudit.audit.errors import SigningError
from ccaudit.audit.integrity.digest import sha256_hex, signed_message


def generate_key(path: Path, passphrase: str | None = None) -> Ed25519PrivateKey:
    """Write a new private key (mode 0600) to `path` and its public key to `<path>.pub`."""
    if path.exists():
        raise SigningError(f"{path} exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    path.with_name(path.name + ".pub").write_text(public_pem(key.public_key()), encoding="ascii")
    return key


def load_private_key(path: Path, passphrase: str | None = None) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SigningError(
            f"no signing key at {path}: create and register yours with `ccaudit user key`, or give its file "
            "with --key or CCAUDIT_KEY_PATH"
        ) from exc
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    encrypted = b"ENCRYPTED" in data[:200]
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError as exc:  # a passphrase missing for an encrypted key, or given for a plain one
        need = "is protected by a passphrase: set CCAUDIT_KEY_PASSPHRASE" if encrypted else (
            "has no passphrase: unset CCAUDIT_KEY_PASSPHRASE")
        raise SigningError(f"the signing key {path} {need}") from exc
    except ValueError as exc:
        if encrypted and passphrase:
            raise SigningError(f"wrong passphrase (CCAUDIT_KEY_PASSPHRASE) for the signing key {path}") from exc
        raise SigningError(f"{path} is not a PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def read_public_pem(path: Path) -> str:
    """The text of a public key file, checked to be an Ed25519 public key."""
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"cannot read the public key {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    load_public_key(pem)
    return pem


def load_public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SigningError(f"not a public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    return sha256_hex(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign_digest(key: Ed25519PrivateKey, digest: str) -> str:
    return base64.b64encode(key.sign(signed_message(digest))).decode("ascii")


def verify_digest(public_key_pem: str, digest: str, signature: str) -> bool:
    try:
        load_public_key(public_key_pem).verify(base64.b64decode(signature, validate=True), signed_message(digest))
    except (InvalidSignature, ValueError, SigningError):
        return False
    return True
