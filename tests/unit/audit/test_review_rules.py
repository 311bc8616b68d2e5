"""A review that is complete and independent, on SQLite and PostgreSQL: the careless or self-serving
steps a team could take are refused through the service, each with a message naming what to do."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ccaudit.audit.errors import AuditError, PermissionDeniedError, WorkflowError
from ccaudit.audit.integrity.signing import generate_key, load_private_key, public_pem
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.models import TrailEntry
from ccaudit.findings.messages import messages
from ccaudit.findings.models import Status
from ccaudit.reports.from_audit import from_snapshot
from ccaudit.reports.from_result_dir import Labels

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team, settle

AS_OF = dt.date(2026, 11, 30)
DUE = dt.date(2027, 3, 31)


def opened(team: Team, result_dir: Path) -> int:
    audit_id = team.service.open_audit("alice", FIRM, 2026, AS_OF)
    team.service.attach_run("alice", audit_id, result_dir)
    return audit_id


def assign_items(svc: AuditService, audit_id: int) -> None:
    for item in svc.snapshot(audit_id).remediation:
        if item.owner is None:
            svc.update_remediation("alice", item.item_id, owner="carol", due_date=DUE)


def test_an_audit_with_requirements_still_open_is_neither_submitted_nor_signed(team: Team, tmp_path: Path) -> None:
    svc = team.service
    result = make_result_dir(tmp_path / "r", {"remote_login_used_mfa": 2}, statuses={"12.5.7": Status.NEEDS_REVIEW})
    audit_id = opened(team, result)
    svc.assess("alice", audit_id, "12.5.5")
    svc.assess("alice", audit_id, "12.5.7")  # confirming needs_review does not settle it
    assign_items(svc, audit_id)
    with pytest.raises(WorkflowError) as refused:
        svc.submit("alice", audit_id)
    message = str(refused.value)
    open_ids = [o.requirement_id for o in svc.open_requirements("vic", audit_id)]
    assert len(open_ids) == 29 and "12.5.5" not in open_ids and "12.5.7" in open_ids
    assert f"{len(open_ids)} requirement(s) not settled" in message
    assert all(r in message for r in open_ids) and "12.5.7 (needs_review (confirmed))" in message
    assert f"ccaudit audit defer {audit_id} REQUIREMENT --justification" in message
    assert f"ccaudit audit assess {audit_id} --all-derived" in message
    assert svc.snapshot(audit_id).status.value == "draft"

    confirmed, left = svc.confirm_derived("alice", audit_id)
    assert len(confirmed) == 28 and left == ["12.5.7"]
    with pytest.raises(AuditError, match="written justification"):
        svc.defer("alice", audit_id, "12.5.7", "  ")
    with pytest.raises(WorkflowError, match=r"1 requirement\(s\) not settled: 12.5.7"):
        svc.submit("alice", audit_id)
    svc.defer("alice", audit_id, "12.5.7", "Gateway register requested on 2026-11-25; assessed in Q1")
    with pytest.raises(AuditError, match="already assessed"):
        svc.defer("alice", audit_id, "12.5.5", "changed my mind")
    svc.submit("alice", audit_id)
    svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))

    snap = svc.snapshot(audit_id)
    req = snap.requirement("12.5.7")
    assert req.status.value == "deferred" and req.assessed_by == "alice"
    row = next(r for r in from_snapshot(snap, Labels(None, {})).requirements if r.id == "12.5.7")
    assert "deferred by alice: Gateway register requested on 2026-11-25; assessed in Q1" in row.reasons
    assert any(c.code == "assessment_deferred" for c in row.reason_codes)
    zh = messages().reasons_text(row.reason_codes, "zh-TW")
    assert "延後評估（alice）：Gateway register requested on 2026-11-25; assessed in Q1" in zh
    with svc.db.read() as s:
        actions = s.scalars(select(TrailEntry.action).where(TrailEntry.audit_id == audit_id)).all()
    assert actions.count("assessment.assess") == 30 and actions.count("assessment.defer") == 1
    assert svc.verify().ok


def test_a_reviewer_who_overrode_a_result_may_not_sign_off(team: Team, result_dir: Path, tmp_path: Path) -> None:
    svc = team.service
    svc.add_user("admin", "dave", "Dave")
    for role in ("auditor", "reviewer"):
        svc.grant("admin", "dave", FIRM, role)
    dave_key = generate_key(tmp_path / "keys" / "dave.pem")
    svc.register_key("dave", public_pem(dave_key.public_key()))
    audit_id = opened(team, result_dir)
    svc.assess("dave", audit_id, "12.5.5", "compliant", "MFA enforced at the gateway since 2026-10-01")
    settle(svc, audit_id)
    assign_items(svc, audit_id)
    svc.submit("alice", audit_id)
    with pytest.raises(WorkflowError) as refused:
        svc.signoff("dave", audit_id, dave_key)
    assert "dave may not sign off audit" in str(refused.value) and "assessed 12.5.5" in str(refused.value)
    assert svc.snapshot(audit_id).status.value == "submitted"
    svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))


@pytest.mark.parametrize("work", ["attest", "measure", "defer"])
def test_any_part_in_the_work_rules_a_reviewer_out(team: Team, result_dir: Path, tmp_path: Path, work: str) -> None:
    svc = team.service
    svc.add_user("admin", "dave", "Dave")
    for role in ("auditor", "reviewer"):
        svc.grant("admin", "dave", FIRM, role)
    dave_key = generate_key(tmp_path / "keys" / "dave.pem")
    svc.register_key("dave", public_pem(dave_key.public_key()))
    audit_id = opened(team, result_dir)
    if work == "attest":
        svc.attest("dave", audit_id, "12.5.8", "met", "Lin, CISO", dt.date(2026, 11, 20))
    elif work == "measure":
        svc.add_measure("dave", audit_id, "CM-1", "Gateway MFA", ["12.5.5"], "CISO", dt.date(2026, 1, 1),
                        dt.date(2027, 12, 31), whole_requirement=True)  # fmt: skip
    else:
        svc.defer("dave", audit_id, "12.5.6", "account list requested")
    settle(svc, audit_id)
    assign_items(svc, audit_id)
    svc.submit("alice", audit_id)
    with pytest.raises(WorkflowError, match="dave may not sign off"):
        svc.signoff("dave", audit_id, dave_key)


def test_only_a_reviewer_or_admin_accepts_a_risk_and_never_its_owner(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    item = svc.snapshot(audit_id).remediation[0].item_id
    svc.update_remediation("alice", item, owner="carol", due_date=DUE)
    with pytest.raises(PermissionDeniedError, match="carol may not accept the risk"):
        svc.update_remediation("carol", item, status="accepted", note="we live with it")
    with pytest.raises(PermissionDeniedError, match="alice may not accept the risk"):
        svc.update_remediation("alice", item, status="accepted")
    svc.grant("admin", "carol", FIRM, "reviewer")  # an owner who is also a reviewer: still not their own item
    with pytest.raises(PermissionDeniedError, match="carol owns remediation item"):
        svc.update_remediation("carol", item, status="accepted")
    assert svc.snapshot(audit_id).remediation[0].status.value == "open"
    svc.update_remediation("bob", item, status="accepted", note="residual risk accepted by the board, 2026-11-28")
    assert svc.snapshot(audit_id).remediation[0].status.value == "accepted"
    svc.update_remediation("carol", item, note="noted")  # the owner still adds notes
    assert svc.verify().ok


def test_an_override_to_compliant_closes_the_item_it_made_obsolete(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    item = next(i for i in svc.snapshot(audit_id).remediation if i.requirement_id == "12.5.5")
    svc.update_remediation("alice", item.item_id, owner="carol", due_date=DUE)
    svc.assess("alice", audit_id, "12.5.5", "compliant", "MFA enforced at the gateway (WP-21)")
    closed = next(i for i in svc.snapshot(audit_id).remediation if i.item_id == item.item_id)
    assert closed.status.value == "done"
    assert "closed: 12.5.5 assessed compliant by alice (overriding non_compliant)" in closed.notes[-1]
    assert "WP-21" in closed.notes[-1]
    with svc.db.read() as s:
        entry = s.scalars(select(TrailEntry).where(TrailEntry.action == "remediation.close_obsolete")).one()
    assert entry.actor == "alice" and json.loads(entry.after or "{}")["status"] == "done"
    other = next(i for i in svc.snapshot(audit_id).remediation if i.requirement_id == "12.5.6")
    assert other.status.value == "open"  # only the overridden requirement's items
    assert svc.verify().ok


def test_the_approver_of_a_measure_may_not_sign_off(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    svc.add_measure("alice", audit_id, "CM-7", "Gateway MFA", ["12.5.5"], " bob ", dt.date(2026, 1, 1),
                    dt.date(2027, 12, 31), whole_requirement=True)  # fmt: skip
    settle(svc, audit_id)
    assign_items(svc, audit_id)
    svc.submit("alice", audit_id)
    with pytest.raises(WorkflowError, match="approved compensating measure CM-7"):
        svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))
