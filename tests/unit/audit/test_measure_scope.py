"""A compensating measure covers only the checks and subjects it names, on SQLite and PostgreSQL: a
measure written for one cloud service's recovery time does not turn all of 12.1.1 compensated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ccaudit.audit.errors import AuditError
from ccaudit.audit.service import AuditService
from ccaudit.findings.models import Status
from ccaudit.reports.from_audit import from_snapshot
from ccaudit.reports.from_result_dir import Labels

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team, sign

AS_OF = dt.date(2026, 11, 30)
APPROVED, REVIEW = dt.date(2026, 9, 1), dt.date(2027, 12, 31)
# 12.1.1: five checks; the RTO check fails for three services (the fake rows' subjects), four others fail too
FAILING = {
    "cloud_provider_rto_meets_requirement": 3,
    "cloud_user_policy_covers_topics": 1,
    "cloud_service_selection_assessed": 1,
    "cloud_service_audited_within_year": 1,
    "cloud_service_backup_defined": 1,
}
RTO = "cloud_provider_rto_meets_requirement"


@pytest.fixture
def audit(team: Team, tmp_path: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "r", FAILING))
    return audit_id


def measure(svc: AuditService, audit_id: int, ref: str, **scope: Any) -> int:
    return svc.add_measure(
        "alice", audit_id, ref, "Weekly restore test until the provider commits to an RTO",
        ["12.1.1"], "CISO Wang", APPROVED, REVIEW, **scope,
    )  # fmt: skip


def test_a_measure_for_one_service_covers_that_service_only(team: Team, audit: int) -> None:
    svc = team.service
    measure(svc, audit, "CM-2026-09", checks=[RTO], subjects=["user000000"])
    req = svc.snapshot(audit).requirement("12.1.1")
    assert req.result is Status.NON_COMPLIANT  # four other checks and two other services still fail
    texts = req.reason_texts()
    assert f"{RTO}: 1 offending row(s) covered by compensating measure CM-2026-09" in texts
    assert f"{RTO}: 2 offending row(s) not covered by any compensating measure" in texts
    for other in FAILING.keys() - {RTO}:
        assert f"{other}: 1 offending row(s) not covered by any compensating measure" in texts

    # covering the rest, check by check, compensates it; the reasons say which measure covers what
    measure(svc, audit, "CM-2026-10", checks=[RTO], subjects=["user000001", "user000002"])
    measure(svc, audit, "CM-2026-11", checks=sorted(FAILING.keys() - {RTO}))
    req = svc.snapshot(audit).requirement("12.1.1")
    assert req.result is Status.COMPENSATED
    assert f"{RTO}: 3 offending row(s) covered by compensating measure CM-2026-09, CM-2026-10" in req.reason_texts()
    assert not any("not covered" in t for t in req.reason_texts())
    zh = req.reason_texts("zh-TW")
    assert any("補償性措施 CM-2026-11 涵蓋" in t for t in zh)


def test_a_measure_must_say_what_it_covers(team: Team, audit: int) -> None:
    svc = team.service
    with pytest.raises(AuditError, match="must say what it covers"):
        measure(svc, audit, "CM-1")
    with pytest.raises(AuditError, match=r"remote_login_used_mfa is not a check of 12\.1\.1"):
        measure(svc, audit, "CM-1", checks=["remote_login_used_mfa"])
    with pytest.raises(AuditError, match="name no --check"):
        measure(svc, audit, "CM-1", checks=[RTO], whole_requirement=True)
    assert svc.snapshot(audit).measures == []
    measure(svc, audit, "CM-1", whole_requirement=True)  # said explicitly: it covers every check
    snap = svc.snapshot(audit)
    assert snap.requirement("12.1.1").result is Status.COMPENSATED
    assert snap.measures[0].whole_requirement is True and snap.measures[0].checks == []
    assert svc.verify().ok


def test_an_attested_gap_needs_a_whole_requirement_measure(team: Team, audit: int) -> None:
    svc = team.service
    svc.attest("alice", audit, "12.5.9", "not_met", "Lin, CISO", dt.date(2026, 11, 20))
    svc.add_measure("alice", audit, "CM-T", "Interim briefing", ["12.5.9"], "CISO", APPROVED, REVIEW,
                    checks=["remote_workers_trained_within_year"])  # fmt: skip
    req = svc.snapshot(audit).requirement("12.5.9")
    assert req.result is Status.NON_COMPLIANT
    assert any("CM-T covers only some checks and does not compensate it" in t for t in req.reason_texts())


def test_scope_is_recorded_carried_over_signed_and_reported(team: Team, audit: int) -> None:
    svc = team.service
    measure(svc, audit, "CM-2026-09", checks=[RTO], subjects=["user000000"])
    snap = svc.snapshot(audit)
    (m,) = snap.measures
    assert m.whole_requirement is False and [(c.check_id, c.subjects) for c in m.checks] == [(RTO, ["user000000"])]
    row = next(r for r in from_snapshot(snap, Labels(None, {})).requirements if r.id == "12.1.1")
    assert row.compensating_measures[0].endswith(f"covers {RTO}: user000000")
    sign(team, audit)
    assert svc.verify().ok
    new, _ = svc.carry_over("alice", audit)
    (carried,) = svc.snapshot(new).measures
    assert carried.checks == m.checks and carried.whole_requirement is False


def test_measures_recorded_before_scopes_still_cover_their_requirement(team: Team, audit: int) -> None:
    """A database migrated from before: whole_requirement NULL reads as the whole requirement, and the
    measure's recorded state (what verify compares with the trail) has no scope keys."""
    from sqlalchemy import update

    from ccaudit.audit.integrity.state import state
    from ccaudit.audit.storage.models import Measure

    svc = team.service
    measure_id = measure(svc, audit, "CM-OLD", whole_requirement=True)
    with svc.db.transaction() as s:  # as migration 0004 leaves a measure recorded before it
        s.execute(update(Measure).where(Measure.id == measure_id).values(whole_requirement=None))
    with svc.db.read() as s:
        recorded = state(s, s.get(Measure, measure_id))
    assert "whole_requirement" not in recorded and "checks" not in recorded
    svc.update_measure("alice", measure_id, dt.date(2028, 1, 31))  # re-derives with the NULL
    snap = svc.snapshot(audit)
    assert snap.requirement("12.1.1").result is Status.COMPENSATED
    assert "whole_requirement" not in snap.model_dump(mode="json")["measures"][0]
