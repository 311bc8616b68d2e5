"""The annual audit on the demo firm with the real inspection: every figure traces back to a file
and a row, and the signed audit's archive verifies offline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.signing import generate_key, public_pem
from ccaudit.audit.service import AuditService
from ccaudit.findings.models import InspectionReport
from ccaudit.settings import Settings

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 30)


def test_demo_firm_audit_from_inspection_to_archive(tmp_path: Path) -> None:
    from ccaudit.demo.generator import generate

    generate(tmp_path / "demo", scale=0.02, as_of=AS_OF)
    settings = Settings(data_dir=tmp_path / "data", db=f"sqlite:///{tmp_path / 'audit.db'}")
    svc = AuditService.open(settings)
    svc.add_user("admin", "admin", "Admin")
    svc.add_firm("admin", "9A00", "範例證券股份有限公司")
    for user, role in [("alice", "auditor"), ("bob", "reviewer")]:
        svc.add_user("admin", user, user)
        svc.grant("admin", user, "9A00", role)
    audit_id = svc.open_audit("alice", "9A00", 2026, AS_OF)
    info = svc.run_inspection("alice", audit_id, tmp_path / "demo" / "evidence")

    report = InspectionReport.model_validate_json((info.folder / "findings.json").read_text(encoding="utf-8"))
    snap = svc.snapshot(audit_id)
    assert {r.requirement_id: r.automated_status for r in snap.requirements} == {
        f.requirement_id: f.status for f in report.findings
    }
    evidence = {e.sha256 for e in snap.runs[0].evidence}
    expected = {c.check_id: c.offending_count for f in report.findings for c in f.checks if c.offending_count}
    assert info.offending_rows == sum(expected.values()) > 0
    for check_id, count in expected.items():
        _, total, rows = svc.offending_rows("alice", audit_id, check_id, limit=10_000)
        assert total == count
        for row in rows:  # each row names the evidence file it came from, and (for row-level checks) the row
            assert row["source_sha256"] is None or row["source_sha256"] in evidence
            assert row["source_sha256"] is None or row["source_file"]

    confirmed, left = svc.confirm_derived("alice", audit_id)
    assert left == ["12.5.7"] and len(confirmed) == len(snap.requirements) - 1  # the demo's one needs_review
    svc.defer("alice", audit_id, "12.5.7", "gateway register requested; assessed in the Q1 follow-up")
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="control.owner", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)
    key = generate_key(tmp_path / "bob.pem")
    svc.register_key("bob", public_pem(key.public_key()))
    digest = svc.signoff("bob", audit_id, key)
    archive = svc.export("bob", audit_id, tmp_path / "audit-2026.zip", key)
    result = verify_archive(archive)
    assert result.ok, result.problems
    assert result.checked["anchors"] == 1  # the sign-off anchor travels with the archive
    assert result.checked["offending rows"] == info.offending_rows
    assert json.loads(svc.snapshot(audit_id).model_dump_json())["signoff"]["digest"] == digest
    assert svc.verify().ok
    svc.close()
