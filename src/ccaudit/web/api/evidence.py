"""Evidence uploads, inspection runs and report downloads, as the pages do them and with the same code:
uploads go through AuditService.upload_evidence (name, size, type and content checked, then the whole
folder through the CLI's importer; a file is kept or refused whole, with its problems located by file,
row and column), runs through the app's one run worker (ccaudit.web.pages.jobs, shared with the pages:
one run per audit at a time, never in the request), reports through reports.generate."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from fastapi import Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ccaudit.audit.errors import AuditError
from ccaudit.audit.snapshot import RunSnap
from ccaudit.audit.workflow.evidence_folder import StoredFile, UploadOutcome
from ccaudit.errors import EvidenceValidationError, ValidationIssue
from ccaudit.evidence.upload_check import UploadRefused
from ccaudit.reports.generate import FORMATS, OUTPUT_NAMES, generate
from ccaudit.textsafe import visible
from ccaudit.web.api.auth import Audit, Service
from ccaudit.web.api.problems import PROBLEM_TYPE, Problem
from ccaudit.web.api.routing import api_router
from ccaudit.web.pages.jobs import RunJob
from ccaudit.web.routes.evidence import run_jobs
from ccaudit.web.routes.reports import MEDIA, ascii_part

router = api_router(["evidence and runs"])
MAX_FILES = 20

FileName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f\x7f]+$")]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
ReportFormat = Literal["xlsx", "deficiencies", "html", "pdf", "json", "csv", "oscal"]
assert set(FORMATS) == set(ReportFormat.__args__)  # type: ignore[attr-defined]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoredFileOut(_Out):
    name: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime
    dataset: str | None


class UploadedOut(_Out):
    name: str
    stored: StoredFileOut
    dataset: str | None
    rows: int | None
    replaced: bool
    warnings: list[str]


class RunJobOut(_Out):
    job_id: str
    audit_id: int
    started_by: str
    state: Literal["queued", "running", "done", "failed"]
    stage: str = Field(description="import or checks")
    label: str = Field(description="the file or check at work")
    done: int
    total: int
    percent: int
    error: str | None
    run_id: int | None = Field(description="the run attached to the audit, once done")
    counts: dict[str, int]
    started_at: dt.datetime
    finished_at: dt.datetime | None


class RefusedUploads(EvidenceValidationError):
    """Some uploaded files refused: a 422 problem naming them, with every issue located."""

    def __init__(self, issues: list[ValidationIssue], truncated: bool, detail: str) -> None:
        self.detail = detail
        super().__init__(issues, truncated)

    def _render(self) -> str:
        return self.detail


def _stored(f: StoredFile) -> StoredFileOut:
    return StoredFileOut(name=visible(f.name), size_bytes=f.size_bytes, sha256=f.sha256, uploaded_at=f.uploaded_at,
                         dataset=f.dataset)  # fmt: skip


def _job(job: RunJob) -> RunJobOut:
    return RunJobOut(
        job_id=job.id, audit_id=job.audit_id, started_by=job.actor, state=job.state, stage=job.stage,
        label=visible(job.label), done=job.done, total=job.total, percent=job.percent, error=job.error,
        run_id=job.run_id, counts=dict(job.counts), started_at=job.started_at, finished_at=job.finished_at,
    )  # fmt: skip


@router.get("/audits/{audit_id}/evidence", response_model=list[StoredFileOut], summary="The uploaded evidence files")
def list_evidence(audit: Audit, svc: Service) -> list[StoredFileOut]:
    return [_stored(f) for f in svc.uploaded_evidence(audit.actor, audit.id)]


MULTIPART: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": 20}
                    },
                }
            }
        },
    }
}


TOO_LARGE = {
    "model": Problem,
    "description": "larger than CCAUDIT_WEB_MAX_UPLOAD_MB (+1 MiB) in all",
    "content": {PROBLEM_TYPE: {}},
}


@router.post(
    "/audits/{audit_id}/evidence",
    response_model=list[UploadedOut],
    summary="Upload evidence files (multipart field `files`): each kept only if the folder still imports with it",
    description="All kept: 200 with each file. Any refused: 422 with every problem located (file, row, column, "
    "value, expected); the files that passed are kept, the others not. Larger than CCAUDIT_WEB_MAX_UPLOAD_MB: 413.",
    openapi_extra=MULTIPART,
    responses={413: TOO_LARGE},
)
async def upload_evidence(request: Request, audit: Audit, svc: Service) -> list[UploadedOut]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise AuditError("send the files as multipart/form-data, in the field `files` (curl -F files=@FILE)")
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 5)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise AuditError("no file: send each evidence file in the multipart field `files`")
    outcomes: list[UploadOutcome] = []
    for item in files:
        try:
            item.file.seek(0)
            outcomes.append(await run_in_threadpool(svc.upload_evidence, audit.actor, audit.id, item.filename or "",
                                                    item.file))  # fmt: skip
        except (UploadRefused, EvidenceValidationError) as exc:  # the file, not the caller or the audit
            name = visible(item.filename or "")
            outcomes.append(UploadOutcome(name=name, issues=[ValidationIssue(file=name, message=str(exc))]))
        finally:
            await item.close()
    refused = [o for o in outcomes if o.stored is None]
    if refused:
        kept = [o.name for o in outcomes if o.stored is not None]
        issues = [i for o in refused for i in o.issues]
        named = ", ".join(visible(o.name) for o in refused)
        detail = f"{len(refused)} of {len(outcomes)} file(s) refused, nothing of them kept: {named}"
        detail += f"; kept: {', '.join(kept)}" if kept else ""
        raise RefusedUploads(issues, any(o.truncated for o in refused), detail)
    return [
        UploadedOut(
            name=visible(o.name),
            stored=_stored(o.stored),
            dataset=o.dataset,
            rows=o.rows,
            replaced=o.replaced,
            warnings=[visible(w) for w in o.warnings],
        )
        for o in outcomes
        if o.stored is not None
    ]


@router.delete(
    "/audits/{audit_id}/evidence/{name}", response_model=list[StoredFileOut], summary="Remove an uploaded file"
)
def remove_evidence(audit: Audit, name: FileName, svc: Service) -> list[StoredFileOut]:
    svc.remove_evidence(audit.actor, audit.id, name)
    return [_stored(f) for f in svc.uploaded_evidence(audit.actor, audit.id)]


@router.get("/audits/{audit_id}/runs", response_model=list[RunSnap], summary="The inspection runs attached")
def list_runs(audit: Audit, svc: Service) -> list[RunSnap]:
    return list(svc.snapshot(audit.id, audit.actor).runs)


@router.post(
    "/audits/{audit_id}/runs",
    response_model=RunJobOut,
    status_code=202,
    summary="Inspect the uploaded evidence and attach the run (in the background; poll the job)",
)
def start_run(request: Request, audit: Audit) -> RunJobOut:
    return _job(run_jobs(request).start(audit.actor, audit.id))


@router.get("/audits/{audit_id}/runs/jobs", response_model=list[RunJobOut],
            summary="The audit's run jobs, newest first")
def list_jobs(request: Request, audit: Audit, svc: Service) -> list[RunJobOut]:
    svc.require_read(audit.actor, audit.id)
    return [_job(j) for j in run_jobs(request).of_audit(audit.id)]


@router.get("/audits/{audit_id}/runs/jobs/{job_id}", response_model=RunJobOut, summary="A run job's progress")
def get_job(request: Request, audit: Audit, job_id: JobId, svc: Service) -> RunJobOut:
    svc.require_read(audit.actor, audit.id)
    return _job(run_jobs(request).get(audit.id, job_id))


REPORT_CONTENT = {"content": {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                              for media in sorted(set(MEDIA.values()))}}  # fmt: skip


@router.get(
    "/audits/{audit_id}/reports/{fmt}",
    response_class=FileResponse,
    responses={200: {"description": "the report (csv and oscal: a ZIP of the folder)", **REPORT_CONTENT}},
    summary="Download a report: xlsx, deficiencies, html, pdf, json, csv or oscal",
)
def download_report(
    audit: Audit,
    fmt: ReportFormat,
    svc: Service,
    lang: Annotated[Literal["en", "zh-TW"], Query()] = "zh-TW",
) -> FileResponse:
    from ccaudit.reports.from_audit import open_audit

    settings = svc.settings.model_copy(update={"user": audit.actor})
    work = Path(tempfile.mkdtemp(prefix="ccaudit-api-report-"))
    try:
        with open_audit(audit.id, settings, service=svc) as inp:
            generate(inp, [fmt], work / "out", lang, settings)
            stem = f"ccaudit-{ascii_part(inp.data.firm_id or 'firm')}-{inp.data.year or ''}-audit{audit.id}"
        produced = work / "out" / OUTPUT_NAMES[fmt]
        if produced.is_dir():
            target, name = work / f"{stem}-{fmt}.zip", f"{stem}-{fmt}.zip"
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(produced.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        archive.write(path, path.relative_to(produced).as_posix())
        else:
            target, name = produced, f"{stem}-{OUTPUT_NAMES[fmt]}"
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(target, media_type=MEDIA[fmt], filename=name,
                        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))  # fmt: skip
