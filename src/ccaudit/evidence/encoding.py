"""Text encodings of CSV exports: UTF-8 (with or without BOM), Big5/cp950 or UTF-16, detected or given.

Detection looks at the start of a file only; DuckDB validates UTF-8 while it parses, so a file that
starts as UTF-8 and goes wrong later is caught there and then fully checked here (see readers.py).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

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
    """The encoding a whole file decodes in: UTF-8 first, then the Big5 family.

    A file that is Big5 in some lines and UTF-8 in others (two exports pasted together) is refused
    naming the first line of the other encoding: read as Big5 its UTF-8 lines would become other
    Chinese characters without any error."""
    sniffed = sniff(path)
    if sniffed == "utf-16":
        return sniffed
    if _decodes_file(path, "utf-8"):
        return "utf-8"
    for encoding in _FALLBACKS:
        if _decodes_file(path, encoding):
            refuse_mixed(path, encoding)
            return encoding
    utf8_line = failing_line(path, "utf-8")
    big5_line = failing_line(path, "cp950")
    lines = dict(_lines_at(path, {utf8_line, big5_line}))
    if _decodes(lines.get(utf8_line, b""), "cp950", True) and _decodes(lines.get(big5_line, b""), "utf-8", True):
        raise EvidenceError(
            f"{path.name}: line {utf8_line} is Big5 and line {big5_line} is UTF-8: the file mixes two encodings "
            "(exports pasted together?); save it once in one encoding, preferably UTF-8",
            zh=f"第 {utf8_line} 行為 Big5、第 {big5_line} 行為 UTF-8，檔案混用兩種編碼；請統一另存為 UTF-8",
        )
    pair = _eudc_pair(lines.get(big5_line, b""))
    if pair:
        raise EvidenceError(
            f"{path.name}: line {big5_line} holds a user-defined character (造字, Big5 bytes {pair}) that no "
            "standard encoding defines; export the file as UTF-8 from the system that keeps the character, "
            "or replace it",
            zh=f"第 {big5_line} 行含自行造字（Big5 碼 {pair}），無標準編碼可對應；"
               "請由原系統以 UTF-8 匯出，或改用標準字",
        )
    where = (f"line {utf8_line} is neither" if utf8_line == big5_line else
             f"line {utf8_line} is not valid UTF-8 and line {big5_line} is not valid Big5")
    where_zh = (f"第 {utf8_line} 行既非 UTF-8 亦非 Big5" if utf8_line == big5_line else
                f"第 {utf8_line} 行非 UTF-8、第 {big5_line} 行非 Big5")
    raise EvidenceError(
        f"{path.name}: the file is neither UTF-8 nor Big5 (cp950) ({where}); save it as UTF-8 or name its "
        "encoding in evidence.yaml",
        zh=f"檔案既非 UTF-8 亦非 Big5（{where_zh}）；請另存為 UTF-8，或於 evidence.yaml 指定其編碼",
    )


def _eudc_pair(line: bytes) -> str | None:
    """The first byte pair of a line that cp950 cannot read, when it lies in Big5's user-defined
    areas (lead bytes 81-A0, FA-FE): a firm's own 造字."""
    try:
        line.decode("cp950")
    except UnicodeDecodeError as exc:
        pair = line[exc.start : exc.start + 2]
        if len(pair) == 2 and (0x81 <= pair[0] <= 0xA0 or 0xFA <= pair[0] <= 0xFE) and (
                0x40 <= pair[1] <= 0x7E or 0xA1 <= pair[1] <= 0xFE):
            return f"{pair[0]:02X} {pair[1]:02X}"
    return None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of every physical line, read in chunks."""
    number = 0
    rest = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            for part in parts:
                number += 1
                yield number, part
    if rest:
        yield number + 1, rest


def _lines_at(path: Path, wanted: set[int]) -> Iterator[tuple[int, bytes]]:
    for number, line in _lines(path):
        if number in wanted:
            yield number, line
        if number >= max(wanted):
            return


def failing_line(path: Path, encoding: str) -> int:
    """The first physical line that does not decode in `encoding` (1-based)."""
    for number, line in _lines(path):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            return number
    return 0


def refuse_mixed(path: Path, encoding: str) -> None:
    """Refuse a Big5 file holding a line that is UTF-8 (beyond ASCII): a file of mixed encodings."""
    if encoding not in ("cp950", "big5hkscs", "big5"):
        return
    _refuse_utf8_named_otherwise(path, encoding)
    for number, line in _lines(path):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        _mixed(path, number, encoding)


def _refuse_utf8_named_otherwise(path: Path, encoding: str) -> None:
    """A UTF-8 file (beyond ASCII) for which evidence.yaml names another encoding."""
    if _decodes_file(path, "utf-8") and failing_line(path, "ascii"):
        raise EvidenceError(
            f"{path.name}: the file is UTF-8, not {encoding} as evidence.yaml names it; remove the encoding "
            "from evidence.yaml",
            zh=f"檔案為 UTF-8 編碼，而非 evidence.yaml 所指定之 {encoding}；請刪除 evidence.yaml 中之編碼設定",
        )


def _mixed(path: Path, number: int, encoding: str) -> NoReturn:
    raise EvidenceError(
        f"{path.name}: line {number} is UTF-8 while the rest of the file is Big5 ({encoding}): the file mixes "
        "two encodings (exports pasted together?); save it once in one encoding, preferably UTF-8",
        zh=f"第 {number} 行為 UTF-8，其餘為 Big5，檔案混用兩種編碼；請統一另存為 UTF-8",
    )


def hkscs_note(path: Path) -> str | None:
    """A warning for a file read as Big5-HKSCS: the characters cp950 lacks sit where Taiwanese systems
    keep their own user-defined characters (造字), which HKSCS reads as other characters."""
    number = failing_line(path, "cp950")
    if not number:
        return None
    return (f"{path.name}: read as Big5-HKSCS; line {number} holds characters outside standard Big5 (cp950). "
            "If they are your system's own user-defined characters (造字), they were read as other "
            "characters: check the names, or export the file as UTF-8 / 第 "
            f"{number} 行含 Big5 標準字集以外之字元，已依 Big5-HKSCS 讀取；若為自行造字，讀取結果將不正確，"
            "請改以 UTF-8 匯出")


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
        _refuse_utf8_named_otherwise(source, encoding)
        number = failing_line(source, encoding)
        line = dict(_lines_at(source, {number})).get(number, b"") if number else b""
        if number and not line.isascii() and _decodes(line, "utf-8", True):
            _mixed(source, number, encoding)
        where = f"line {number} (byte {offset + exc.start})" if number else f"byte {offset + exc.start}"
        raise EvidenceError(
            f"{source.name}: {where} is not valid {encoding}; check the encoding named for this file",
            zh=f"第 {number} 行不是有效之 {encoding} 編碼；請檢查為此檔指定之編碼" if number else None,
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
