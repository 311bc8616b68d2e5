"""A raw export handed in compressed: logrotate's `server.log.2.gz` (or `.bz2`, `.xz`, `.zst`), a gateway's
`fortigate.log.1.gz`, a firm's `vpn-logs.zip` holding the log.

The kind is told by the file's first bytes (its magic number), not by its name: a `.gz` that is plain text is read
as text, and a gzip file without the suffix is still decompressed. The text inside is streamed into a scratch copy
in chunks (constant memory) with the standard library's readers, or `zstandard` for Zstandard, and every archive's
own checksum is verified (gzip's CRC-32 and length, bzip2's block CRCs, xz's check, Zstandard's content checksum
when the writer stored one, zip's CRC-32): DuckDB reads gzip itself, but a gzip file with a damaged byte in its
middle comes back from it as other lines without any error, so nothing is handed to it compressed. A damaged or
truncated archive is refused by name (exit 2) before any of it is parsed, so nothing of it is half imported. The
stored evidence stays the compressed file as handed in (its SHA-256); its lines are numbered in the text inside it.

A zip holding several files (folders and the litter of macOS and Windows zips aside) is read as its files, each
cited as `logs.zip/fgt.log.1` and its own lines (zip_logs; in an evidence folder rawsources/evidence.zipped_logs).
A zip naming a file outside its folder (`../x`, `/x`, `C:\\x`), the same name twice, or more files than
CCAUDIT_RAW_MAX_ZIP_MEMBERS is refused by name (zip_files). A file that would expand beyond
CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES (a zip's files together), or more than CCAUDIT_RAW_MAX_COMPRESSION_RATIO times
its compressed size (once past 64 MiB), is refused as the evidence import refuses a workbook that would
(evidence/untrusted.py). The limits are the command's Settings, passed down as ArchiveLimits."""

from __future__ import annotations

import bz2
import calendar
import gzip
import lzma
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from io import BufferedReader
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from ccaudit.settings import Settings

# first bytes -> kind (gzip RFC 1952, bzip2, xz, Zstandard RFC 8878, zip local header)
MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
         (b"PK\x03\x04", "zip"))
_CHUNK = 1 << 20
# Zstandard input fed a little at a time: one call returns all it expands to, and a run of one byte reaches
# 128 KiB per 5 bytes (an RLE block), so 1 KiB in is at most ~32 MiB out
_ZSTD_IN = 1 << 10
RATIO_FLOOR = 64 << 20  # below this many bytes out, no ratio is refused (a short log of one repeated line)
# what zip tools add beside the file: macOS Finder's resource forks, Finder and Explorer metadata
_LITTER = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class ArchiveLimits:
    """Settings.raw_max_uncompressed_bytes and raw_max_compression_ratio."""

    uncompressed_bytes: int = 16 << 30
    compression_ratio: int = 500
    ratio_from: int = RATIO_FLOOR  # bytes out before the ratio is judged
    zip_members: int = 10_000  # files a zip may hold (a year of hourly rotations is 8,760)

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        """The limits of the command's own Settings (CCAUDIT_RAW_MAX_*), passed down by the caller."""
        return cls(settings.raw_max_uncompressed_bytes, settings.raw_max_compression_ratio,
                   zip_members=settings.raw_max_zip_members)


DEFAULT_LIMITS = ArchiveLimits()  # the Settings' defaults, for callers (benchmarks, tests) that state none


class ArchiveRefused(EvidenceError):
    """A compressed file that cannot be read whole (damaged, truncated, a bomb, a zip of several files): refused
    wherever it is met, never taken for a file of no known format."""


class SeveralFiles(ArchiveRefused):
    """A zip holding several files (or none): `members` names them."""

    def __init__(self, message: str, zh: str, members: list[str]) -> None:
        super().__init__(message, zh=zh)
        self.members = members


def compression(path: Path) -> str | None:
    """gzip, bzip2, xz, zstd or zip when the file starts as one; None for anything else."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    return next((kind for magic, kind in MAGIC if head.startswith(magic)), None)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Counted:
    """A binary file that counts the bytes read from it (the compressed side of the ratio)."""

    def __init__(self, raw: BufferedReader) -> None:
        self.raw, self.count = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n or 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    @property
    def closed(self) -> bool:
        return self.raw.closed


class _Zstd:
    """Zstandard frames one after the other (as `zstd` and logrotate's `compresscmd zstd` write them), read by
    `read(n)` like the standard library's readers. Unlike zstandard's stream_reader, which returns what it has when
    the input ends inside a frame, an input that ends inside a frame raises EOFError (a truncated file)."""

    def __init__(self, src: _Counted) -> None:
        import zstandard

        self.src, self.new = src, zstandard.ZstdDecompressor().decompressobj
        self.frame: Any = None  # the frame being read (None between frames)
        self.pending = b""  # compressed bytes read but not yet given to a frame

    def read(self, size: int = -1) -> bytes:
        while True:
            data = self.pending or self.src.read(_ZSTD_IN)
            self.pending = b""
            if not data:
                if self.frame is not None:
                    raise EOFError("Compressed file ended before the end of its last frame was reached")
                return b""
            if self.frame is None:
                self.frame = self.new()
            out: bytes = self.frame.decompress(data)
            if self.frame.eof:
                self.pending, self.frame = self.frame.unused_data, None
            if out:
                return out


def zip_files(path: Path, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """The files of a zip in its order (folders and zip tools' litter aside). Refused by name: a zip that cannot be
    read, one holding more than `limits.zip_members` files, and one naming a file outside the folder it would be
    unpacked in (`../x`, `/etc/x`, `C:\\x`) or the same name twice (a line could not be cited by its file)."""
    name = visible(path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(path, "zip", exc) from None
    members = [i for i in infos if not i.is_dir() and not _litter(i.filename)]
    if len(members) > limits.zip_members:
        raise ArchiveRefused(
            f"{name}: a zip holding {len(members):,} files, more than CCAUDIT_RAW_MAX_ZIP_MEMBERS="
            f"{limits.zip_members:,}; nothing of it was read: hand in its logs in several zips",
            zh=f"{name}：此 zip 內含 {len(members):,} 個檔案，超過 CCAUDIT_RAW_MAX_ZIP_MEMBERS="
               f"{limits.zip_members:,}；未讀取其任何內容：請將日誌分為數個 zip 提交")
    seen: dict[str, str] = {}
    for m in members:
        shown = visible(m.filename)
        parts = m.filename.replace("\\", "/").split("/")
        if m.filename.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", m.filename) or ".." in parts:
            raise ArchiveRefused(
                f"{name}: the zip names a file outside its own folder ({shown!r}); nothing of it was read: a zip "
                "made by a log export or a zip tool never does, so hand in the logs again as the system wrote them",
                zh=f"{name}：此 zip 所列檔案位於其資料夾之外（{shown!r}）；未讀取其任何內容：日誌匯出或壓縮工具"
                   "所製之 zip 不會如此，請重新提交系統原本寫出之日誌")
        key = "/".join(parts).casefold()
        if key in seen:
            raise ArchiveRefused(
                f"{name}: the zip holds two files named {shown!r}; nothing of it was read: a line could not be cited "
                "by its file; zip the logs again",
                zh=f"{name}：此 zip 內有兩個名為 {shown!r} 之檔案；未讀取其任何內容：無法以檔名引用各行；"
                   "請重新壓縮日誌")
        seen[key] = m.filename
    return members


def zip_member(path: Path, limits: ArchiveLimits) -> zipfile.ZipInfo:
    """The one file of a zip; refused when it holds none or several (named), or is no readable zip."""
    name = visible(path.name)
    members = zip_files(path, limits)
    if len(members) != 1:
        listed = ", ".join(visible(m.filename) for m in members[:5]) + (", ..." if len(members) > 5 else "")
        what = "no file" if not members else f"{len(members)} files ({listed})"
        raise SeveralFiles(
            f"{name}: a zip holding {what} where one file was expected; unzip it and hand in its files themselves",
            zh=f"{name}：此 zip 內含{'零個檔案' if not members else f' {len(members)} 個檔案（{listed}）'}，"
               "而此處應只有一個檔案；請解壓縮後直接提交其中各檔",
            members=[m.filename for m in members])
    return members[0]


def _litter(filename: str) -> bool:
    last = filename.rsplit("/", 1)[-1]
    return filename.startswith(_LITTER[0]) or last in _LITTER[1:] or last.startswith("._")


@contextmanager
def _opened(kind: str, counted: _Counted, path: Path, limits: ArchiveLimits,
            member: str | None = None) -> Iterator[_Readable]:
    if kind == "gzip":
        with gzip.GzipFile(fileobj=counted, mode="rb") as g:
            yield g
    elif kind == "bzip2":
        with bz2.BZ2File(counted, mode="rb") as b:
            yield b
    elif kind == "xz":
        with lzma.LZMAFile(counted, mode="rb") as x:  # type: ignore[arg-type]
            yield x
    elif kind == "zstd":
        yield _Zstd(counted)
    else:
        with zipfile.ZipFile(counted) as archive, archive.open(member or zip_member(path, limits)) as m:
            yield m


def _damaged(path: Path, kind: str, exc: BaseException) -> ArchiveRefused:
    detail = visible(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    name = visible(path.name)
    return ArchiveRefused(
        f"{name}: a damaged or truncated {kind} archive ({detail}); nothing of it was read: hand in the file again "
        "as the system wrote it",
        zh=f"{name}：{kind} 壓縮檔已損毀或不完整（{detail}）；未讀取其任何內容：請重新提交系統原本寫出之檔案")


class ZipReader:
    """A zip opened once for all its files: its directory is read once (a year of hourly rotations is 8,760 files;
    opening the zip again per file read the directory 8,760 times over), each file streamed out as `decompressed`
    streams one, its ratio judged on its own compressed bytes."""

    def __init__(self, path: Path, limits: ArchiveLimits) -> None:
        self.path, self.limits = path, limits
        self.raw = path.open("rb")
        self.counted = _Counted(self.raw)
        try:
            self.archive = zipfile.ZipFile(self.counted)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            self.raw.close()
            raise _damaged(path, "zip", exc) from None

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.close()
        self.raw.close()

    def copy(self, member: str, scratch: Path, limits: ArchiveLimits | None = None, limit: int | None = None) -> Path:
        """The file `member`, streamed into a new file in `scratch` (`limit`: about that many bytes of its start)."""
        self.counted.count = 0  # this file's compressed bytes only
        return _copy_out(self.path, "zip", self.counted, lambda: self.archive.open(member), scratch,
                         limits or self.limits, limit)


def zip_logs(path: Path, scratch: Path, limits: ArchiveLimits) -> list[tuple[str, Path]]:
    """Each file of a zip holding several (folders and zip tools' litter aside) as (its name in the zip, a copy in
    `scratch` named as it is), decompressed and checked as `decompressed` does, all of them together within
    `limits.uncompressed_bytes`; [] for a zip holding one or none."""
    members = zip_files(path, limits)
    if len(members) < 2:
        return []
    out = []
    budget = limits.uncompressed_bytes
    with ZipReader(path, limits) as reader:
        for no, info in enumerate(members):
            folder = scratch / f"zip-{no}"
            folder.mkdir()
            try:
                copy = reader.copy(info.filename, folder, replace(limits, uncompressed_bytes=budget))
            except ArchiveRefused as exc:
                if "CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES" not in str(exc):
                    raise
                name = visible(path.name)
                raise ArchiveRefused(
                    f"{name}: its files expand to more than {limits.uncompressed_bytes:,} bytes together when "
                    "decompressed; the limit is CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES",
                    zh=f"{name}：其中各檔解壓縮後合計超過 {limits.uncompressed_bytes:,} 位元組；"
                       "上限為 CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES") from None
            budget -= copy.stat().st_size
            last = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            named = folder / (last if last not in ("", ".") else "member")
            copy.rename(named)
            stamp = calendar.timegm((*info.date_time, 0, 0, 0))  # its time as the zip keeps it (a syslog year's hint)
            os.utime(named, (stamp, stamp))
            out.append((info.filename, named))
    return out


def decompressed(path: Path, scratch: Path, limits: ArchiveLimits, limit: int | None = None,
                 member: str | None = None) -> Path:
    """The text inside a compressed file, streamed into a new file in `scratch`. `limit`: at most about that many
    bytes of it (to recognise a file from its start; the archive is then not read to its end). `member`: that file
    of a zip holding several."""
    kind = compression(path)
    assert kind is not None
    with path.open("rb") as raw:
        counted = _Counted(raw)
        return _copy_out(path, kind, counted, lambda: _opened(kind, counted, path, limits, member), scratch, limits,
                         limit)


def _copy_out(path: Path, kind: str, counted: _Counted, opened: Callable[[], AbstractContextManager[_Readable]],
              scratch: Path, limits: ArchiveLimits, limit: int | None) -> Path:
    name = visible(path.name)
    handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=".txt", delete=False)  # noqa: SIM115
    handle.close()
    target = Path(handle.name)
    out = 0
    try:
        with opened() as src, target.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                out += len(chunk)
                if out > limits.uncompressed_bytes:
                    raise ArchiveRefused(
                        f"{name}: expands to more than {limits.uncompressed_bytes:,} bytes when decompressed; "
                        "the limit is CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES",
                        zh=f"{name}：解壓縮後超過 {limits.uncompressed_bytes:,} 位元組；"
                           "上限為 CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES")
                if out > limits.ratio_from and out > limits.compression_ratio * max(counted.count, 1):
                    ratio = out / max(counted.count, 1)
                    raise ArchiveRefused(
                        f"{name}: expands {ratio:,.0f} times (to more than {out:,} bytes), more than any log; "
                        f"the limit is CCAUDIT_RAW_MAX_COMPRESSION_RATIO={limits.compression_ratio}",
                        zh=f"{name}：解壓縮後膨脹 {ratio:,.0f} 倍（超過 {out:,} 位元組），遠超任何日誌檔；"
                           f"上限為 CCAUDIT_RAW_MAX_COMPRESSION_RATIO={limits.compression_ratio}")
                dst.write(chunk)
                if limit is not None and out >= limit:
                    break
    except EvidenceError:
        target.unlink(missing_ok=True)
        raise
    except (OSError, EOFError, ValueError, RuntimeError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
            raise ArchiveRefused(f"{name}: the zip is protected by a password; hand in the log itself",
                                zh=f"{name}：此 zip 受密碼保護；請直接提交日誌檔") from None
        raise _damaged(path, kind, exc) from None
    except Exception as exc:  # zstandard.ZstdError (imported only when a Zstandard file comes)
        target.unlink(missing_ok=True)
        if type(exc).__name__ != "ZstdError":
            raise
        raise _damaged(path, kind, exc) from None
    return target
