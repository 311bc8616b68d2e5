"""Next year's audit: carry-over of open remediation, valid measures and attestations to re-confirm;
and the diff between two audits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ccaudit.audit.errors import WorkflowError
from ccaudit.audit.workflow.diff import Change
from ccaudit.findings.models import Status

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team, sign

AS_OF = dt.date(2026, 11, 30)
NEXT = dt.date(2027, 11, 30)


def test_carry_over_and_diff(team: Team, result_dir: Path, tmp_path: Path) -> None:
    svc = team.service
    old = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", old, result_dir)
    svc.add_measure(
        "alice",
        old,
        "CM-1",
        "MFA at gateway",
        ["12.5.5"],
        "CISO",
        dt.date(2026, 1, 1),
        dt.date(2028, 6, 30),
        checks=["remote_login_used_mfa"],
    )
    svc.add_measure(
        "alice",
        old,
        "CM-2",
        "Account review",
        ["12.5.6"],
        "CISO",
        dt.date(2026, 1, 1),
        dt.date(2027, 6, 30),
        whole_requirement=True,
    )
    svc.attest("alice", old, "12.5.8", "met", "Lin", dt.date(2026, 11, 20), "MEMO-1")
    with pytest.raises(WorkflowError, match="signed-off audit only"):
        svc.carry_over("alice", old)
    items = svc.snapshot(old).remediation
    done = next(i for i in items if i.requirement_id == "12.1.1")
    svc.update_remediation("alice", done.item_id, owner="carol", due_date=dt.date(2027, 1, 31), status="done")
    sign(team, old)

    new, carried = svc.carry_over("alice", old)
    snap = svc.snapshot(new)
    assert (snap.year, snap.as_of, snap.carried_from) == (2027, "2027-11-30", old)
    # the done item stays behind; confirming 12.1.1 as still non_compliant opened a new one, which carries
    assert [i.requirement_id for i in snap.remediation] == ["12.5.5", "12.5.6", "12.1.1"]
    assert done.item_id not in {i.carried_from for i in snap.remediation}
    assert all(i.carried_from and "carried over from the 2026 audit" in i.notes[-1] for i in snap.remediation)
    assert [m.ref for m in snap.measures] == ["CM-1"]  # CM-2 expires before the new as-of date
    assert any("CM-2" in line for line in carried.left_behind)
    (att,) = snap.attestations
    assert att.needs_reconfirmation and snap.requirement("12.5.8").result is None

    # this year: MFA fixed, 12.5.6 still failing, 12.2.2 newly failing
    svc.attach_run(
        "alice",
        new,
        make_result_dir(
            tmp_path / "r27",
            as_of=NEXT,
            offending={"remote_user_authorized": 1, "social_media_risk_assessed_within_year": 1},
        ),
    )
    svc.reconfirm_attestation("alice", att.attestation_id, "Lin", dt.date(2027, 11, 15))
    snap = svc.snapshot(new)
    assert snap.requirement("12.5.5").result is Status.COMPLIANT
    assert not snap.attestations[0].needs_reconfirmation

    result = svc.diff("vic", old, new)
    by_id = {r.requirement_id: r for r in result.requirements}
    assert by_id["12.5.5"].change is Change.IMPROVED  # compensated -> compliant
    assert any("remote_login_used_mfa: failed (3 offending) -> passed (0 offending)" in w for w in by_id["12.5.5"].why)
    assert by_id["12.2.2"].change is Change.REGRESSED
    assert any("social_media_risk_assessed_within_year" in w for w in by_id["12.2.2"].why)
    assert by_id["12.5.6"].change is Change.REGRESSED  # its measure expired: no longer compensated
    assert any(w.startswith("before: gap compensated by measure CM-2") for w in by_id["12.5.6"].why)
    assert by_id["12.4.1"].change is Change.UNCHANGED
    assert result.count(Change.IMPROVED) >= 2  # 12.1.1 too
