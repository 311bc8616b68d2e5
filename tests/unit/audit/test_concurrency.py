"""Two auditors on one audit at once: nothing is lost, and a stale write is a clear conflict."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from ccaudit.audit.errors import ConflictError
from ccaudit.audit.service import AuditService
from ccaudit.settings import Settings

from .conftest import FIRM, Team

AS_OF = dt.date(2026, 11, 30)


def _two_auditors(team: Team, result_dir: Path) -> int:
    svc = team.service
    svc.add_user("admin", "dave", "Dave")
    svc.grant("admin", "dave", FIRM, "auditor")
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    return audit_id


def test_concurrent_writers_lose_nothing(team: Team, result_dir: Path, settings: Settings) -> None:
    audit_id = _two_auditors(team, result_dir)
    item = team.service.snapshot(audit_id).remediation[0].item_id
    errors: list[BaseException] = []

    def work(user: str) -> None:
        svc = AuditService.open(settings)
        try:
            for i in range(8):
                svc.update_remediation(user, item, note=f"{user} note {i}")
                svc.assess(user, audit_id, "12.5.6")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            svc.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in ("alice", "dave")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    notes = team.service.snapshot(audit_id).remediation[0].notes
    assert len(notes) == 16 and sum("alice note" in n for n in notes) == 8
    assert team.service.verify().ok


def test_a_racing_stale_write_is_a_conflict(team: Team, result_dir: Path, settings: Settings) -> None:
    audit_id = _two_auditors(team, result_dir)
    seen = team.service.assessment_versions(audit_id)["12.5.5"]
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def work(user: str, verdict: str) -> None:
        svc = AuditService.open(settings)
        try:
            barrier.wait()
            svc.assess(user, audit_id, "12.5.5", verdict, f"{user}'s reading", expected_version=seen)
            outcome[user] = "saved"
        except ConflictError as exc:
            outcome[user] = str(exc)
        finally:
            svc.close()

    threads = [
        threading.Thread(target=work, args=("alice", "compliant")),
        threading.Thread(target=work, args=("dave", "observation")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v == "saved" for v in outcome.values()) == [False, True], outcome
    loser = next(v for v in outcome.values() if v != "saved")
    assert "changed by someone else" in loser and "reload it" in loser
    winner = next(u for u, v in outcome.items() if v == "saved")
    assert team.service.snapshot(audit_id).requirement("12.5.5").assessed_by == winner
