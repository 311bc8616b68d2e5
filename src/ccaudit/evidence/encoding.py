"""Text encodings of CSV exports: UTF-8 (with or without BOM), Big5/cp950 or UTF-16, detected or given.

Detection looks at the start of a file only; DuckDB validates UTF-8 while it parses, so a file that
starts as UTF-8 and goes wrong later is caught there and then fully checked here (see readers.py).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ccaudit.errors import EvidenceError

_CHUNK = 1 << 22
HEAD_BYTES = 1 << 20
# cp950 is Microsoft's Big5, what Taiwanese Windows software writes; big5hkscs covers the rest.
_FALLBACKS = ("cp950", "big5hkscs")
_ALIASES = {
    "big5": "cp950", "big-5": "cp950", "ms950": "cp950", "x-windows-950": "cp950",
    "utf8": "utf-8", "utf-8-sig": "utf-8", "utf8-sig": "utf-8", "utf-8-bom": "utf-8",
    "unicode": "utf-16", "utf16": "utf-16",
}


def canonical(encoding: str) -> str:
    """The codec name for an encoding a firm wrote in evidence.yaml; unknown names are an error."""
    name = encoding.strip().lower().replace("_", "-")
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    # rot13, base64, zlib ... are codecs too, but they do not turn bytes into text
    if info is None or not info._is_text_encoding:
        raise EvidenceError(
            f"unknown encoding {encoding!r} in evidence.yaml, or not a text encoding "
            "(use utf-8, big5/cp950 or utf-16)"
        ) from None
    return name


def _decodes(data: bytes, encoding: str, final: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(data, final=final)
    except UnicodeError:
        return False
    return True


def _decodes_file(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeError:
        return False
    return True


def sniff(path: Path) -> str | None:
    """The encoding the start of a file suggests: 'utf-8' or 'utf-16' (BOM), else None."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # A chunk may end inside a multi-byte character: only a whole file must decode completely.
    if _decodes(head, "utf-8", final=len(head) < HEAD_BYTES):
        return "utf-8"
    return None


def detect(path: Path) -> str:
    """The encoding a whole file decodes in: UTF-8 first, then the Big5 family."""
    sniffed = sniff(path)
    if sniffed == "utf-16":
        return sniffed
    for encoding in ("utf-8", *_FALLBACKS):
        if _decodes_file(path, encoding):
            return encoding
    raise EvidenceError(
        f"{path.name}: the file is neither UTF-8 nor Big5 (cp950); save it as UTF-8 "
        "or name its encoding in evidence.yaml"
    )


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> None:
    """Stream a file into UTF-8 without reading it whole into memory."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(_CHUNK):
                text = decoder.decode(chunk)
                if offset == 0 and text.startswith("\ufeff"):
                    text = text[1:]
                dst.write(text)
                offset += len(chunk)
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            f"{source.name}: byte {offset + exc.start} is not valid {encoding}; "
            "check the encoding named for this file"
        ) from None
    except UnicodeError as exc:  # e.g. utf-16 named for a file without a byte-order mark
        raise EvidenceError(
            f"{source.name}: cannot be read as {encoding} ({exc}); check the encoding named for this file"
        ) from None


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells: its SHA-256 and how many lines it has."""

    sha256: str
    lines: int  # physical lines up to the last non-blank byte (0 for an empty file)


def scan(path: Path, hash_bytes: bool = True) -> FileScan:
    """SHA-256 and line count in one pass (hashlib releases the GIL, so this runs well in a thread)."""
    digest = hashlib.sha256()
    newlines = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if hash_bytes:
                digest.update(chunk)
            newlines += chunk.count(b"\n")
            tail = chunk[-65536:] if len(chunk) >= 65536 else (tail + chunk)[-65536:]
    stripped = tail.rstrip(b" \t\r\n")
    trailing = tail[len(stripped):].count(b"\n")
    if not stripped and newlines == trailing:
        return FileScan(digest.hexdigest(), 0)
    return FileScan(digest.hexdigest(), newlines - trailing + 1)
