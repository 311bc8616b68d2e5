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

A zip holding several files (folders and the litter of macOS and Windows zips aside) is read by `sources parse` as
its files, each cited as `logs.zip/fgt.log.1` and its own lines (zip_logs); in an evidence folder a zip must hold
exactly one, since a finding cites a stored file by its line number. A file that would expand beyond
CCAUDIT_RAW_MAX_UNCOMPRESSED_BYTES, or more than CCAUDIT_RAW_MAX_COMPRESSION_RATIO times its compressed size
(once past 64 MiB), is refused as the evidence import refuses a workbook that would (evidence/untrusted.py)."""

from __future__ import annotations

import bz2
import calendar
import gzip
import lzma
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import Any, Protocol

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

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

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        from ccaudit.settings import Settings

        s = Settings()
        return cls(s.raw_max_uncompressed_bytes, s.raw_max_compression_ratio)


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


def zip_member(path: Path) -> zipfile.ZipInfo:
    """The one file of a zip; refused when it holds none or several (named), or is no readable zip."""
    name = visible(path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir() and not _litter(i.filename)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(path, "zip", exc) from None
    if len(members) != 1:
        listed = ", ".join(visible(m.filename) for m in members[:5]) + (", ..." if len(members) > 5 else "")
        what = "no file" if not members else f"{len(members)} files ({listed})"
        raise SeveralFiles(
            f"{name}: a zip holding {what}; in an evidence folder a zip of logs must hold exactly one, so that each "
            "line is cited by its number in a stored file: unzip it and hand in the logs themselves (rotations of one "
            f"log are read together), or run `ccaudit sources parse auto {name} --out DIR` and hand in DIR",
            zh=f"{name}：此 zip 內含{'零個檔案' if not members else f' {len(members)} 個檔案（{listed}）'}；"
               "證據資料夾中每個日誌 zip 只能含一個檔案，方能以所存檔案之行號引用每一行：請解壓縮後直接提交各日誌檔"
               f"（同一日誌之輪替檔會一併讀取），或執行 `ccaudit sources parse auto {name} --out DIR` 後提交 DIR",
            members=[m.filename for m in members])
    return members[0]


def member_starts(path: Path, members: list[str], scratch: Path, size: int = 1 << 16) -> Iterator[Path]:
    """The first `size` bytes of each named member of a zip, each copied to a file in `scratch` (to tell whether
    a zip of several files holds logs); a member that cannot be read is passed over."""
    with zipfile.ZipFile(path) as archive:
        for member in members[:20]:
            target = Path(tempfile.mkstemp(dir=scratch, suffix=".txt")[1])
            try:
                with archive.open(member) as src:
                    target.write_bytes(src.read(size))
            except (OSError, EOFError, ValueError, RuntimeError, zlib.error, zipfile.BadZipFile):
                continue
            yield target


def _litter(filename: str) -> bool:
    last = filename.rsplit("/", 1)[-1]
    return filename.startswith(_LITTER[0]) or last in _LITTER[1:] or last.startswith("._")


@contextmanager
def _opened(kind: str, counted: _Counted, path: Path, member: str | None = None) -> Iterator[_Readable]:
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
        with zipfile.ZipFile(counted) as archive, archive.open(member or zip_member(path)) as m:
            yield m


def _damaged(path: Path, kind: str, exc: BaseException) -> ArchiveRefused:
    detail = visible(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    name = visible(path.name)
    return ArchiveRefused(
        f"{name}: a damaged or truncated {kind} archive ({detail}); nothing of it was read: hand in the file again "
        "as the system wrote it",
        zh=f"{name}：{kind} 壓縮檔已損毀或不完整（{detail}）；未讀取其任何內容：請重新提交系統原本寫出之檔案")


def zip_logs(path: Path, scratch: Path, limits: ArchiveLimits | None = None) -> list[tuple[str, Path]]:
    """Each file of a zip holding several (folders and zip tools' litter aside) as (its name in the zip, a copy in
    `scratch` named as it is), decompressed and checked as `decompressed` does; [] for a zip holding one or none."""
    try:
        zip_member(path)
        return []
    except SeveralFiles as exc:
        members = exc.members
    out = []
    for no, member in enumerate(members):
        folder = scratch / f"zip-{no}"
        folder.mkdir()
        copy = decompressed(path, folder, limits=limits, member=member)
        named = folder / (member.rsplit("/", 1)[-1] or "member")
        copy.rename(named)
        with zipfile.ZipFile(path) as archive:  # its modification time as the zip keeps it (a syslog year's last hint)
            stamp = calendar.timegm((*archive.getinfo(member).date_time, 0, 0, 0))
        os.utime(named, (stamp, stamp))
        out.append((member, named))
    return out


def decompressed(path: Path, scratch: Path, limit: int | None = None, limits: ArchiveLimits | None = None,
                 member: str | None = None) -> Path:
    """The text inside a compressed file, streamed into a new file in `scratch`. `limit`: at most about that many
    bytes of it (to recognise a file from its start; the archive is then not read to its end). `member`: that file
    of a zip holding several."""
    kind = compression(path)
    assert kind is not None
    limits = limits or ArchiveLimits.from_settings()
    name = visible(path.name)
    handle = tempfile.NamedTemporaryFile(dir=scratch, suffix=".txt", delete=False)  # noqa: SIM115
    handle.close()
    target = Path(handle.name)
    out = 0
    try:
        with path.open("rb") as raw:
            counted = _Counted(raw)
            with _opened(kind, counted, path, member) as src, target.open("wb") as dst:
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
