"""The audit workflow through AuditService, on SQLite and PostgreSQL: open, attach a run, assess,
attest, compensate, remediate, submit, sign off, and the errors that change nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ccaudit.audit.errors import (
    AuditError,
    ConflictError,
    FrozenAuditError,
    NotFoundError,
    PermissionDeniedError,
    SigningError,
    WorkflowError,
)
from ccaudit.audit.integrity.signing import generate_key, load_private_key
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.models import OffendingRow, TrailEntry
from ccaudit.errors import CcauditError
from ccaudit.findings.models import Status

from .conftest import FIRM, Team, settle

AS_OF = dt.date(2026, 11, 30)


def trail_length(svc: AuditService) -> int:
    with svc.db.read() as s:
        return s.scalar(select(func.count()).select_from(TrailEntry)) or 0


def opened(team: Team, result_dir: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    return audit_id


def ready_for_review(team: Team, audit_id: int) -> None:
    svc = team.service
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)


def test_attaching_a_run_records_findings_offending_rows_and_remediation(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    snap = svc.snapshot(audit_id)
    assert snap.status.value == "draft" and len(snap.requirements) == 30
    failing = {r.requirement_id for r in snap.requirements if r.result is Status.NON_COMPLIANT}
    assert failing == {"12.1.1", "12.5.5", "12.5.6"}
    assert {i.requirement_id for i in snap.remediation} == failing  # one item per gap, opened automatically
    req = snap.requirement("12.5.5")
    mfa = next(c for c in req.checks if c.check_id == "remote_login_used_mfa")
    assert mfa.offending_count == 3 and mfa.offending_sha256 and mfa.evidence == [snap.runs[0].evidence[0].sha256]
    _, total, rows = svc.offending_rows("vic", audit_id, "remote_login_used_mfa")
    assert total == 3 and [r["source_row"] for r in rows] == [2, 3, 4]
    assert rows[0]["source_file"] == "遠端連線紀錄.csv" and rows[0]["source_sha256"] == snap.runs[0].evidence[0].sha256
    assert rows[0]["data"]["problem"] == "no MFA 多因子"
    with svc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(OffendingRow)) == 6


def test_override_needs_a_written_justification(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    before = trail_length(svc)
    with pytest.raises(AuditError, match="justification is required"):
        svc.assess("alice", audit_id, "12.5.5", result="compliant")
    with pytest.raises(AuditError, match="justification is required"):
        svc.assess("alice", audit_id, "12.5.5", result="compliant", justification="   ")
    assert trail_length(svc) == before
    svc.assess(
        "alice",
        audit_id,
        "12.5.5",
        result="compliant",
        justification="MFA enforced at the gateway since 11-01",
    )
    req = svc.snapshot(audit_id).requirement("12.5.5")
    assert req.result is Status.COMPLIANT and req.derived_result is Status.NON_COMPLIANT
    assert req.assessed_by == "alice" and req.status.value == "done"
    svc.assess("alice", audit_id, "12.5.6")  # confirming the derived result needs no justification
    assert svc.snapshot(audit_id).requirement("12.5.6").result is Status.NON_COMPLIANT


def test_attestation_settles_what_only_an_attestation_could(team: Team, tmp_path: Path) -> None:
    from .audit_fakes import make_result_dir

    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "r", statuses={"12.5.8": Status.NEEDS_REVIEW}))
    assert svc.snapshot(audit_id).requirement("12.5.8").result is Status.NEEDS_REVIEW
    svc.attest("alice", audit_id, "12.5.8", "met", "Lin, CISO", dt.date(2026, 11, 20), "MEMO-117")
    req = svc.snapshot(audit_id).requirement("12.5.8")
    assert req.result is Status.COMPLIANT
    assert "attested met by Lin, CISO on 2026-11-20 (MEMO-117)" in req.reason_texts()
    svc.attest("alice", audit_id, "12.2.2", "not_met", "Lin, CISO", dt.date(2026, 11, 21))
    assert svc.snapshot(audit_id).requirement("12.2.2").result is Status.NON_COMPLIANT


def test_valid_measure_compensates_and_an_expired_one_says_it_no_longer_does(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    svc.add_measure(
        "alice",
        audit_id,
        "CM-1",
        "Gateway-enforced MFA",
        ["12.5.5"],
        "CISO Wang",
        dt.date(2026, 6, 1),
        dt.date(2027, 5, 31),
        checks=["remote_login_used_mfa"],
    )
    svc.add_measure(
        "alice",
        audit_id,
        "CM-2",
        "Quarterly account review",
        ["12.5.6"],
        "CISO Wang",
        dt.date(2025, 6, 1),
        dt.date(2026, 10, 31),
        whole_requirement=True,
    )
    snap = svc.snapshot(audit_id)
    assert snap.requirement("12.5.5").result is Status.COMPENSATED
    r6 = snap.requirement("12.5.6")
    assert r6.result is Status.NON_COMPLIANT
    assert any("CM-2 expired on 2026-10-31" in r and "no longer compensates" in r for r in r6.reason_texts())
    assert [m.valid for m in snap.measures] == [True, False]
    measure = next(m for m in snap.measures if m.ref == "CM-2")
    svc.update_measure("alice", measure.measure_id, dt.date(2027, 10, 31))  # re-approved: valid again
    assert svc.snapshot(audit_id).requirement("12.5.6").result is Status.COMPENSATED


def test_remediation_owner_due_date_status_and_overdue(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    item = svc.snapshot(audit_id).remediation[0]
    svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 1, 31))
    svc.update_remediation("carol", item.item_id, status="in_progress", note="vendor contacted")
    with pytest.raises(PermissionDeniedError):
        svc.update_remediation("carol", item.item_id, due_date=dt.date(2027, 12, 31))  # owner may not move dates
    with pytest.raises(PermissionDeniedError):
        svc.update_remediation("vic", item.item_id, note="hello")
    overdue = svc.overdue("vic", dt.date(2027, 2, 1))
    assert [(a, i.item_id) for a, i in overdue] == [(audit_id, item.item_id)]
    assert svc.overdue("vic", dt.date(2027, 1, 31)) == []
    notes = svc.snapshot(audit_id).remediation[0].notes
    assert len(notes) == 1 and notes[0].endswith("carol: vendor contacted")


def test_submit_needs_owners_and_signoff_needs_a_different_reviewer(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    settle(svc, audit_id)
    with pytest.raises(WorkflowError, match="owner and a due date"):
        svc.submit("alice", audit_id)
    ready_for_review(team, audit_id)
    key = load_private_key(team.bob_key_path)
    with pytest.raises(PermissionDeniedError):
        svc.signoff("alice", audit_id, key)  # not a reviewer
    svc.grant("admin", "alice", FIRM, "reviewer")
    with pytest.raises(WorkflowError, match="prepared audit"):
        svc.signoff("alice", audit_id, key)  # the preparer, even as a reviewer
    with pytest.raises(SigningError, match="not bob's registered key"):
        svc.signoff("bob", audit_id, generate_key(team.bob_key_path.with_name("other.pem")))
    digest = svc.signoff("bob", audit_id, key)
    snap = svc.snapshot(audit_id)
    assert snap.status.value == "signed" and snap.signoff.digest == digest and len(digest) == 64
    assert snap.signoff.preparer == "alice" and snap.signoff.reviewer == "bob"
    assert svc.verify().ok


def test_a_signed_audit_is_frozen(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    ready_for_review(team, audit_id)
    svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))
    snap = svc.snapshot(audit_id)
    before = trail_length(svc)
    item, measure_req = snap.remediation[0].item_id, "12.5.5"
    changes = [
        lambda: svc.assess("alice", audit_id, "12.5.5"),
        lambda: svc.assess("alice", audit_id, "12.5.5", "compliant", "because"),
        lambda: svc.attest("alice", audit_id, "12.5.8", "met", "x", AS_OF),
        lambda: svc.add_measure(
            "alice", audit_id, "CM-9", "d", [measure_req], "a", AS_OF, AS_OF, whole_requirement=True
        ),
        lambda: svc.update_remediation("alice", item, note="late note"),
        lambda: svc.update_remediation("admin", item, status="done"),
        lambda: svc.attach_run("alice", audit_id, result_dir),
        lambda: svc.submit("alice", audit_id),
        lambda: svc.return_to_draft("bob", audit_id, "reopen"),
        lambda: svc.signoff("bob", audit_id, load_private_key(team.bob_key_path)),
    ]
    for change in changes:
        with pytest.raises(CcauditError) as info:
            change()
        assert isinstance(info.value, FrozenAuditError | WorkflowError | AuditError), info.value
    assert trail_length(svc) == before
    assert svc.snapshot(audit_id) == snap
    assert svc.verify().ok


def test_bad_input_is_refused_with_nothing_changed(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    before, snap = trail_length(svc), svc.snapshot(audit_id)
    with pytest.raises(NotFoundError, match="unknown firm"):
        svc.open_audit("alice", "ZZ99", 2026, AS_OF)
    with pytest.raises(NotFoundError, match="not an assessable requirement"):
        svc.assess("alice", audit_id, "12.9.9")
    with pytest.raises(NotFoundError, match="not an assessable requirement"):
        svc.add_measure("alice", audit_id, "CM-1", "d", ["12.5.5", "99.1"], "a", AS_OF, AS_OF)
    with pytest.raises(AuditError, match="must be one of"):
        svc.assess("alice", audit_id, "12.5.5", result="great", justification="x")
    with pytest.raises(AuditError, match="already has an audit"):
        svc.open_audit("alice", FIRM, 2026, AS_OF)
    with pytest.raises(PermissionDeniedError):
        svc.assess("vic", audit_id, "12.5.5")
    with pytest.raises(PermissionDeniedError, match="no acting user"):
        svc.assess(None, audit_id, "12.5.5")
    with pytest.raises(NotFoundError, match="unknown user"):
        svc.assess("mallory", audit_id, "12.5.5")
    with pytest.raises(WorkflowError):
        svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))  # not submitted
    assert trail_length(svc) == before and svc.snapshot(audit_id) == snap


def test_a_run_for_another_firm_or_date_is_refused(team: Team, tmp_path: Path) -> None:
    from .audit_fakes import make_result_dir

    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    with pytest.raises(AuditError, match="firm 7B00's"):
        svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "a", firm_id="7B00"))
    with pytest.raises(AuditError, match="as-of date is 2026-10-31"):
        svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "b", as_of=dt.date(2026, 10, 31)))
    assert svc.snapshot(audit_id).runs == []
    assert not [p for p in (svc.settings.data_dir / "runs").iterdir()]  # nothing left behind


def test_a_stale_version_is_a_conflict(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = opened(team, result_dir)
    seen = svc.assessment_versions(audit_id)["12.5.5"]
    # two auditors read the same version; the first to write wins, the second is told
    svc.assess("alice", audit_id, "12.5.5", "compliant", "gateway enforces MFA", expected_version=seen)
    svc.add_user("admin", "dave", "Dave")
    svc.grant("admin", "dave", FIRM, "auditor")
    with pytest.raises(ConflictError, match="changed by someone else"):
        svc.assess("dave", audit_id, "12.5.5", expected_version=seen)
    item = svc.snapshot(audit_id).remediation[0]
    version = svc.update_remediation("alice", item.item_id, owner="carol")
    with pytest.raises(ConflictError):
        svc.update_remediation("dave", item.item_id, owner="erin", expected_version=version - 1)
    assert svc.snapshot(audit_id).requirement("12.5.5").assessed_by == "alice"


def test_users_roles_and_passwords(service: AuditService) -> None:
    info = service.add_user("root", "root", "Root", password="correct horse battery")
    assert info.is_superuser and info.has_password
    assert service.authenticate("root", "correct horse battery")
    assert not service.authenticate("root", "wrong")
    with pytest.raises(NotFoundError, match="unknown user"):
        service.add_firm("nobody", "9A00", "x")
    service.add_firm("root", "9A00", "範例")
    service.add_user("root", "alice", "Alice")
    with pytest.raises(PermissionDeniedError):
        service.add_user("alice", "eve", "Eve")  # not an admin
    with pytest.raises(PermissionDeniedError):
        service.add_firm("alice", "7B00", "x")  # not a superuser
    service.grant("root", "alice", "9A00", "admin")
    service.add_user("alice", "eve", "Eve")  # now she may
    with pytest.raises(NotFoundError, match="unknown role"):
        service.grant("alice", "eve", "9A00", "boss")
    service.grant("alice", "eve", "9A00", "viewer")
    service.revoke("alice", "eve", "9A00", "viewer")
    assert service.roles("eve", "9A00") == set()
    with pytest.raises(AuditError, match="at least 8"):
        service.set_password("eve", "eve", "short")
    with pytest.raises(PermissionDeniedError):
        service.set_password("eve", "alice", "long enough!")  # not a superuser
    with service.db.read() as s:
        from ccaudit.audit.storage.models import User

        stored = s.get(User, "root")
        assert stored is not None and stored.password_hash and stored.password_hash.startswith("$argon2")
    assert service.verify().ok


def test_several_firms_in_one_database(team: Team, tmp_path: Path) -> None:
    from .audit_fakes import make_result_dir

    svc = team.service
    svc.add_firm("admin", "7B00", "另一家證券")
    svc.add_user("admin", "olga", "Olga")
    svc.grant("admin", "olga", "7B00", "auditor")
    a1 = svc.open_audit("alice", FIRM, 2026, AS_OF)
    a2 = svc.open_audit("olga", "7B00", 2026, AS_OF)
    svc.attach_run("olga", a2, make_result_dir(tmp_path / "r2", firm_id="7B00", offending={"remote_login_used_mfa": 1}))
    with pytest.raises(PermissionDeniedError):
        svc.assess("alice", a2, "12.5.5")  # alice audits 9A00 only
    with pytest.raises(PermissionDeniedError):
        svc.snapshot(a1, "olga")
    assert [a.id for a in svc.list_audits("olga")] == [a2]
    assert {a.id for a in svc.list_audits("admin")} == {a1, a2}
    assert svc.verify().ok
