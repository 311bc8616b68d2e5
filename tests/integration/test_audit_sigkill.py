"""SIGKILL in the middle of attaching a run, of an inspection run (import + checks + recording) and
of a sign-off leaves the database consistent, with the operation either complete or absent.
Real `python -m ccaudit` subprocesses, killed at random points (seed printed for reproduction),
on SQLite and on PostgreSQL (CCAUDIT_TEST_PG_URL)."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.audit.audit_fakes import make_result_dir
from tests.unit.audit.conftest import PG_URL, _pg_database

from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

pytestmark = pytest.mark.slow
SEED = int(os.environ.get("CCAUDIT_KILL_SEED", str(random.SystemRandom().randrange(1 << 30))))
AS_OF = dt.date(2026, 11, 30)
ROWS = {"remote_login_used_mfa": 12_000, "remote_user_authorized": 3_000}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
    elif not PG_URL:
        pytest.skip("CCAUDIT_TEST_PG_URL is not set")
    else:
        yield from _pg_database(PG_URL)


class World:
    def __init__(self, tmp: Path, db_url: str) -> None:
        self.settings = Settings(data_dir=tmp / "data", db=db_url)
        self.svc = AuditService.open(self.settings)
        self.key = tmp / "bob.pem"
        self.env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp),
            "COLUMNS": "120",
            "CCAUDIT_DATA_DIR": str(self.settings.data_dir),
            "CCAUDIT_DB": db_url,
            "CCAUDIT_KEY_PATH": str(self.key),
        }
        svc = self.svc
        svc.add_user("admin", "admin", "Admin")
        svc.add_firm("admin", "9A00", "範例證券")
        for user, role in [("alice", "auditor"), ("bob", "reviewer")]:
            svc.add_user("admin", user, user)
            svc.grant("admin", user, "9A00", role)
        svc.register_key("bob", public_pem(generate_key(self.key).public_key()))
        self.audit_id = svc.open_audit("alice", "9A00", 2026, AS_OF)

    def start(self, user: str, *args: str | Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "ccaudit", *map(str, args)],
            env={**self.env, "CCAUDIT_USER": user},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def consistent(self) -> None:
        """verify passes: chain, every record against the trail, every run's offending rows complete."""
        report = self.svc.verify()
        assert report.ok, f"seed {SEED}: {report.problems}"

    def recorded_uids(self) -> set[str]:
        return {r.uid for r in self.svc.snapshot(self.audit_id).runs}


def kill(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=120)


def wait_for_new_run_folder(world: World, before: set[Path], proc: subprocess.Popen[bytes]) -> bool:
    """Until the run folder is renamed into place (the recording transaction starts right after)."""
    runs = world.settings.data_dir / "runs"
    while proc.poll() is None:
        fresh = [p for p in runs.glob("*") if not p.name.startswith(".") and p not in before] if runs.is_dir() else []
        if fresh:
            return True
        time.sleep(0.02)
    return False


def timed(proc: subprocess.Popen[bytes]) -> float:
    """How long a run takes on this machine, so the kills below land inside one, however fast it is."""
    start = time.monotonic()
    assert proc.wait(timeout=900) == 0, proc.stderr.read() if proc.stderr else ""
    return time.monotonic() - start


def test_killed_attach_is_all_or_nothing(tmp_path: Path, db_url: str) -> None:
    print(f"CCAUDIT_KILL_SEED={SEED}")
    rng = random.Random(SEED)
    world = World(tmp_path, db_url)
    result = make_result_dir(tmp_path / "result", offending=ROWS)
    took = timed(world.start("alice", "audit", "attach", world.audit_id, result))
    assert len(world.recorded_uids()) == 1
    for attempt in range(6):
        runs = world.settings.data_dir / "runs"
        before_dirs = set(runs.glob("*")) if runs.is_dir() else set()
        before = world.recorded_uids()
        proc = world.start("alice", "audit", "attach", world.audit_id, result)
        if attempt % 3 == 0:
            time.sleep(rng.uniform(0.0, took))  # anywhere: start-up, copying the folder, recording
        elif wait_for_new_run_folder(world, before_dirs, proc):
            time.sleep(rng.uniform(0.0, took / 3))  # inside the recording transaction (or just after it)
        code = kill(proc)
        world.consistent()
        new = world.recorded_uids() - before
        if code == 0:  # it finished before the kill: it must be recorded
            assert len(new) == 1, f"seed {SEED}: a finished attach is not recorded"
        else:
            assert code == -signal.SIGKILL and len(new) <= 1, f"seed {SEED}: exit {code}, new runs {new}"
        snap = world.svc.snapshot(world.audit_id)
        for run in snap.runs:  # whatever is recorded is whole
            counts = {
                c.check_id: c.offending_count
                for r in snap.requirements
                if r.run_id == run.run_id
                for c in r.checks
                if c.offending_count
            }
            assert counts in ({}, ROWS)
    before = world.recorded_uids()
    timed(world.start("alice", "audit", "attach", world.audit_id, result))
    assert len(world.recorded_uids() - before) == 1  # the database took writes again after the kills
    world.consistent()
    world.svc.close()


def test_killed_signoff_is_all_or_nothing(tmp_path: Path, db_url: str) -> None:
    print(f"CCAUDIT_KILL_SEED={SEED}")
    rng = random.Random(SEED + 1)
    world = World(tmp_path, db_url)
    svc = world.svc
    svc.attach_run("alice", world.audit_id, make_result_dir(tmp_path / "result", offending=ROWS))
    svc.confirm_derived("alice", world.audit_id)  # every requirement settled: sign-off refuses otherwise
    for item in svc.snapshot(world.audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", world.audit_id)
    for _ in range(5):
        proc = world.start("bob", "audit", "signoff", world.audit_id)
        time.sleep(rng.uniform(0.0, 3.0))
        kill(proc)
        world.consistent()
        snap = svc.snapshot(world.audit_id)
        assert (snap.status.value, bool(snap.signoff.digest)) in {("submitted", False), ("signed", True)}
        if snap.status.value == "signed":
            break
    else:
        proc = world.start("bob", "audit", "signoff", world.audit_id)
        assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    world.consistent()
    assert svc.snapshot(world.audit_id).status.value == "signed"
    svc.close()


def test_killed_inspection_run_is_all_or_nothing(tmp_path: Path, db_url: str) -> None:
    from ccaudit.demo.generator import generate

    print(f"CCAUDIT_KILL_SEED={SEED}")
    rng = random.Random(SEED + 2)
    world = World(tmp_path, db_url)
    generate(tmp_path / "demo", scale=0.02, as_of=AS_OF)
    evidence = tmp_path / "demo" / "evidence"
    took = timed(world.start("alice", "audit", "run", world.audit_id, evidence))
    assert len(world.recorded_uids()) == 1
    for _ in range(3):
        before = world.recorded_uids()
        proc = world.start("alice", "audit", "run", world.audit_id, evidence)
        time.sleep(rng.uniform(0.0, took))  # import, checks, or recording
        code = kill(proc)
        world.consistent()
        new = world.recorded_uids() - before
        if code == 0:  # it finished before the kill: it must be recorded, once
            assert len(new) == 1, f"seed {SEED}: a finished run is not recorded"
        else:
            assert code == -signal.SIGKILL and len(new) <= 1, f"seed {SEED}: exit {code}, new runs {new}"
    before = world.recorded_uids()
    timed(world.start("alice", "audit", "run", world.audit_id, evidence))
    assert len(world.recorded_uids() - before) == 1  # the database took writes again after the kills
    world.consistent()
    snap = world.svc.snapshot(world.audit_id)
    assert snap.runs and all(r.automated_status is not None for r in snap.requirements)
    world.svc.close()
