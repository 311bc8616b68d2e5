"""The keys a verifier trusts (`--trusted-keys FILE`): the firm's key register, or what an inspector
received apart from the archive. Without them a forger who re-signs with a fresh key gets the same
"verified" as the reviewer, so verify either pins every signer to this list or says it did not.

FILE holds Ed25519 public keys (PEM blocks, e.g. the users' `.pub` files put together) and/or
fingerprints (SHA-256 of the raw public key, 64 hex digits, colons allowed), one a line, with an
optional label before it (`bob 3fa4…`); `#` starts a comment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ccaudit.audit.errors import AuditError, SigningError
from ccaudit.audit.integrity.signing import fingerprint, load_public_key

if TYPE_CHECKING:
    from ccaudit.audit.integrity.verify import VerifyReport

_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", re.DOTALL)
_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class TrustedKeys:
    source: str
    fingerprints: frozenset[str] = field(default_factory=frozenset)

    def __contains__(self, key_fingerprint: object) -> bool:
        return isinstance(key_fingerprint, str) and key_fingerprint.lower() in self.fingerprints

    @classmethod
    def load(cls, path: Path) -> TrustedKeys:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read the trusted keys {path}: {getattr(exc, 'strerror', None) or exc}") from None
        found: set[str] = set()
        for block in _PEM.findall(text):
            try:
                found.add(fingerprint(load_public_key(block)))
            except SigningError as exc:
                raise AuditError(f"{path}: a PEM block is not an Ed25519 public key ({exc})") from None
        for number, line in enumerate(_PEM.sub("", text).splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            tokens = [t.replace(":", "").lower() for t in line.split()]
            hexes = [t for t in tokens if _HEX.match(t)]
            if not hexes:
                raise AuditError(
                    f"{path}, line {number}: expected a key fingerprint (64 hex digits) or a PEM public key, "
                    f"got {line[:60]!r}"
                )
            found.update(hexes)
        if not found:
            raise AuditError(f"{path} holds no public key or fingerprint: nothing would be trusted")
        return cls(str(path), frozenset(found))


def pin(report: VerifyReport, who: str, key_fingerprint: str, trusted: TrustedKeys | None) -> None:
    """A signature is only as good as the verifier's reason to trust its key: check it or say so."""
    if trusted is None:
        if any(key_fingerprint in w for w in report.warnings):
            return  # one warning per key, even when it signed several things
        report.warnings.append(
            f"{who}: the key is not pinned (fingerprint {key_fingerprint}); anyone can sign with a fresh key, "
            "so pass --trusted-keys FILE (the firm's key register) to require a known one"
        )
    elif key_fingerprint not in trusted:
        report.problems.append(
            f"{who}: signed by key {key_fingerprint}, which is not among the trusted keys in {trusted.source}"
        )
