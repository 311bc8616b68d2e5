"""Attaching inspection runs to an audit: the run's files go to <data_dir>/runs/<uid>/ (written under
a temporary name and renamed when complete), then one transaction records its manifest, findings,
check outcomes and every offending row. Killed at any point, the database holds the whole run or
none of it; a folder left without a database record is reported by `verify` and may be deleted."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ccaudit.audit.context import AuditContext
from ccaudit.audit.errors import AuditError, NotFoundError
from ccaudit.audit.integrity.digest import LineHasher, canonical
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.people.access import PREPARE, READ, get_user, require
from ccaudit.audit.snapshot import KEPT_PARSE_REPORT, KEPT_PROBE_FILE, storable
from ccaudit.audit.storage.models import Assessment, Audit, OffendingRow, Run, RunCheck, RunEvidence, RunFinding, User
from ccaudit.audit.storage.offending import OffendingReader, as_columns, line, stored_record, write_rows
from ccaudit.audit.workflow.guard import load_audit, open_for_work
from ccaudit.audit.workflow.leftovers import PARTIAL, RunLock, clean_leftovers
from ccaudit.audit.workflow.refresh import Results
from ccaudit.errors import EvidenceError
from ccaudit.evidence.store import RAW_EXPORT, EvidenceStore, Manifest, sha256_of
from ccaudit.findings.models import InspectionReport
from ccaudit.inspection import result_folder
from ccaudit.settings import ENGINES

if TYPE_CHECKING:
    from ccaudit.inspection.service import Progress



@dataclass(frozen=True)
class RunInfo:
    run_id: int
    uid: str
    folder: Path
    counts: dict[str, int]
    offending_rows: int
    record_seconds: float  # time to record the run in the database (one transaction)
    cleaned: tuple[Path, ...] = ()  # folders of killed runs removed before this one


class Runs:
    """Inspection runs: their files under ctx.runs_dir, their records in one transaction each."""

    def __init__(self, ctx: AuditContext, recorder: Recorder, results: Results) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.results = results

    def run_inspection(
        self, actor: str | None, audit_id: int, evidence_dir: Path | str, progress: Progress | None = None
    ) -> RunInfo:
        """Inspect an evidence folder on the audit's as-of date and catalog, and attach the run. An
        object-store folder (s3://bucket/prefix/) is copied first, as `inspect` copies it (the same bytes
        hashed, the manifest's `origin` naming it), into `.partial-<uid>.fetch` under the runs folder:
        removed after the run, and by the next run if this one is killed."""
        from ccaudit.evidence.object_store import Prefix, fetch, is_remote
        from ccaudit.inspection.service import inspect

        with self.ctx.db.transaction() as s:
            _, audit = open_for_work(s, actor, audit_id, "attach inspection runs")
            as_of, catalog_id, version = audit.as_of, audit.catalog_id, audit.catalog_version
        in_force = self.ctx.catalogs.in_force(catalog_id, as_of)
        if in_force.version != version:
            raise AuditError(
                f"audit {audit_id} follows {catalog_id} v{version}, but v{in_force.version} is in force "
                f"on {as_of}; inspect with that version elsewhere and use `audit attach`"
            )
        uid = uuid.uuid4().hex
        with RunLock(self.ctx.runs_dir, uid):
            cleaned = self._clean_leftovers()
            partial = self.ctx.runs_dir / f"{PARTIAL}{uid}"
            fetched = self.ctx.runs_dir / f"{PARTIAL}{uid}.fetch"
            try:
                if is_remote(evidence_dir):
                    origin: str | None = str(evidence_dir)
                    # named like the prefix's last part: the firm's name when firm_profile has none
                    folder = fetched / Prefix.parse(str(evidence_dir)).name
                    fetch(str(evidence_dir), folder, self.ctx.settings.object_store_max_bytes)
                else:
                    origin, folder = None, Path(evidence_dir)
                inspect(folder, as_of, partial, self.ctx.settings, catalog_id, progress=progress, origin=origin)
            except BaseException:
                shutil.rmtree(partial, ignore_errors=True)
                raise
            finally:
                shutil.rmtree(fetched, ignore_errors=True)
            return replace(self._commit_folder(actor, audit_id, partial, uid), cleaned=cleaned)

    def require_run_allowed(self, actor: str | None, audit_id: int) -> None:
        """Raise unless the actor may attach a run to the audit now (checked before long work starts)."""
        with self.ctx.db.transaction() as s:
            open_for_work(s, actor, audit_id, "attach inspection runs")

    def attach_run(self, actor: str | None, audit_id: int, result_dir: Path) -> RunInfo:
        """Attach the result folder of an inspection made elsewhere (`ccaudit inspect --out DIR`)."""
        with self.ctx.db.transaction() as s:
            open_for_work(s, actor, audit_id, "attach inspection runs")
        if not (result_dir / "findings.json").is_file():
            raise EvidenceError(f"{result_dir} is not an inspection result folder (no findings.json)")
        _one_run(result_dir, result_dir)  # before anything is copied
        uid = uuid.uuid4().hex
        with RunLock(self.ctx.runs_dir, uid):
            cleaned = self._clean_leftovers()
            partial = self.ctx.runs_dir / f"{PARTIAL}{uid}"
            try:
                shutil.copytree(result_dir, partial, ignore=shutil.ignore_patterns("*.part", "*.wal"))
                _one_run(partial, result_dir)  # the copy is what gets recorded: the folder may have changed
            except BaseException:
                shutil.rmtree(partial, ignore_errors=True)
                raise
            return replace(self._commit_folder(actor, audit_id, partial, uid), cleaned=cleaned)

    def _clean_leftovers(self) -> tuple[Path, ...]:
        """Remove what killed runs left under runs/ (never a running one's: see leftovers)."""

        def recorded(uid: str) -> bool:
            with self.ctx.db.read() as s:
                return s.scalar(select(Run.id).where(Run.uid == uid)) is not None

        return tuple(clean_leftovers(self.ctx.runs_dir, recorded))

    def offending_rows(
        self, actor: str | None, audit_id: int, check_id: str, run_id: int | None = None, limit: int = 100
    ) -> tuple[int, int, list[dict[str, Any]]]:
        """(run ID, total, first `limit` rows) of a check's offending rows, with source file and row."""
        with self.ctx.db.read() as s:
            run = self._run_of_check(s, actor, audit_id, check_id, run_id)
            where = (OffendingRow.run_id == run.id, OffendingRow.check_id == check_id)
            total = s.scalar(select(func.count()).select_from(OffendingRow).where(*where)) or 0
            rows = s.scalars(select(OffendingRow).where(*where).order_by(OffendingRow.row_no).limit(limit))
            return run.id, total, [stored_record(r) for r in rows]

    def offending_page(
        self, actor: str | None, audit_id: int, check_id: str, query: RowQuery
    ) -> OffendingPage:
        """One page of a check's offending rows, filtered in the database: `query.text` (case-insensitive)
        in the subject, the source file or any value; `query.open_only`: rows no measure compensates."""
        with self.ctx.db.read() as s:
            run = self._run_of_check(s, actor, audit_id, check_id, query.run_id)
            base = (OffendingRow.run_id == run.id, OffendingRow.check_id == check_id)
            where = (*base, *_row_filter(query))
            total = s.scalar(select(func.count()).select_from(OffendingRow).where(*base)) or 0
            matched = total if where == base else s.scalar(
                select(func.count()).select_from(OffendingRow).where(*where)) or 0  # fmt: skip
            rows = s.scalars(
                select(OffendingRow).where(*where).order_by(OffendingRow.row_no)
                .offset(max(query.offset, 0)).limit(max(min(query.limit, 1000), 1))
            )  # fmt: skip
            return OffendingPage(run.id, total, matched, [stored_record(r) for r in rows])

    def offending_export(
        self, actor: str | None, audit_id: int, check_id: str, query: RowQuery, chunk: int = 2_000
    ) -> Iterator[dict[str, Any]]:
        """Every offending row the query matches, read in keyset-paged chunks (one short read each)."""
        with self.ctx.db.read() as s:
            run_id = self._run_of_check(s, actor, audit_id, check_id, query.run_id).id
        after = -1
        while True:
            with self.ctx.db.read() as s:
                batch = [stored_record(r) for r in s.scalars(
                    select(OffendingRow)
                    .where(OffendingRow.run_id == run_id, OffendingRow.check_id == check_id,
                           OffendingRow.row_no > after, *_row_filter(query))
                    .order_by(OffendingRow.row_no).limit(chunk))]  # fmt: skip
            yield from batch
            if len(batch) < chunk:
                return
            after = batch[-1]["row_no"]

    def _run_of_check(self, s: Session, actor: str | None, audit_id: int, check_id: str, run_id: int | None) -> Run:
        audit = load_audit(s, audit_id)
        require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
        if run_id is None:
            run_id = s.scalar(select(func.max(Run.id)).where(Run.audit_id == audit.id))
        run = s.get(Run, run_id) if run_id is not None else None
        if run is None or run.audit_id != audit.id:
            raise NotFoundError(f"audit {audit.id} has no run {run_id or ''}".strip())
        if s.scalar(select(RunCheck.check_id).where(RunCheck.run_id == run.id, RunCheck.check_id == check_id)
                    .limit(1)) is None:  # fmt: skip
            # a typo would otherwise read as "no offending rows"
            checks = sorted(s.scalars(select(RunCheck.check_id).where(RunCheck.run_id == run.id)))
            raise NotFoundError(
                f"run {run.id} of audit {audit.id} has no check {check_id!r}; its checks: {', '.join(checks)}"
            )
        return run

    def _commit_folder(self, actor: str | None, audit_id: int, partial: Path, uid: str) -> RunInfo:
        final = self.ctx.runs_dir / uid
        committed = False
        try:
            damaged = EvidenceStore(partial / "evidence").verify()
            if damaged:
                raise EvidenceError(f"evidence files do not match their SHA-256: {', '.join(damaged)}")
            os.replace(partial, final)
            _fsync_dir(self.ctx.runs_dir)
            started = time.perf_counter()
            with self.ctx.db.transaction() as s:
                user, audit = open_for_work(s, actor, audit_id, "attach inspection runs")
                run, rows = self._record(s, user, audit, final, uid)
                counts = {k: int(v) for k, v in InspectionReport.model_validate_json(
                    (final / "findings.json").read_text(encoding="utf-8")).counts.items()}  # fmt: skip
                run_id = run.id
            committed = True
            return RunInfo(run_id, uid, final, counts, rows, time.perf_counter() - started)
        finally:
            if not committed:
                shutil.rmtree(partial, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)

    def _record(self, s: Session, user: User, audit: Audit, folder: Path, uid: str) -> tuple[Run, int]:
        require(s, user, audit.firm_id, PREPARE, "attach inspection runs")
        report = InspectionReport.model_validate_json((folder / "findings.json").read_text(encoding="utf-8"))
        manifest = EvidenceStore(folder / "evidence").read_manifest()
        self._match(audit, report)
        run = Run(
            audit_id=audit.id, uid=uid, attached_by=user.id, attached_at=self.ctx.clock(),
            as_of=audit.as_of, catalog_version=report.catalog_version, ccaudit_version=report.ccaudit_version,
            counts=canonical(report.counts), warnings=canonical(report.warnings),
            findings_sha256=sha256_of(folder / "findings.json"),
            engine=_engine(report, manifest),
            evidence=_evidence(manifest, EvidenceStore(folder / "evidence")),
        )  # fmt: skip
        s.add(run)
        s.flush()
        offending = {c.check_id: c.offending_count for f in report.findings for c in f.checks if c.offending_count}
        hashes: dict[str, str] = {}
        with OffendingReader(folder, self.ctx.settings) as reader:
            for check_id, expected in sorted(offending.items()):
                hashes[check_id] = self._store_offending(s, run.id, reader, check_id, expected)
        for f in report.findings:
            s.add(RunFinding(run_id=run.id, requirement_id=f.requirement_id, status=f.status.value,
                             reasons=canonical(storable(f.reason_codes) if f.reason_codes else f.reasons)))  # fmt: skip
            for c in f.checks:
                s.add(RunCheck(
                    run_id=run.id, requirement_id=f.requirement_id, check_id=c.check_id, title=c.title,
                    outcome=c.outcome, obligation=c.obligation, severity=c.severity,
                    offending_count=c.offending_count, compensated_count=c.compensated_count,
                    expired_count=c.expired_compensation_count,
                    missing_datasets=canonical(c.missing_datasets),
                    measures=canonical(c.compensating_measures),
                    evidence=canonical(sorted({e.sha256 for e in c.evidence})),
                    offending_sha256=hashes.get(c.check_id),
                ))  # fmt: skip
        total = sum(offending.values())
        self.recorder.log_audit(s, user.id, "run.attach", run, None, audit)
        automated = {f.requirement_id: f.status.value for f in report.findings}
        for a in s.scalars(select(Assessment).where(Assessment.audit_id == audit.id).order_by(Assessment.position)):
            before = state(s, a)
            a.run_id = run.id
            a.automated_status = automated.get(a.requirement_id)
            self.results.rederive(s, audit, a)
            self.recorder.log_audit(s, user.id, "assessment.run", a, before, audit)
            self.results.ensure_remediation(s, audit, a, user.id)
        return run, total

    def _store_offending(self, s: Session, run_id: int, reader: OffendingReader, check_id: str, expected: int) -> str:
        """Insert the check's offending rows in batches; returns the SHA-256 of their canonical lines."""
        hasher = LineHasher()
        try:
            for batch in reader.batches(check_id):
                for rec in batch:
                    hasher.add_line(line(rec))
                write_rows(s, [as_columns(rec, run_id, check_id) for rec in batch])
        except FileNotFoundError as exc:
            raise EvidenceError(f"the run folder lacks offending rows: {exc}") from exc
        if hasher.count != expected:
            raise EvidenceError(
                f"{check_id}: findings.json counts {expected} offending rows but the run holds {hasher.count}"
            )
        return hasher.hexdigest()

    @staticmethod
    def _match(audit: Audit, report: InspectionReport) -> None:
        problems = []
        if report.catalog != audit.catalog_id or report.catalog_version != audit.catalog_version:
            problems.append(
                f"it used {report.catalog} v{report.catalog_version}, the audit follows "
                f"{audit.catalog_id} v{audit.catalog_version}"
            )
        if report.as_of != audit.as_of.isoformat():
            problems.append(f"its as-of date is {report.as_of}, the audit's is {audit.as_of}")
        if report.firm_id is not None and report.firm_id != audit.firm_id:
            problems.append(f"its evidence is firm {report.firm_id}'s, the audit is firm {audit.firm_id}'s")
        if problems:
            raise AuditError("this run does not belong to audit " + f"{audit.id}: " + "; ".join(problems))


@dataclass(frozen=True)
class RowQuery:
    """Which offending rows to show: a run (default the latest), a text to look for, only uncompensated."""

    run_id: int | None = None
    text: str = ""
    open_only: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class OffendingPage:
    run_id: int
    total: int  # the check's offending rows in the run
    matched: int  # of those, the rows the filter matches
    rows: list[dict[str, Any]]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _row_filter(query: RowQuery) -> tuple[Any, ...]:
    where: list[Any] = []
    text = query.text.strip()
    if text:
        pattern = _like(text)
        where.append(or_(
            func.lower(OffendingRow.subject).like(pattern, escape="\\"),
            func.lower(OffendingRow.source_file).like(pattern, escape="\\"),
            func.lower(OffendingRow.data).like(pattern, escape="\\"),
        ))  # fmt: skip
    if query.open_only:
        where.append(OffendingRow.compensated_by.is_(None))
    return tuple(where)


def _one_run(folder: Path, shown: Path) -> None:
    """findings.json and evidence/manifest.json must name the same inspection run: a folder mixed from two
    runs would record one run's findings against another's evidence."""
    try:
        report = InspectionReport.model_validate_json((folder / "findings.json").read_bytes())
        manifest = EvidenceStore(folder / "evidence").read_manifest()
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"{shown} is not a readable inspection result folder: {str(exc).splitlines()[0]}") from None
    mixed = result_folder.mixed_runs(shown, report, manifest)
    if mixed:
        raise EvidenceError(f"{mixed}; nothing attached: inspect the evidence again into a new folder")


def _engine(report: InspectionReport, manifest: Manifest) -> str | None:
    """The engine that ran the checks (findings.json 1.2 and the manifest name it; a folder written
    before either did records NULL, shown as unknown, never guessed)."""
    ref = report.engine or manifest.engine
    if ref is None:
        return None
    if ref.name not in ENGINES:
        raise EvidenceError(f"findings.json names the engine {ref.name!r}, not one of {', '.join(ENGINES)}")
    return ref.name


def _evidence(manifest: Manifest, store: EvidenceStore) -> list[RunEvidence]:
    """The run's evidence files, then what it keeps beside them (probe side files, parse reports), so the
    trail and the sign-off vouch for every file of the run."""
    files = [
        RunEvidence(
            dataset=e.dataset,
            sha256=e.sha256,
            original_name=e.original_name,
            size_bytes=e.size_bytes,
            rows=e.rows,
            effective_date=e.effective_date,
        )
        for e in manifest.files
    ]
    files += [
        RunEvidence(dataset=KEPT_PROBE_FILE, sha256=a.sha256, original_name=a.name, size_bytes=a.size_bytes, rows=0)
        for a in manifest.attachments
    ]
    for e in manifest.files:
        report = store.parse_report_path(e.sha256)
        if e.dataset == RAW_EXPORT and report.is_file():  # a result folder from before parse reports has none
            files.append(RunEvidence(dataset=KEPT_PARSE_REPORT, sha256=sha256_of(report), original_name=report.name,
                                     size_bytes=report.stat().st_size, rows=0))
    return files


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
