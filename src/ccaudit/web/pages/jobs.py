"""Inspection runs started from the browser: `AuditService.run_uploaded` (import, every check, then the
run attached in one transaction, exactly as `ccaudit audit run`) in a worker thread, never in the
request. The page polls the job's progress. One worker: runs take turns (the machine's cores are the
checks' to use), and one audit has at most one run queued or running.

Jobs live in memory: a restart forgets them, never half a run (the service records a run whole or not
at all, and removes what a killed run left at the next run)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from ccaudit.audit.errors import NotFoundError, WorkflowError
from ccaudit.audit.service import AuditService
from ccaudit.errors import CcauditError
from ccaudit.textsafe import visible

log = logging.getLogger("ccaudit.web.jobs")
State = Literal["queued", "running", "done", "failed"]
KEEP = 200  # finished jobs remembered (the oldest are forgotten first)


@dataclass
class RunJob:
    id: str
    audit_id: int
    actor: str
    started_at: dt.datetime
    state: State = "queued"
    stage: str = ""  # import | checks (the inspection's own stages)
    label: str = ""  # the file or check at work (firm data: escaped where shown)
    done: int = 0
    total: int = 0
    error: str | None = None
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    finished_at: dt.datetime | None = None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class RunJobs:
    def __init__(self, service: AuditService) -> None:
        self.service = service
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccaudit-run")
        self._jobs: dict[str, RunJob] = {}
        self._lock = threading.Lock()

    def start(self, actor: str, audit_id: int) -> RunJob:
        """Queue a run of the audit's uploaded evidence; refused at once (not in the worker) when the
        actor may not attach runs, the audit is not a draft, or a run of it is already under way."""
        self.service.runs.require_run_allowed(actor, audit_id)
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.audit_id == audit_id and not j.finished), None)
            if busy is not None:
                raise WorkflowError(f"an inspection run of audit {audit_id} is already under way (started by "
                                    f"{busy.actor}); wait for it to finish")  # fmt: skip
            job = RunJob(uuid.uuid4().hex, audit_id, actor, self.service.clock())
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._work, job)
        return job

    def get(self, audit_id: int, job_id: str) -> RunJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.audit_id != audit_id:
            raise NotFoundError(f"no inspection run job {job_id[:12]!r} for audit {audit_id} (jobs are forgotten "
                                "when the server restarts; the audit's runs are listed on its evidence page)")
        return job

    def of_audit(self, audit_id: int) -> list[RunJob]:
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.audit_id == audit_id), key=lambda j: j.started_at,
                          reverse=True)  # fmt: skip

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _work(self, job: RunJob) -> None:
        job.state = "running"

        def progress(stage: str, label: str, done: int, total: int) -> None:
            job.stage, job.label, job.done, job.total = stage, label, done, total

        try:
            info = self.service.run_uploaded(job.actor, job.audit_id, progress)
        except CcauditError as exc:
            job.error, job.state = visible(str(exc)), "failed"
        except Exception:  # a bug, not the user's input: logged without firm data, told as such
            log.exception("inspection run job %s of audit %s failed", job.id, job.audit_id)
            job.error, job.state = "internal error: the run was not attached (see the server log)", "failed"
        else:
            job.run_id, job.counts, job.state = info.run_id, dict(info.counts), "done"
        job.finished_at = self.service.clock()

    def _forget_old(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished), key=lambda j: j.started_at)
        for job in finished[: max(0, len(finished) - KEEP)]:
            del self._jobs[job.id]
