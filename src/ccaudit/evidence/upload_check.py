"""Checks on an evidence file handed in over the network, before anything is stored: a name that can
only mean one file in the evidence folder, an extension ccaudit reads, and content that is what the
extension says (content sniffing: a workbook must be a workbook, a CSV must be text). The importer
then validates the content itself, row by row, exactly as for `ccaudit inspect`."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import puremagic

from ccaudit.errors import EvidenceError
from ccaudit.evidence.readers import FORMATS
from ccaudit.evidence.sources import SOURCE_FILE
from ccaudit.evidence.workbook import CFB, ENCRYPTED, ENCRYPTED_STREAM, ENCRYPTED_ZH
from ccaudit.textsafe import visible

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".log", ".yaml"})
ZIP_WORKBOOKS = {".xlsx": "xl/workbook.xml", ".xlsm": "xl/workbook.xml"}
ALLOWED = frozenset({*FORMATS, ".log"})  # .log: raw gateway logs (ccaudit sources), turned into evidence
SNIFF_BYTES = 64 * 1024
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
MAX_NAME = 200


class UploadRefused(EvidenceError):
    """An uploaded file refused before it was stored (name, type or size)."""


def safe_name(name: str) -> str:
    """The file name an upload is stored under: its last path part, NFC, without control characters;
    refused when empty, hidden (a dot first: the importer would refuse it), or too long."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in base):
        raise UploadRefused(f"the file name {visible(base)!r} holds control or invisible characters: rename it")
    if not base or base in (".", ".."):
        raise UploadRefused("the upload has no file name")
    if base.startswith("."):
        raise UploadRefused(f"{visible(base)}: a name starting with a dot is a hidden file; rename it")
    if len(base) > MAX_NAME:
        raise UploadRefused(f"the file name is {len(base)} characters long; at most {MAX_NAME}")
    return base


def check_type(name: str, head: bytes, tail: bytes, size: int) -> str:
    """The format the content shows, if it matches the extension (else UploadRefused naming both).
    `head`: the first bytes (up to SNIFF_BYTES), `tail`: the last 8 bytes, `size`: the whole length."""
    suffix = Path(name).suffix.lower()
    if name != SOURCE_FILE and suffix not in ALLOWED:
        raise UploadRefused(
            f"{visible(name)}: ccaudit does not read {suffix or 'files without an extension'}; upload CSV, TSV, "
            "TXT, XLSX, XLSM, XLS, ODS, JSON, NDJSON, Parquet, gateway logs (.log) or evidence.yaml"
        )
    if size == 0:
        raise UploadRefused(f"{visible(name)} is empty (0 bytes)")
    if suffix in ZIP_WORKBOOKS or suffix == ".ods":
        return _zip_workbook(name, suffix, head, size)
    if suffix == ".xls":
        if not head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            raise UploadRefused(f"{visible(name)} is not an Excel 97-2003 workbook{_looks_like(head)}")
        return "excel"
    if suffix in (".parquet", ".pq"):
        if not (head.startswith(b"PAR1") and tail.endswith(b"PAR1")):
            raise UploadRefused(f"{visible(name)} is not a Parquet file{_looks_like(head)}")
        return "parquet"
    return _text(name, suffix, head)


def _zip_workbook(name: str, suffix: str, head: bytes, size: int) -> str:
    if head.startswith(CFB) and ENCRYPTED_STREAM in head:  # an encrypted .xlsx is an OLE container
        raise UploadRefused(ENCRYPTED.format(name=visible(name)), zh=ENCRYPTED_ZH)
    if not head.startswith(b"PK\x03\x04"):
        raise UploadRefused(f"{visible(name)} is not a {suffix[1:].upper()} workbook{_looks_like(head)}")
    return "excel"  # which parts it holds is checked once whole (check_zip_workbook), before it is kept


def check_zip_workbook(name: str, data: Path) -> None:
    """An .xlsx/.xlsm must be a spreadsheet package, an .ods an OpenDocument spreadsheet (not a renamed
    .docx, .zip or .jar). Size and compression limits are the importer's (untrusted.check_workbook)."""
    suffix = Path(name).suffix.lower()
    try:
        with zipfile.ZipFile(data) as package:
            names = set(package.namelist())
            if suffix == ".ods":
                ok = "mimetype" in names and package.read("mimetype").strip() == ODS_MIME
            else:
                ok = ZIP_WORKBOOKS[suffix] in names
    except (zipfile.BadZipFile, KeyError, OSError):
        ok = False
    if not ok:
        raise UploadRefused(f"{visible(name)} is a ZIP package but not a {suffix[1:].upper()} spreadsheet")


def _text(name: str, suffix: str, head: bytes) -> str:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRefused(f"{visible(name)} is not a text file (it holds NUL bytes){_looks_like(head)}")
    binary = _binary_kind(head)
    if binary:
        raise UploadRefused(f"{visible(name)} is not a text file: its content is {binary}")
    if suffix in (".json",):
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start not in (b"{", b"["):
            raise UploadRefused(f"{visible(name)} is not JSON (it does not start with {{ or [)")
    return "json" if suffix in (".json", ".ndjson", ".jsonl") else "text"


# Formats a text file must never be, whatever its name says (confidence as puremagic reports it).
_BINARY_MIME = ("application/x-dosexec", "application/x-executable", "application/zip", "application/pdf",
                "application/x-msdownload", "application/gzip", "application/x-7z-compressed",
                "application/x-rar-compressed", "application/java-archive", "image/", "video/", "audio/")


def _binary_kind(head: bytes) -> str | None:
    if head.startswith((b"MZ", b"\x7fELF", b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"\xd0\xcf\x11\xe0", b"PAR1")):
        return _describe(head) or "a binary file"
    for match in _matches(head):
        if match.confidence >= 0.8 and any(match.mime_type.startswith(m) for m in _BINARY_MIME):
            return str(match.name or match.mime_type)
    return None


def _matches(head: bytes) -> list[puremagic.PureMagicWithConfidence]:
    try:
        return list(puremagic.magic_string(head))
    except (puremagic.PureError, ValueError):
        return []


def _describe(head: bytes) -> str | None:
    known = {b"MZ": "a Windows program", b"\x7fELF": "a Linux program", b"PK\x03\x04": "a ZIP package",
             b"%PDF": "a PDF document", b"\x1f\x8b": "a gzip archive", b"\xd0\xcf\x11\xe0": "an Office 97-2003 file",
             b"PAR1": "a Parquet file"}
    return next((what for magic, what in known.items() if head.startswith(magic)), None)


def _looks_like(head: bytes) -> str:
    what = _describe(head)
    if what is None:
        matches = [m for m in _matches(head) if m.confidence >= 0.8]
        what = str(matches[0].name) if matches else None
    return f" (its content looks like {what})" if what else ""
