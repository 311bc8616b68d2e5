"""The audit's evidence page: the files uploaded into its evidence folder, the upload form (checked by
name, size, type and content, then by the same importer as the CLI, with its row-level problems shown),
the runs attached so far, and inspection runs started from the page with their progress."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ccaudit.audit.workflow.evidence_folder import UploadBatch
from ccaudit.errors import CcauditError
from ccaudit.web.deps import CurrentUser, Service, WebUser
from ccaudit.web.pages.forms import refusal, status_of
from ccaudit.web.pages.jobs import RunJobs
from ccaudit.web.pages.views import Can, day, instant
from ccaudit.web.render import render

router = APIRouter(include_in_schema=False)
MAX_FILES = 20
_jobs_lock = threading.Lock()


def run_jobs(request: Request) -> RunJobs:
    """The app's run worker, made on first use."""
    with _jobs_lock:
        jobs: RunJobs | None = getattr(request.app.state, "pages_jobs", None)
        if jobs is None:
            jobs = RunJobs(request.app.state.web.service)
            request.app.state.pages_jobs = jobs
        return jobs


def _page(
    request: Request, svc: Service, user: WebUser, audit_id: int, *, outcome: UploadBatch | None = None,
    error: str | None = None, status: int = 200, done: str | None = None,
) -> Response:
    snap = svc.snapshot(audit_id, user.id)
    context = {
        "snap": snap, "files": svc.uploaded_evidence(user.id, audit_id), "outcome": outcome,
        "error": error, "done": done if done in ("removed",) else None,
        "can": Can.of(svc, user.id, user.is_superuser, snap),
        "jobs": run_jobs(request).of_audit(audit_id), "day": day, "instant": instant,
        "max_mb": svc.settings.web_max_upload_mb,
    }  # fmt: skip
    return render(request, "pages/evidence.html", context, status_code=status)


@router.get("/audits/{audit_id}/evidence")
def evidence(request: Request, audit_id: int, user: CurrentUser, svc: Service, done: str | None = None) -> Response:
    return _page(request, svc, user, audit_id, done=done)


@router.post("/audits/{audit_id}/evidence")
async def upload(request: Request, audit_id: int, user: CurrentUser, svc: Service) -> Response:
    """One or more files (field `files`), checked together: every one kept, or none."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form(max_files=MAX_FILES, max_fields=10)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and (f.filename or f.size)]
    if not files:
        return _page(request, svc, user, audit_id, error=_say(request, "pg_upload_none"), status=400)
    try:
        for item in files:
            item.file.seek(0)
        outcome = await run_in_threadpool(  # the import takes seconds: off the event loop
            svc.upload_evidence_files, user.id, audit_id, [(item.filename or "", item.file) for item in files])
    except CcauditError as exc:
        return _page(request, svc, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    finally:
        for item in files:
            await item.close()
    return _page(request, svc, user, audit_id, outcome=outcome, status=200 if outcome.ok else 422)


def _say(request: Request, key: str) -> str:
    from ccaudit.web.deps import lang_for

    return str(request.app.state.web.texts.say(key, lang_for(request)))


@router.post("/audits/{audit_id}/evidence/remove")
def remove(
    request: Request, audit_id: int, user: CurrentUser, svc: Service, name: Annotated[str, Form(max_length=400)]
) -> Response:
    try:
        svc.remove_evidence(user.id, audit_id, name)
    except CcauditError as exc:
        return _page(request, svc, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return RedirectResponse(f"/audits/{int(audit_id)}/evidence?done=removed", status_code=303)


@router.post("/audits/{audit_id}/runs")
def start_run(request: Request, audit_id: int, user: CurrentUser, svc: Service) -> Response:
    try:
        job = run_jobs(request).start(user.id, audit_id)
    except CcauditError as exc:
        return _page(request, svc, user, audit_id, error=refusal(request, exc), status=status_of(exc))
    return RedirectResponse(f"/audits/{int(audit_id)}/runs/{job.id}", status_code=303)


@router.get("/audits/{audit_id}/runs/{job_id}")
def run_progress(request: Request, audit_id: int, job_id: str, user: CurrentUser, svc: Service) -> Response:
    """The run's progress: the whole page, or (htmx polling) only its status panel."""
    svc.require_read(user.id, audit_id)
    job = run_jobs(request).get(audit_id, job_id[:64])
    name = "pages/_run_status.html" if request.headers.get("hx-request") else "pages/run.html"
    snap = svc.snapshot(audit_id, user.id) if name == "pages/run.html" else None
    return render(request, name, {"job": job, "snap": snap, "audit_id": audit_id, "day": day, "instant": instant})
