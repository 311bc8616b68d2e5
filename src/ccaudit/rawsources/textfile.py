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
import re
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
        return _lone_crs_kept(path, scratch), encoding
    if encoding == "unknown":
        bad = _first_bad(head)
        line = head[:bad].count(b"\n") + 1
        raise EvidenceError(f"{visible(str(shown))}: neither UTF-8, UTF-16 nor Big5 (cp950) text (line {line}, "
                            f"byte {bad:,}); save it as UTF-8")
    handle_out = tempfile.NamedTemporaryFile(dir=scratch, suffix=".txt", delete=False)  # noqa: SIM115
    handle_out.close()
    target = Path(handle_out.name)
    _transcode(path, target, encoding, limit, shown)
    return _lone_crs_kept(target, scratch), encoding


# A line is what ends at a line feed, as an editor that shows `\n` as the end of a line numbers it (CRLF is one line
# end). A carriage return alone inside a line (a message field with a CR, a user name typed with one) is a character
# of that line. DuckDB's line reader ends a line at any CR, and drops the character after a lone one, so every later
# line would be numbered one higher: a file holding a lone CR is read from a copy in which each lone CR is written as
# LONE_CR (a private-use character), which sqlkit.read_lines_sql turns back into the CR for the parsers. A file with
# no line feed at all (classic Mac OS line ends) is left as DuckDB reads it: each CR ends a line.
LONE_CR = "\ue00d"
LONE_CR_SUFFIX = ".lonecr.txt"  # the copy's name ends so (sqlkit.read_lines_sql restores its CRs)
_LONE_CR_RE = re.compile(rb"\r(?!\n)")


def has_lone_cr(path: Path) -> bool:
    """The file holds a CR not followed by a LF, and some LF (so its lines end at LFs). A file without a CR costs a
    memchr per chunk (0.002 CPU s per 100 MB); one of CRLF lines two counts (0.13 CPU s per 100 MB)."""
    lone = lf = after_cr = False
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            lone = lone or (after_cr and not chunk.startswith(b"\n"))  # a CR ended the previous chunk
            lf = lf or b"\n" in chunk
            after_cr = chunk.endswith(b"\r")
            body = chunk[:-1] if after_cr else chunk
            if not lone and body.find(b"\r") >= 0:  # no CR at all: one memchr (most logs end lines with LF)
                lone = body.count(b"\r") != body.count(b"\r\n")
            if lone and lf:
                return True
    return False


def _lone_crs_kept(path: Path, scratch: Path) -> Path:
    """The file itself, or (when it holds a lone CR inside a line) a copy with each lone CR written as LONE_CR."""
    if not has_lone_cr(path):
        return path
    handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=LONE_CR_SUFFIX, delete=False)  # noqa: SIM115
    handle.close()
    target = Path(handle.name)
    mark = LONE_CR.encode("utf-8")
    with path.open("rb") as src, target.open("wb") as dst:
        held = b""
        while chunk := src.read(_CHUNK):
            chunk = held + chunk
            held = b"\r" if chunk.endswith(b"\r") else b""  # whether it is alone shows in the next chunk
            dst.write(_LONE_CR_RE.sub(mark, chunk[:-1] if held else chunk))
        dst.write(mark if held else b"")
    return target


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
