"""The audit archive: a read-only zip (or folder) holding everything needed to check a signed audit
offline: snapshot, evidence files (raw exports among them), what each run keeps beside them (probe
observations, screenshots and pages; the parse report of each raw export), each run's findings and
offending rows, policy proposals, working papers, a report,
the audit's trail entries, the sign-off's trail anchor, and the reviewer's signature and public key.

ARCHIVE.json lists every other file with its SHA-256 and names the exporter's public key;
ARCHIVE.sig is the exporter's Ed25519 signature of ARCHIVE.json, made with the key registered to
the user who exports. So every byte is covered by a signature: what the reviewer signed (the digest
of snapshot.json, which holds the hashes of the evidence, findings and offending rows, and the trail
head), what is derived from it (working papers, report), and the rest (trail, anchor) by the exporter.
`verify_archive` re-checks all of it without the database."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ccaudit import __version__
from ccaudit.audit.errors import AuditError, WorkflowError
from ccaudit.audit.integrity import trail
from ccaudit.audit.integrity.digest import canonical, sha256_hex
from ccaudit.audit.integrity.papers import working_papers
from ccaudit.audit.integrity.signing import fingerprint, public_pem
from ccaudit.audit.snapshot import KEPT_KINDS, KEPT_PARSE_REPORT, AttachmentSnap, AuditSnapshot, AuditStatus
from ccaudit.audit.storage.models import Audit
from ccaudit.audit.storage.offending import stored_lines
from ccaudit.evidence.store import PARSE_REPORT_SUFFIX

FORMAT = "ccaudit-audit-archive"
VERSION = 2  # 2: the index is signed by the exporter (ARCHIVE.sig) and the sign-off anchor is included
INDEX = "ARCHIVE.json"
INDEX_SIGNATURE = "ARCHIVE.sig"
INDEX_PREFIX = b"ccaudit-archive-index-v1:"  # what the exporter's key signs, before ARCHIVE.json's bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Exporter:
    """Who packs the archive, with the private half of their registered key."""

    user: str
    key: Ed25519PrivateKey


def index_message(index_bytes: bytes) -> bytes:
    return INDEX_PREFIX + index_bytes


class _Writer:
    """Files go to a temporary zip or folder, which is renamed into place only when complete."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.zip = out.suffix.lower() == ".zip"
        self.tmp = out.with_name(out.name + ".part")
        if out.exists():
            raise AuditError(f"{out} exists; choose a new name for the archive")
        self.files: dict[str, str] = {}
        if self.zip:
            self.archive = zipfile.ZipFile(self.tmp, "w", zipfile.ZIP_DEFLATED)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir(parents=True)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, ZIP_TIME)
        info.external_attr = 0o100444 << 16  # a read-only regular file
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self.files[name] = sha256_hex(data)
        if self.zip:
            self.archive.writestr(self._info(name), data)
        else:
            path = self.tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def add_file(self, name: str, source: Path) -> None:
        digest = hashlib.sha256()
        if self.zip:
            with source.open("rb") as src, self.archive.open(self._info(name), "w") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
        else:
            path = self.tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        self.files[name] = digest.hexdigest()

    def close(self, index: dict[str, object], key: Ed25519PrivateKey) -> Path:
        index["files"] = dict(sorted(self.files.items()))
        data = json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        signature = base64.b64encode(key.sign(index_message(data)))
        if self.zip:
            self.archive.writestr(self._info(INDEX), data)
            self.archive.writestr(self._info(INDEX_SIGNATURE), signature)
            self.archive.close()
            os.chmod(self.tmp, 0o444)
        else:
            (self.tmp / INDEX).write_bytes(data)
            (self.tmp / INDEX_SIGNATURE).write_bytes(signature)
            for path in sorted(self.tmp.rglob("*"), reverse=True):
                os.chmod(path, 0o555 if path.is_dir() else 0o444)
            os.chmod(self.tmp, 0o555)
        os.replace(self.tmp, self.out)
        return self.out

    def abandon(self) -> None:
        if self.zip:
            self.archive.close()
            self.tmp.unlink(missing_ok=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def export_archive(
    s: Session,
    audit: Audit,
    snap: AuditSnapshot,
    runs_dir: Path,
    out: Path,
    exporter: Exporter,
    exported_at: str,
    anchors: dict[str, bytes],
) -> Path:
    """Write the archive; `anchors` are anchor files (name -> content) of the audit's sign-off."""
    if audit.status != AuditStatus.SIGNED or not snap.signoff.digest:
        raise WorkflowError(f"audit {audit.id} is {audit.status}: only a signed-off audit is archived")
    writer = _Writer(out)
    try:
        writer.add_bytes("snapshot.json", canonical(snap.model_dump(mode="json")).encode("utf-8"))
        reviewer = snap.signoff.reviewer or "reviewer"
        writer.add_bytes(f"signatures/{reviewer}.sig", (snap.signoff.signature or "").encode("ascii"))
        writer.add_bytes(f"signatures/{reviewer}.pub.pem", (audit.public_key_pem or "").encode("ascii"))
        for name, data in working_papers(snap).items():
            writer.add_bytes(name, data)
        written: set[str] = set()
        for run in snap.runs:
            folder = runs_dir / run.uid
            writer.add_file(f"runs/{run.uid}/findings.json", folder / "findings.json")
            writer.add_bytes(f"runs/{run.uid}/manifest.json", manifest_bytes(folder / "evidence" / "manifest.json"))
            for e in run.evidence:
                if e.sha256 not in written:
                    writer.add_file(f"evidence/{e.sha256}", folder / "evidence" / "blobs" / e.sha256)
                    written.add(e.sha256)
            for a in run.attachments:  # what the run keeps beside its evidence, signed with it
                name = attachment_member(run.uid, a)
                if name not in writer.files:
                    writer.add_file(name, attachment_source(folder, a))
            checks = {c.check_id for r in snap.requirements if r.run_id == run.run_id for c in r.checks}
            for check_id in sorted(checks):
                lines = _offending_lines(s, run.run_id, check_id)
                if lines:
                    writer.add_bytes(f"runs/{run.uid}/offending/{check_id}.jsonl", lines)
        listed = list(trail.iter_entries(s, audit.id))
        entries = "".join(canonical(e) + "\n" for e in listed)
        writer.add_bytes("trail.jsonl", entries.encode("utf-8"))
        from ccaudit.audit.workflow.policies import archived_files, stored_path

        for name in archived_files(listed):  # policy proposals and the documents they quote
            writer.add_file(name, stored_path(runs_dir.parent, name))
        for name, data in sorted(anchors.items()):
            writer.add_bytes(f"anchors/{name}", data)
    except BaseException:
        writer.abandon()
        raise
    public = exporter.key.public_key()
    return writer.close(
        {
            "format": FORMAT,
            "version": VERSION,
            "ccaudit": __version__,  # papers are re-derived by verify: a different version may word them otherwise
            "audit_id": snap.audit_id,
            "firm_id": snap.firm_id,
            "year": snap.year,
            "digest": snap.signoff.digest,
            "exported_by": exporter.user,
            "exported_at": exported_at,
            "exporter_key": {"fingerprint": fingerprint(public), "public_key": public_pem(public)},
        },
        exporter.key,
    )


_PARSE_REPORT_NAME = re.compile(r"[0-9a-f]{64}" + re.escape(PARSE_REPORT_SUFFIX))


def attachment_member(uid: str, a: AttachmentSnap) -> str:
    """A kept file's name in the archive: a probe file by its SHA-256 beside the evidence files, a parse report
    under its run as `<raw export sha256>.parse_report.json` (names a zip tool can extract anywhere safely)."""
    if a.kind == KEPT_KINDS[KEPT_PARSE_REPORT]:
        if not _PARSE_REPORT_NAME.fullmatch(a.name):
            raise AuditError(f"run {uid}: the parse report name {a.name!r} is not <sha256>{PARSE_REPORT_SUFFIX}")
        return f"runs/{uid}/parse_reports/{a.name}"
    return f"evidence/{a.sha256}"


def attachment_source(run_folder: Path, a: AttachmentSnap) -> Path:
    if a.kind == KEPT_KINDS[KEPT_PARSE_REPORT]:
        return run_folder / "evidence" / "parse_reports" / a.name
    return run_folder / "evidence" / "blobs" / a.sha256


def manifest_bytes(path: Path) -> bytes:
    """The run's evidence manifest in one canonical text, so verify can tell any re-formatting."""
    return canonical_text(json.loads(path.read_bytes()))


def canonical_text(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _offending_lines(s: Session, run_id: int, check_id: str) -> bytes:
    return "".join(stored_lines(s, run_id, check_id)).encode("utf-8")


class DamagedArchiveError(Exception):
    """The archive, or one of its members, cannot be read: verification reports it (exit 1)."""


_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class ArchiveReader:
    """Reads a zip or a folder; anything unreadable raises DamagedArchiveError naming the member."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            return
        try:
            self.zip = zipfile.ZipFile(path)
        except _READ_ERRORS as exc:
            raise DamagedArchiveError(f"{path} is not a readable zip archive ({_why(exc)})") from None

    def names(self) -> set[str]:
        if self.zip is not None:
            return {n for n in self.zip.namelist() if not n.endswith("/")}
        return {p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()}

    def duplicates(self) -> list[str]:
        """Names stored twice in a zip: only one of them would be read, so they are refused."""
        if self.zip is None:
            return []
        return sorted(n for n, count in Counter(self.zip.namelist()).items() if count > 1)

    def chunks(self, name: str) -> Iterator[bytes]:
        try:
            handle = self.zip.open(name) if self.zip is not None else (self.path / name).open("rb")
            with handle:
                while chunk := handle.read(1 << 20):
                    yield chunk
        except KeyError:
            raise DamagedArchiveError(f"{name}: missing") from None
        except _READ_ERRORS as exc:
            raise DamagedArchiveError(f"{name}: damaged, cannot be read ({_why(exc)})") from None

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks(name):
            digest.update(chunk)
        return digest.hexdigest()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
