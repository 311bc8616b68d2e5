"""Canonical JSON and the audit digest.

Canonical JSON: UTF-8, keys sorted, no whitespace, no floats (their text is ambiguous across
languages and databases: numbers that are not integers are stored as strings), NaN refused.
The audit digest is SHA-256 over the canonical JSON of the AuditSnapshot, leaving out only what is
produced from the digest itself (the digest, the signature, the key fingerprint).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ccaudit.audit.snapshot import AuditSnapshot

DIGEST_EXCLUDED_SIGNOFF = ("digest", "signature", "key_fingerprint")
SIGNED_MESSAGE_PREFIX = b"ccaudit-audit-digest-v1:"


def canonical(value: Any) -> str:
    """The one text of a JSON value (see the module docstring)."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _refuse_floats(value: Any) -> None:
    kind = type(value)
    if kind in _SCALARS:
        return
    if kind is float or isinstance(value, float):
        raise TypeError(f"float {value!r} in canonical JSON: store it as a string or an integer")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"non-string key {key!r} in canonical JSON")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


_SCALARS = frozenset({str, int, bool, type(None)})


def plain(value: Any) -> Any:
    """A database or DuckDB value as canonical-JSON-safe data: floats and decimals become strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def digest_payload(snapshot: AuditSnapshot) -> dict[str, Any]:
    payload = snapshot.model_dump(mode="json")
    for name in DIGEST_EXCLUDED_SIGNOFF:
        payload["signoff"].pop(name, None)
    return payload


def audit_digest(snapshot: AuditSnapshot) -> str:
    """SHA-256 (hex) over the canonical serialisation of the whole audit, evidence hashes included."""
    return sha256_hex(canonical(digest_payload(snapshot)))


def signed_message(digest: str) -> bytes:
    """What the reviewer's key signs: the digest, with a prefix saying what it is."""
    return SIGNED_MESSAGE_PREFIX + digest.encode("ascii")


class LineHasher:
    """SHA-256 over canonical JSON lines ('\\n'-terminated), fed one record at a time."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, record: Any) -> str:
        return self.add_line(canonical(record) + "\n")

    def add_line(self, line: str) -> str:
        self._hash.update(line.encode("utf-8"))
        self.count += 1
        return line

    def add_all(self, records: Iterable[Any]) -> None:
        for record in records:
            self.add(record)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
