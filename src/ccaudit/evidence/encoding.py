"""Text encodings of CSV exports: UTF-8 (with or without BOM) or Big5/cp950, detected or given."""

from __future__ import annotations

import codecs
from pathlib import Path

from ccaudit.errors import EvidenceError

_CHUNK = 1 << 22
# cp950 is Microsoft's Big5, what Taiwanese Windows software writes; big5hkscs covers the rest.
_FALLBACKS = ("cp950", "big5hkscs")
_ALIASES = {"big5": "cp950", "utf8": "utf-8", "utf-8-sig": "utf-8", "utf8-sig": "utf-8"}


def canonical(encoding: str) -> str:
    name = encoding.strip().lower().replace("_", "-")
    return _ALIASES.get(name, name)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect(path: Path) -> str:
    """The encoding a whole file decodes in: UTF-8 first, then the Big5 family."""
    for encoding in ("utf-8", *_FALLBACKS):
        if _decodes(path, encoding):
            return encoding
    raise EvidenceError(
        f"{path.name}: the file is neither UTF-8 nor Big5 (cp950); save it as UTF-8 "
        "or name its encoding in evidence.yaml"
    )


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> None:
    """Stream a file into UTF-8 without reading it whole into memory."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            f"{source.name}: byte {exc.start} is not valid {encoding}; check the encoding named for this file"
        ) from exc
