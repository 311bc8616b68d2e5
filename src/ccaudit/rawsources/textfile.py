"""A raw export as UTF-8 text for DuckDB, whatever encoding the firm's tools wrote it in.

UTF-8 (with or without a byte-order mark, which DuckDB drops) is read in place. Anything else is streamed
into a UTF-8 copy in the scratch folder, in chunks (constant memory), and the report says which encoding
was read:
- UTF-16 with a byte-order mark: Windows PowerShell 5.1's `Out-File`/`>` and `Export-Csv -Encoding Unicode`,
  Excel's "Unicode Text"; UTF-16 LE without one is recognised by its NUL bytes;
- Big5 (cp950, Microsoft's Big5, then Big5-HKSCS): Excel's "CSV (comma delimited)" and Notepad's ANSI on a
  Traditional Chinese Windows.
A file that is none of these is refused, naming the file, the line and the byte."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

_CHUNK = 1 << 22
_HEAD = 1 << 16
LEGACY = ("cp950", "big5hkscs")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=False)
    except UnicodeError:
        return False
    return True


def sniff(head: bytes) -> str:
    """The encoding the start of a file shows: utf-8, utf-16 (a BOM), utf-16-le/-be (NUL bytes), or cp950 /
    big5hkscs when it is not UTF-8 but decodes as one of them; 'unknown' otherwise."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) * 4 >= len(sample):  # ASCII text in UTF-16: every other byte NUL
        odd = sample[1::2].count(0)
        return "utf-16-le" if odd >= sample[0::2].count(0) else "utf-16-be"
    if _decodes(head, "utf-8"):
        return "utf-8"
    for encoding in LEGACY:
        if _decodes(head, encoding):
            return encoding
    return "unknown"


def as_utf8(path: Path, scratch: Path, limit: int | None = None) -> tuple[Path, str]:
    """(a path DuckDB reads as UTF-8 with the file's text, the encoding read). `limit`: copy at most about
    that many bytes (to recognise a file from its start)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    encoding = sniff(head)
    if encoding == "utf-8":
        return path, encoding
    if encoding == "unknown":
        bad = _first_bad(head)
        line = head[:bad].count(b"\n") + 1
        raise EvidenceError(f"{visible(str(path))}: neither UTF-8, UTF-16 nor Big5 (cp950) text (line {line}, "
                            f"byte {bad:,}); save it as UTF-8")
    handle_out = tempfile.NamedTemporaryFile(dir=scratch, suffix=".txt", delete=False)  # noqa: SIM115
    handle_out.close()
    target = Path(handle_out.name)
    _transcode(path, target, encoding, limit)
    return target, encoding


def _first_bad(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _transcode(source: Path, target: Path, encoding: str, limit: int | None) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(_CHUNK if limit is None else min(_CHUNK, limit)):
                text = decoder.decode(chunk)
                if offset == 0:
                    text = text.removeprefix("\ufeff")
                dst.write(text)
                offset += len(chunk)
                if limit is not None and offset >= limit:
                    return
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        with source.open("rb") as src:
            line = src.read(at).count(b"\n" if not encoding.startswith("utf-16") else b"\n\x00") + 1
        raise EvidenceError(f"{visible(source.name)}: line {line} (byte {at:,}) is not valid {encoding}, the "
                            "encoding its start is in; save the file as UTF-8") from None
