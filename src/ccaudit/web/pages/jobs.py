"""Inspection runs started from the browser: `AuditService.run_uploaded` (import, every check, then the
run attached in one transaction, exactly as `ccaudit audit run`) in a worker thread, never in the
request. The page polls the job's progress.

The job's state and progress live in the database (table web_run_jobs, migration 0007), so with
`ccaudit serve --workers N` any process answers a poll, lists an audit's jobs or refuses a second run of
the same audit, whichever process started it. The process that accepted the job runs it, in its one run
thread (its runs take turns; two processes may each run one). One audit has at most one job queued or
running: a partial unique index decides, across processes, in the database.

The running process writes its progress (at most about once a second, and at every change of stage or
state) and a heartbeat every HEARTBEAT seconds. A job whose process has not said a word for STALE seconds
(the server was stopped or killed) is shown as failed and no longer blocks a new run; the service records
a run whole or not at all, and removes what a killed run left at the next run."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, cast

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ccaudit.audit.errors import NotFoundError, WorkflowError
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.models import WebRunJob
from ccaudit.errors import CcauditError
from ccaudit.textsafe import visible

log = logging.getLogger("ccaudit.web.jobs")
State = Literal["queued", "running", "done", "failed"]
KEEP = 200  # jobs listed per audit (newest first)
HEARTBEAT = 15.0  # seconds between a running job's signs of life
STALE = 600.0  # seconds without one: the process running it is gone (SQLite: a long attach holds the write lock)
PROGRESS_EVERY = 1.0  # seconds between progress writes within a stage
GONE = "the server process running this job stopped before it finished; the run was not attached"


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


def _worker_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


class RunJobs:
    """The app's run jobs (one object per server process; the state is the database's)."""

    def __init__(self, service: AuditService) -> None:
        self.service = service
        self.db = service.db
        self.worker = _worker_name()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccaudit-run")

    def start(self, actor: str, audit_id: int) -> RunJob:
        """Queue a run of the audit's uploaded evidence; refused at once (not in the worker) when the
        actor may not attach runs, the audit is not a draft, or a run of it is already under way (in any
        server process)."""
        self.service.runs.require_run_allowed(actor, audit_id)
        now = self.service.clock()
        job_id = uuid.uuid4().hex
        try:
            with self.db.transaction() as s:
                for stale in s.scalars(select(WebRunJob).where(WebRunJob.audit_id == audit_id,
                                                               WebRunJob.finished_at.is_(None))):  # fmt: skip
                    if self._gone(stale, now):  # its process died: close it so it no longer blocks
                        stale.state, stale.error, stale.finished_at = "failed", GONE, now
                s.flush()
                s.add(WebRunJob(id=job_id, audit_id=audit_id, actor=actor, state="queued", stage="", label="",
                                done=0, total=0, counts="{}", worker=self.worker, started_at=now, updated_at=now))
        except IntegrityError:
            busy = self._unfinished(audit_id)
            by = f" (started by {busy.actor})" if busy else ""
            raise WorkflowError(f"an inspection run of audit {audit_id} is already under way{by}; wait for it to "
                                "finish") from None  # fmt: skip
        self._pool.submit(self._work, job_id, actor, audit_id)
        return self.get(audit_id, job_id)

    def get(self, audit_id: int, job_id: str) -> RunJob:
        with self.db.read() as s:
            row = s.get(WebRunJob, job_id[:32])
            if row is None or row.audit_id != audit_id:
                raise NotFoundError(f"no inspection run job {job_id[:12]!r} for audit {audit_id} (the audit's "
                                    "runs are listed on its evidence page)")  # fmt: skip
            return self._job(row)

    def of_audit(self, audit_id: int) -> list[RunJob]:
        with self.db.read() as s:
            rows = s.scalars(select(WebRunJob).where(WebRunJob.audit_id == audit_id)
                             .order_by(WebRunJob.started_at.desc(), WebRunJob.id).limit(KEEP))  # fmt: skip
            return [self._job(r) for r in rows]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- the worker thread --------------------------------------------------------------------------

    def _work(self, job_id: str, actor: str, audit_id: int) -> None:
        self._write(job_id, state="running")
        last: dict[str, float | str] = {"at": 0.0, "stage": ""}
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job_id, stop), daemon=True,
                                name=f"ccaudit-run-beat-{job_id[:8]}")  # fmt: skip
        beat.start()

        def progress(stage: str, label: str, done: int, total: int) -> None:
            now = time.monotonic()
            if stage == last["stage"] and now - float(last["at"]) < PROGRESS_EVERY and done < total:
                return
            last["at"], last["stage"] = now, stage
            self._write(job_id, stage=stage[:32], label=label, done=done, total=total)

        try:
            info = self.service.run_uploaded(actor, audit_id, progress)
        except CcauditError as exc:
            final: dict[str, object] = {"error": visible(str(exc)), "state": "failed"}
        except Exception:  # a bug, not the user's input: logged without firm data, told as such
            log.exception("inspection run job %s of audit %s failed", job_id, audit_id)
            final = {"error": "internal error: the run was not attached (see the server log)", "state": "failed"}
        else:
            final = {"run_id": info.run_id, "counts": json.dumps(dict(info.counts), sort_keys=True), "state": "done"}
        finally:
            stop.set()
        self._write(job_id, finished_at=self.service.clock(), **final)

    def _heartbeat(self, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT):
            self._write(job_id)

    def _write(self, job_id: str, **values: object) -> None:
        """Record the job's progress (and that its process is alive). A busy database delays a progress
        line, never the run: a failed write is logged and the next one catches up; the final one is retried."""
        values["updated_at"] = self.service.clock()
        for attempt in range(5 if "state" in values else 1):
            try:
                with self.db.transaction() as s:
                    s.execute(update(WebRunJob).where(WebRunJob.id == job_id).values(**values))
                return
            except (CcauditError, SQLAlchemyError) as exc:
                log.warning("run job %s: progress not recorded (%s)", job_id, type(exc).__name__)
                time.sleep(0.2 * (attempt + 1))

    # --- reading -------------------------------------------------------------------------------------

    def _unfinished(self, audit_id: int) -> RunJob | None:
        with self.db.read() as s:
            row = s.scalar(select(WebRunJob).where(WebRunJob.audit_id == audit_id, WebRunJob.finished_at.is_(None)))
            return self._job(row) if row is not None else None

    def _gone(self, row: WebRunJob, now: dt.datetime) -> bool:
        return row.finished_at is None and (now - row.updated_at).total_seconds() > STALE

    def _job(self, row: WebRunJob) -> RunJob:
        gone = self._gone(row, self.service.clock())
        counts = json.loads(row.counts or "{}")
        return RunJob(
            id=row.id, audit_id=row.audit_id, actor=row.actor, started_at=row.started_at,
            state="failed" if gone else cast(State, row.state), stage=row.stage, label=row.label, done=row.done,
            total=row.total, error=GONE if gone else row.error, run_id=row.run_id,
            counts={str(k): int(v) for k, v in counts.items()},
            finished_at=(row.updated_at if gone else row.finished_at),
        )  # fmt: skip
