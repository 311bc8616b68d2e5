"""An audit's evidence folder on the server (<data_dir>/evidence/audit-<id>/files/), filled by uploads
from the web application or the API, and inspected by `run_inspection` as `ccaudit audit run` inspects
a folder on disk.

An upload (one or more files, checked together) is checked before anything is kept: each file's name
(upload_check.safe_name), size, extension and content (upload_check.check_type), then the whole folder
as it would be with the files in it goes through the same importer as `ccaudit inspect` (into a scratch
workspace; one import for the whole upload, so a firm's first upload of every file costs one import).
Only a folder that imports cleanly takes the files, each by one rename; on any problem the folder is
left exactly as it was and the problems come back located (file, row, column, value, expected).
Uploads to one audit take turns (an flock on the folder's lock file), so two of them never validate
against a folder the other changes."""

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ccaudit.audit.context import AuditContext
from ccaudit.audit.errors import NotFoundError
from ccaudit.audit.people.access import READ, get_user, require
from ccaudit.audit.workflow.guard import load_audit, open_for_work
from ccaudit.errors import EvidenceError, EvidenceValidationError, ValidationIssue
from ccaudit.evidence import upload_check
from ccaudit.evidence.sources import SOURCE_FILE
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.textsafe import visible

EVIDENCE = "evidence"
FILES = "files"
CHUNK = 1024 * 1024
REFUSED = "refused before import: "  # an issue about the file itself (name, type, size), not its rows


@dataclass(frozen=True)
class StoredFile:
    name: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime
    dataset: str | None = None  # as the last successful import recognised it


@dataclass(frozen=True)
class KeptFile:
    name: str
    dataset: str | None  # as the importer recognised it (None: evidence.yaml)
    rows: int | None
    replaced: bool  # a file of that name was there before and is replaced


@dataclass
class UploadBatch:
    """What one upload (one or more files, checked together) came to: every file kept, or none (`issues`)."""

    names: list[str]
    kept: list[KeptFile] = field(default_factory=list)
    issues: list[ValidationIssue] = field(default_factory=list)
    truncated: bool = False  # the importer stopped collecting problems
    warnings: list[str] = field(default_factory=list)  # from the import of the folder with the files in it

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class UploadOutcome:
    """One file's upload (`EvidenceFolders.upload_one`): `stored` (the file kept) or `issues` (nothing kept)."""

    name: str
    stored: StoredFile | None = None
    issues: list[ValidationIssue] = field(default_factory=list)
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    rows: int | None = None
    dataset: str | None = None
    replaced: bool = False


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

    def upload_one(self, actor: str | None, audit_id: int, name: str, data: BinaryIO, max_bytes: int) -> UploadOutcome:
        """One file, as `upload` checks a batch; UploadRefused for a name, type or size refused."""
        batch = self.upload(actor, audit_id, [(name, data)], max_bytes)
        shown = batch.names[0]
        if not batch.ok and all(i.row is None and i.column is None and i.message.startswith(REFUSED)
                                for i in batch.issues):
            raise upload_check.UploadRefused(batch.issues[0].message.removeprefix(REFUSED))
        if not batch.ok:
            return UploadOutcome(shown, issues=batch.issues, truncated=batch.truncated)
        [kept] = batch.kept
        stored = next(f for f in self.list_files(actor, audit_id) if f.name == kept.name)
        return UploadOutcome(kept.name, replace(stored, dataset=kept.dataset), warnings=batch.warnings, rows=kept.rows,
                             dataset=kept.dataset, replaced=kept.replaced)  # fmt: skip

    def upload(
        self, actor: str | None, audit_id: int, files: list[tuple[str, BinaryIO]], max_bytes: int
    ) -> UploadBatch:
        """Check and keep the files together (see the module docstring): every one kept, or none. A name,
        type or size refused is an issue of the outcome, like a row the importer refuses."""
        with self.ctx.db.transaction() as s:  # the preparer's right, on a draft audit; nothing is written
            open_for_work(s, actor, audit_id, "upload evidence")
        root = self.root(audit_id)
        folder = self.folder(audit_id)
        folder.mkdir(parents=True, exist_ok=True)
        outcome = UploadBatch(names=[visible(name) for name, _ in files])
        received: dict[str, Path] = {}
        try:
            for name, data in files:
                try:
                    safe = upload_check.safe_name(name)
                    if safe in received:
                        raise upload_check.UploadRefused(f"{visible(safe)} is given twice in one upload")
                    incoming = root / f".incoming-{uuid.uuid4().hex}"
                    received[safe] = incoming
                    size, head, tail = _receive(data, incoming, max_bytes, safe)
                    upload_check.check_type(safe, head, tail, size)
                    if Path(safe).suffix.lower() in (".xlsx", ".xlsm", ".ods"):
                        upload_check.check_zip_workbook(safe, incoming)
                except upload_check.UploadRefused as exc:
                    outcome.issues.append(ValidationIssue(file=visible(name) or "?", message=REFUSED + str(exc)))
            if outcome.issues or not received:
                return outcome
            with _turn(root):
                self._validate_and_keep(received, folder, root, outcome)
            return outcome
        finally:
            for path in received.values():
                path.unlink(missing_ok=True)

    def remove(self, actor: str | None, audit_id: int, name: str) -> None:
        with self.ctx.db.transaction() as s:
            open_for_work(s, actor, audit_id, "remove evidence")
        path = self.folder(audit_id) / upload_check.safe_name(name)
        with _turn(self.root(audit_id)):
            if not path.is_file():
                raise NotFoundError(f"audit {audit_id} has no uploaded file {visible(name)!r}")
            path.unlink()

    def _validate_and_keep(self, received: dict[str, Path], folder: Path, root: Path, outcome: UploadBatch) -> None:
        scratch = Path(tempfile.mkdtemp(prefix=".check-", dir=root))
        try:
            staged = scratch / FILES
            staged.mkdir()
            for path in folder.iterdir():
                if path.name not in received and path.is_file() and not path.is_symlink():
                    _link_or_copy(path, staged / path.name)
            for name, incoming in received.items():
                _link_or_copy(incoming, staged / name)
            from ccaudit.evidence.importer import import_folder  # DuckDB and SQLGlot: only when a folder is checked

            registry = TemplateRegistry.load(self.ctx.settings.content_paths)
            try:
                manifest = import_folder(staged, scratch / "workspace.duckdb", EvidenceStore(scratch / EVIDENCE),
                                         registry, self.ctx.settings)
            except EvidenceValidationError as exc:
                outcome.issues, outcome.truncated = list(exc.issues), exc.truncated
                return
            except EvidenceError as exc:
                outcome.issues = [ValidationIssue(file=", ".join(received), message=str(exc))]
                return
            kept = []
            for name in received:
                entries = [e for e in manifest.files if e.original_name == name]
                if not entries and name != SOURCE_FILE:
                    reason = manifest.ignored_reasons.get(name) or "the importer passed over it"
                    outcome.issues.append(ValidationIssue(file=name, message=f"not imported: {reason}"))
                    continue
                kept.append(KeptFile(name, ", ".join(sorted({e.dataset for e in entries})) or None,
                                     sum(e.rows for e in entries) if entries else None, (folder / name).exists()))
            if outcome.issues:
                return
            for name, incoming in received.items():
                os.replace(incoming, folder / name)
            _fsync_dir(folder)
            outcome.kept, outcome.warnings = kept, list(manifest.warnings)
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
