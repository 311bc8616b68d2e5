"""A raw export as UTF-8 text for DuckDB, whatever encoding the firm's tools wrote it in.

UTF-8 (with or without a byte-order mark, which DuckDB drops) is read in place. Anything else is streamed
into a UTF-8 copy in the scratch folder, in chunks (constant memory), and the report says which encoding
was read:
- UTF-16 with a byte-order mark: Windows PowerShell 5.1's `Out-File`/`>` and `Export-Csv -Encoding Unicode`,
  Excel's "Unicode Text"; UTF-16 LE without one is recognised by its NUL bytes;
- Big5 (cp950, Microsoft's Big5, then Big5-HKSCS): Excel's "CSV (comma delimited)" and Notepad's ANSI on a
  Traditional Chinese Windows.
A file that is none of these is refused, naming the file, the line and the byte.

A Windows event log file (.evtx, binary) is read with the `evtx` library (the Rust evtx crate, as evtx_dump) into
one JSON event per line, streamed: line n of what the sources read is the file's n-th event record.

A compressed file (gzip, bzip2, xz, Zstandard, or a zip holding one file: logrotate's `server.log.2.gz`, a
gateway's `fortigate.log.1.gz`, a firm's `logs.zip`), told by its first bytes, not its name, is first decompressed
streaming into the scratch folder (compressed.py: every archive's checksum verified, a damaged or truncated one
refused by name, one that expands too far refused as a zip bomb), then read as above: line n is line n of the text
inside it."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from ccaudit.rawsources.compressed import ArchiveLimits

EVTX_MAGIC = b"ElfFile\x00"
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


def as_utf8(path: Path, scratch: Path, limits: ArchiveLimits, limit: int | None = None) -> tuple[Path, str]:
    """(a path DuckDB reads as UTF-8 with the file's text, the encoding read). `limit`: copy at most about
    that many bytes (to recognise a file from its start). A compressed file is read as the text inside it, within
    `limits` (the command's Settings: ArchiveLimits.from_settings)."""
    from ccaudit.rawsources.compressed import compression, decompressed

    shown = path  # what messages name: the file as handed in, never its scratch copy
    if compression(path) is not None:
        path = decompressed(path, scratch, limits, limit)
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith(EVTX_MAGIC):
        return _evtx_lines(path, scratch, None if limit is None else 200, shown), "evtx"
    encoding = sniff(head)
    if encoding == "utf-8":
        return path, encoding
    if encoding == "unknown":
        bad = _first_bad(head)
        line = head[:bad].count(b"\n") + 1
        raise EvidenceError(f"{visible(str(shown))}: neither UTF-8, UTF-16 nor Big5 (cp950) text (line {line}, "
                            f"byte {bad:,}); save it as UTF-8")
    handle_out = tempfile.NamedTemporaryFile(dir=scratch, suffix=".txt", delete=False)  # noqa: SIM115
    handle_out.close()
    target = Path(handle_out.name)
    _transcode(path, target, encoding, limit, shown)
    return target, encoding


def _first_bad(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _transcode(source: Path, target: Path, encoding: str, limit: int | None, shown: Path) -> None:
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
        raise EvidenceError(f"{visible(shown.name)}: line {line} (byte {at:,}) is not valid {encoding}, the "
                            "encoding its start is in; save the file as UTF-8") from None


def _evtx_lines(path: Path, scratch: Path, max_records: int | None, shown: Path) -> Path:
    """The events of an .evtx file as JSON lines ({"Event": {"System": ..., "EventData": ...}}, the shape
    evtx_dump writes), streamed record by record. A record the library cannot read becomes a line that is not
    JSON, so the report counts it as malformed with its position."""
    import warnings

    from evtx import PyEvtxParser

    handle_out = tempfile.NamedTemporaryFile(dir=scratch, suffix=".jsonl", delete=False)  # noqa: SIM115
    handle_out.close()
    target = Path(handle_out.name)
    try:
        parser = PyEvtxParser(str(path), number_of_threads=1, indent=False, skip_errors=True)
        n = -1
        with target.open("w", encoding="utf-8") as dst, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for n, record in enumerate(parser.records_json()):
                if max_records is not None and n >= max_records:
                    break
                while caught:  # a record skipped by the library: a malformed line in its place
                    dst.write("{ unreadable event record: " + " ".join(str(caught.pop(0).message).split()) + "\n")
                if record is not None:
                    dst.write(" ".join(str(record["data"]).split("\n")) + "\n")
        if n < 0:
            raise RuntimeError("no event record in it could be read")
    except (OSError, RuntimeError) as exc:
        raise EvidenceError(f"{visible(shown.name)}: not a readable Windows event log (.evtx): "
                            f"{visible(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}") from None
    return target
