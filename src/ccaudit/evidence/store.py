"""The evidence store: every imported file kept unchanged, named by its SHA-256, with a manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

from pydantic import BaseModel

from ccaudit.findings.models import EngineRef

RAW_EXPORT = "raw_export"  # the manifest's dataset for a raw export (the file its derived datasets come from)
PARSE_REPORT_SUFFIX = ".parse_report.json"  # parse_reports/<raw export sha256>.parse_report.json


class ManifestEntry(BaseModel):
    """One imported file: enough to find it again and to prove it is the same file."""

    dataset: str
    original_name: str
    sha256: str
    size_bytes: int
    rows: int
    format: str
    encoding: str | None
    effective_date: dt.date | None
    imported_at: dt.datetime
    ignored_columns: list[str] = []
    duplicate_rows_dropped: int = 0
    source: str | None = None  # a raw export (dataset raw_export): the source that read it, e.g. fortigate
    derived_from: str | None = None  # a file derived from a raw export: that export's SHA-256


class Attachment(BaseModel):
    """A file kept with the evidence but not read as data (a probe's observations or screenshots, or the
    parse_report.json `ccaudit sources parse` wrote beside its dataset files), cited by its hash."""

    name: str  # relative to the evidence folder
    sha256: str
    size_bytes: int
    probe: str  # the command that wrote it: tls, ports, site, pages or "sources parse"


class Manifest(BaseModel):
    """What one import took in, and what it passed over."""

    run_id: str | None = None  # the inspection run that wrote it; findings.json names the same run
    engine: EngineRef | None = None  # where the run's checks ran (findings.json records it too)
    origin: str | None = None  # the object-store folder the evidence was copied from (s3://bucket/prefix/)
    files: list[ManifestEntry]
    ignored_files: list[str] = []
    ignored_reasons: dict[str, str] = {}  # every file of the folder not imported -> why
    skipped_duplicates: list[str] = []
    warnings: list[str] = []
    attachments: list[Attachment] = []  # probe evidence stored by hash beside the imported files

    def datasets(self) -> set[str]:
        return {entry.dataset for entry in self.files}

    def raw_exports_of(self, entries: list[ManifestEntry]) -> list[ManifestEntry]:
        """The raw exports (gateway logs) these entries were derived from, each once."""
        wanted = {e.derived_from for e in entries if e.derived_from}
        raws = [e for e in self.files if e.sha256 in wanted and e.source is not None]
        # a log taken out of a zip of several names the zip as handed in: it is listed too, first
        zips = {e.derived_from for e in raws if e.derived_from}
        return [e for e in self.files if e.sha256 in zips and e.source is not None] + raws

    def records(self) -> dict[str, int]:
        """Records per supplied dataset, exact duplicates dropped."""
        out: dict[str, int] = {}
        for entry in self.files:
            out[entry.dataset] = out.get(entry.dataset, 0) + entry.rows - entry.duplicate_rows_dropped
        return out

    def for_dataset(self, dataset: str) -> list[ManifestEntry]:
        return [entry for entry in self.files if entry.dataset == dataset]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class EvidenceStore:
    """A folder of blobs/<sha256> plus manifest.json. Writes are atomic: temp file, then rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256

    def put(self, source: Path, sha256: str) -> Path:
        self.blobs.mkdir(parents=True, exist_ok=True)
        target = self.blob_path(sha256)
        if not target.exists():
            tmp = target.with_suffix(".part")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
            target.chmod(0o444)
        return target

    def parse_report_path(self, sha256: str) -> Path:
        """Where the parse report of the raw export with this SHA-256 is kept."""
        return self.root / "parse_reports" / f"{sha256}{PARSE_REPORT_SUFFIX}"

    def put_report(self, name: str, report: dict[str, object]) -> Path:
        """A report on how a file was read (a raw export's parse_report.json), beside the blobs."""
        folder = self.root / "parse_reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    def write_manifest(self, manifest: Manifest) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "manifest.json"
        tmp = path.with_suffix(".part")
        text = json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return path

    def read_manifest(self) -> Manifest:
        return Manifest.model_validate_json((self.root / "manifest.json").read_text(encoding="utf-8"))

    def verify(self) -> list[str]:
        """Files (evidence files and probe attachments) whose bytes no longer match their name: empty when the
        store is intact."""
        manifest = self.read_manifest()
        kept = [(e.original_name, e.sha256) for e in manifest.files]
        kept += [(a.name, a.sha256) for a in manifest.attachments]
        return [
            name
            for name, sha256 in kept
            if not self.blob_path(sha256).exists() or sha256_of(self.blob_path(sha256)) != sha256
        ]
