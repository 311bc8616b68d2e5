"""Inspection runs started from the browser with several server processes (`ccaudit serve --workers N`): the
job lives in the database, so a second app instance on the same database answers its progress, lists it
and refuses a second run of the audit while it is under way; a job whose process died stops blocking."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.models import WebRunJob
from ccaudit.errors import EvidenceError
from ccaudit.web.app import create_app
from ccaudit.web.pages.jobs import STALE

from .conftest import Env, token


@pytest.fixture
def second(env: Env) -> Iterator[FastAPI]:
    """Another app instance (as another worker process would be) on the same database and data folder."""
    svc = AuditService.open(env.settings, env.clock)
    app = create_app(env.settings, svc, env.clock)
    yield app
    jobs = getattr(app.state, "pages_jobs", None)
    if jobs is not None:
        jobs.shutdown()
    svc.close()


def as_on(app: FastAPI, client: TestClient) -> TestClient:
    """The same browser (its session cookie) talking to another instance."""
    other = TestClient(app, base_url="https://testserver", follow_redirects=False)
    other.cookies.update(client.cookies)
    return other


def state_of(html: str) -> str:
    return html.split('data-state="')[1].split('"')[0]


def test_a_run_started_on_one_instance_is_polled_and_guarded_on_another(
    env: Env, second: FastAPI, demo_evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(demo_evidence, env.service.evidence_folders.folder(env.audit_id))
    gate = threading.Event()
    run_uploaded = env.service.run_uploaded

    def held(*args: Any, **kwargs: Any) -> Any:  # the first instance's run waits until the test lets it go
        assert gate.wait(600)
        return run_uploaded(*args, **kwargs)

    monkeypatch.setattr(env.service, "run_uploaded", held)
    alice = env.login("alice")  # logged in on the first instance
    page = alice.get(f"/audits/{env.audit_id}/evidence").text
    started = alice.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(page)})
    assert started.status_code == 303
    job_url = started.headers["location"]
    with as_on(second, alice) as there:
        polled = there.get(job_url, headers={"HX-Request": "true"})
        assert polled.status_code == 200 and state_of(polled.text) in ("queued", "running")
        listed = there.get(f"/api/v1/audits/{env.audit_id}/runs/jobs")
        assert listed.status_code == 200 and [j["job_id"] for j in listed.json()] == [job_url.rsplit("/", 1)[1]]
        page_there = there.get(f"/audits/{env.audit_id}/evidence").text
        again = there.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(page_there)})
        assert again.status_code == 409 and "already under way" in again.text
        gate.set()
        deadline = time.monotonic() + 600  # a bound on waiting, not a speed requirement
        while time.monotonic() < deadline:
            polled = there.get(job_url, headers={"HX-Request": "true"})
            if state_of(polled.text) in ("done", "failed"):
                break
            time.sleep(0.3)
        assert state_of(polled.text) == "done", polled.text
        assert 'data-testid="run-done"' in polled.text
    snap = env.service.snapshot(env.audit_id)
    assert snap.runs[-1].attached_by == "alice"


def test_a_job_whose_process_stopped_is_shown_failed_and_no_longer_blocks(
    env: Env, second: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_ago = env.clock.now - dt.timedelta(seconds=STALE + 60)
    with env.service.db.transaction() as s:  # what a killed worker process leaves behind
        s.add(WebRunJob(id="d" * 32, audit_id=env.audit_id, actor="alice", state="running", stage="checks",
                        label="", done=3, total=30, counts="{}", worker="gone:1", started_at=long_ago,
                        updated_at=long_ago))  # fmt: skip
    alice = env.login("alice")
    shown = alice.get(f"/audits/{env.audit_id}/runs/{'d' * 32}", headers={"HX-Request": "true"})
    assert shown.status_code == 200 and state_of(shown.text) == "failed" and "stopped" in shown.text

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise EvidenceError("audit has no uploaded evidence: upload the firm's files first")

    monkeypatch.setattr(second.state.web.service, "run_uploaded", refused)
    with as_on(second, alice) as there:
        page = there.get(f"/audits/{env.audit_id}/evidence").text
        started = there.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(page)})
        assert started.status_code == 303  # not "already under way"
        deadline = time.monotonic() + 600  # a bound on waiting, not a speed requirement
        while time.monotonic() < deadline:
            polled = alice.get(started.headers["location"], headers={"HX-Request": "true"})  # the first instance
            if state_of(polled.text) in ("done", "failed"):
                break
            time.sleep(0.1)
        assert state_of(polled.text) == "failed" and "upload the firm" in polled.text
