"""Evidence folders in an object store: `ccaudit inspect s3://bucket/firm/` and `inspect --firms s3://bucket/firms/`.

Every object under the prefix is copied once, byte for byte, into a local folder, which is then imported
exactly like a folder on disk: the same validation, the same SHA-256 of the same bytes in the manifest,
the same blob store. A copy is needed anyway (evidence is kept as handed in), so reading the objects
where they lie (DuckDB's httpfs, for one) would only read them twice.

The copy uses PyArrow's S3 file system (the AWS SDK for C++, part of the pyarrow wheel: nothing to install
and no extension to download). Credentials, region and profile come only from the standard AWS chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws/{credentials,config},
web identity, container and instance roles); ccaudit takes none on its command line or in its settings.
An S3-compatible store (MinIO, Ceph) is reached through AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ccaudit.errors import CcauditError
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from pyarrow.fs import FileInfo, S3FileSystem

SCHEMES = ("s3",)
CHUNK = 8 << 20


class ObjectStoreError(CcauditError):
    """The object store cannot be read, or holds something that cannot be evidence."""


def is_remote(location: str | Path) -> bool:
    """Whether `location` names an object-store prefix (s3://bucket/prefix) rather than a local folder."""
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES and "://" in location


@dataclass(frozen=True)
class Prefix:
    """s3://bucket/some/prefix/ as the bucket and the key prefix (without its trailing slash)."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> Prefix:
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES or not parts.netloc:
            raise ObjectStoreError(f"{visible(url)}: not an object-store folder (s3://bucket/prefix/)")
        if "@" in parts.netloc:  # not repeated: what stands before '@' may be a secret
            raise ObjectStoreError("an s3:// URL with credentials in it is refused: they come from the standard "
                                   "AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials, a role)")
        if parts.query or parts.fragment:
            raise ObjectStoreError(f"{visible(url)}: give s3://bucket/prefix/ only, without '?' or '#'")
        key = parts.path.strip("/")
        if any(p in ("", ".", "..") for p in key.split("/")) and key:
            raise ObjectStoreError(f"{visible(url)}: a prefix with empty, '.' or '..' parts")
        return cls(parts.netloc, key)

    @property
    def path(self) -> str:  # PyArrow's form: bucket/key
        return f"{self.bucket}/{self.key}" if self.key else self.bucket

    @property
    def name(self) -> str:  # the last part, as a folder's name
        return self.key.rsplit("/", 1)[-1] if self.key else self.bucket

    def url(self) -> str:
        return f"s3://{self.path}/"

    def child(self, name: str) -> Prefix:
        return Prefix(self.bucket, f"{self.key}/{name}" if self.key else name)


def filesystem() -> S3FileSystem:
    """PyArrow's S3 file system with everything from the standard AWS chain; an S3-compatible endpoint
    from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (the SDKs' own variables)."""
    from pyarrow.fs import S3FileSystem

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        return S3FileSystem(endpoint_override=parts.netloc or parts.path, scheme=parts.scheme or "https")
    return S3FileSystem()


def _listing(fs: S3FileSystem, prefix: Prefix, recursive: bool) -> list[FileInfo]:
    from pyarrow.fs import FileSelector

    try:
        return list(fs.get_file_info(FileSelector(prefix.path, recursive=recursive, allow_not_found=True)))
    except OSError as exc:
        raise ObjectStoreError(f"{visible(prefix.url())}: cannot be listed: {_first_line(exc)}") from None


def subfolders(url: str) -> list[str]:
    """The names of the folders directly under `url` (one evidence folder per firm), by name."""
    from pyarrow.fs import FileType

    prefix = Prefix.parse(url)
    infos = _listing(filesystem(), prefix, recursive=False)
    names = sorted(PurePosixPath(i.path).name for i in infos if i.type == FileType.Directory)
    return [n for n in names if not n.startswith(".")]


def fetch(url: str, target: Path, max_bytes: int) -> list[str]:
    """Copy every object under `url` into `target` (created), keeping the key below the prefix as the
    relative path; returns those paths. Refused before anything is copied: a prefix that holds nothing,
    more than `max_bytes` in all, a key that cannot be a relative path."""
    from pyarrow.fs import FileType

    prefix = Prefix.parse(url)
    fs = filesystem()
    files = [i for i in _listing(fs, prefix, recursive=True) if i.type == FileType.File]
    if not files:
        raise ObjectStoreError(f"{visible(prefix.url())}: holds no files (or does not exist)")
    total = sum(int(i.size or 0) for i in files)
    if total > max_bytes:
        raise ObjectStoreError(
            f"{visible(prefix.url())}: {total:,} bytes in {len(files)} objects, more than the "
            f"{max_bytes:,} allowed (CCAUDIT_OBJECT_STORE_MAX_BYTES)")
    names = [_relative(prefix, i.path) for i in files]
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for info, name in zip(files, names, strict=True):
        dest = target.joinpath(*name.split("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with fs.open_input_stream(info.path) as src, dest.open("wb") as out:
                while chunk := src.read(CHUNK):
                    copied += len(chunk)
                    if copied > max_bytes:  # an object that grew after the listing
                        raise ObjectStoreError(f"{visible(prefix.url())}: more than the {max_bytes:,} bytes allowed "
                                               "(CCAUDIT_OBJECT_STORE_MAX_BYTES); objects changed while copied")
                    out.write(chunk)
        except OSError as exc:
            raise ObjectStoreError(f"{visible(prefix.url() + name)}: cannot be read: {_first_line(exc)}") from None
    return names


def _relative(prefix: Prefix, path: str) -> str:
    base = prefix.path + "/"
    rel = path[len(base):] if path.startswith(base) else ""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts) or "\\" in rel or "\x00" in rel:
        raise ObjectStoreError(f"{visible(prefix.url())}: object {visible(path)!r} cannot be a file of the folder "
                               "(empty, '.' or '..' parts, or a backslash)")
    return rel


@contextmanager
def local_copy(url: str, scratch: Path, max_bytes: int) -> Iterator[Path]:
    """The evidence under `url` as a local folder named like the prefix's last part, removed afterwards."""
    prefix = Prefix.parse(url)
    folder = scratch / prefix.name
    try:
        fetch(url, folder, max_bytes)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return visible(text.splitlines()[0]) if text else type(exc).__name__
