"""An audit's evidence folder on the server (<data_dir>/evidence/audit-<id>/files/), filled by uploads
from the web application or the API, and inspected by `run_inspection` as `ccaudit audit run` inspects
a folder on disk.

An upload is checked before anything is kept: its name (upload_check.safe_name), size, extension and
content (upload_check.check_type), then the whole folder as it would be with the file in it goes
through the same importer as `ccaudit inspect` (into a scratch workspace). Only a folder that imports
cleanly takes the file, by one rename; on any problem the folder is left exactly as it was and the
problems come back located (file, row, column, value, expected). Uploads to one audit take turns (an
flock on the folder's lock file), so two of them never validate against a folder the other changes."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ccaudit.audit.context import AuditContext
from ccaudit.audit.errors import NotFoundError
from ccaudit.audit.people.access import READ, get_user, require
from ccaudit.audit.workflow.guard import load_audit, open_for_work
from ccaudit.errors import EvidenceError, EvidenceValidationError, ValidationIssue
from ccaudit.evidence import upload_check
from ccaudit.evidence.importer import import_folder
from ccaudit.evidence.sources import SOURCE_FILE
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.textsafe import visible

EVIDENCE = "evidence"
FILES = "files"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime
    dataset: str | None = None  # as the last successful import recognised it


@dataclass
class UploadOutcome:
    """What an upload came to: `stored` (the file kept) or `issues` (nothing kept)."""

    name: str
    stored: StoredFile | None = None
    issues: list[ValidationIssue] = field(default_factory=list)
    truncated: bool = False  # the importer stopped collecting problems
    warnings: list[str] = field(default_factory=list)  # from the import of the folder with the file in it
    rows: int | None = None
    dataset: str | None = None
    replaced: bool = False  # a file of that name was there before and is replaced


class EvidenceFolders:
    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx

    def root(self, audit_id: int) -> Path:
        return self.ctx.settings.data_dir / EVIDENCE / f"audit-{int(audit_id)}"

    def folder(self, audit_id: int) -> Path:
        """The folder `run_inspection` reads for this audit's uploads."""
        return self.root(audit_id) / FILES

    def list_files(self, actor: str | None, audit_id: int) -> list[StoredFile]:
        with self.ctx.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
        folder = self.folder(audit_id)
        if not folder.is_dir():
            return []
        out = []
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()):
            info = path.stat()
            out.append(StoredFile(path.name, info.st_size, _sha256(path),
                                  dt.datetime.fromtimestamp(info.st_mtime, dt.UTC).replace(microsecond=0)))
        return out

    def upload(self, actor: str | None, audit_id: int, name: str, data: BinaryIO, max_bytes: int) -> UploadOutcome:
        """Check and keep one file (see the module docstring); UploadRefused for name, type or size."""
        with self.ctx.db.transaction() as s:  # the preparer's right, on a draft audit; nothing is written
            open_for_work(s, actor, audit_id, "upload evidence")
        safe = upload_check.safe_name(name)
        root = self.root(audit_id)
        folder = self.folder(audit_id)
        folder.mkdir(parents=True, exist_ok=True)
        incoming = root / f".incoming-{uuid.uuid4().hex}"
        try:
            size, head, tail = _receive(data, incoming, max_bytes, safe)
            upload_check.check_type(safe, head, tail, size)
            if Path(safe).suffix.lower() in (".xlsx", ".xlsm", ".ods"):
                upload_check.check_zip_workbook(safe, incoming)
            with _turn(root):
                return self._validate_and_keep(safe, incoming, folder, root)
        finally:
            incoming.unlink(missing_ok=True)

    def remove(self, actor: str | None, audit_id: int, name: str) -> None:
        with self.ctx.db.transaction() as s:
            open_for_work(s, actor, audit_id, "remove evidence")
        path = self.folder(audit_id) / upload_check.safe_name(name)
        with _turn(self.root(audit_id)):
            if not path.is_file():
                raise NotFoundError(f"audit {audit_id} has no uploaded file {visible(name)!r}")
            path.unlink()

    def _validate_and_keep(self, name: str, incoming: Path, folder: Path, root: Path) -> UploadOutcome:
        outcome = UploadOutcome(name=name, replaced=(folder / name).exists())
        scratch = Path(tempfile.mkdtemp(prefix=".check-", dir=root))
        try:
            staged = scratch / FILES
            staged.mkdir()
            for path in folder.iterdir():
                if path.name != name and path.is_file() and not path.is_symlink():
                    _link_or_copy(path, staged / path.name)
            _link_or_copy(incoming, staged / name)
            registry = TemplateRegistry.load(self.ctx.settings.content_paths)
            try:
                manifest = import_folder(staged, scratch / "workspace.duckdb", EvidenceStore(scratch / EVIDENCE),
                                         registry, self.ctx.settings)
            except EvidenceValidationError as exc:
                outcome.issues, outcome.truncated = list(exc.issues), exc.truncated
                return outcome
            except EvidenceError as exc:
                outcome.issues = [ValidationIssue(file=name, message=str(exc))]
                return outcome
            entries = [e for e in manifest.files if e.original_name == name]
            if not entries and name != SOURCE_FILE:
                reason = manifest.ignored_reasons.get(name) or "the importer passed over it"
                outcome.issues = [ValidationIssue(file=name, message=f"not imported: {reason}")]
                return outcome
            outcome.warnings = list(manifest.warnings)
            outcome.rows = sum(e.rows for e in entries) if entries else None
            outcome.dataset = ", ".join(sorted({e.dataset for e in entries})) or None
            os.replace(incoming, folder / name)
            _fsync_dir(folder)
            info = (folder / name).stat()
            outcome.stored = StoredFile(name, info.st_size, _sha256(folder / name),
                                        dt.datetime.fromtimestamp(info.st_mtime, dt.UTC).replace(microsecond=0),
                                        outcome.dataset)
            return outcome
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _receive(data: BinaryIO, target: Path, max_bytes: int, name: str) -> tuple[int, bytes, bytes]:
    """Copy the upload to `target`, refusing it once it passes `max_bytes`; (size, head, last 8 bytes)."""
    size = 0
    head = b""
    tail = b""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := data.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise upload_check.UploadRefused(
                    f"{visible(name)} is larger than the upload limit of {max_bytes / 1024 / 1024:g} MiB "
                    "(CCAUDIT_WEB_MAX_UPLOAD_MB)"
                )
            if len(head) < upload_check.SNIFF_BYTES:
                head += chunk[: upload_check.SNIFF_BYTES - len(head)]
            tail = (tail + chunk)[-8:]
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size, head, tail


@contextmanager
def _turn(root: Path) -> Iterator[None]:
    """One upload (or removal) at a time per audit, across threads and processes."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
