"""`verify` finds rows edited, deleted, inserted or re-ordered directly in the database (behind the
service's back), on SQLite and PostgreSQL, and names the first entry that does not match."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ccaudit.audit.integrity.signing import load_private_key
from ccaudit.audit.service import AuditService

from .conftest import FIRM, Team, settle

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def signed(team: Team, result_dir: Path) -> tuple[AuditService, int]:
    """A signed audit (with a measure and an attestation) and a draft audit for the next year."""
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    svc.add_measure(
        "alice",
        audit_id,
        "CM-1",
        "Gateway MFA",
        ["12.5.5"],
        "CISO",
        dt.date(2026, 1, 1),
        dt.date(2027, 12, 31),
        checks=["remote_login_used_mfa"],
        subjects=["user000000", "user000001", "user000002"],
    )
    svc.attest("alice", audit_id, "12.5.8", "met", "Lin", dt.date(2026, 11, 20), "MEMO-1")
    settle(svc, audit_id)
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)
    svc.signoff("bob", audit_id, load_private_key(team.bob_key_path))
    svc.open_audit("alice", FIRM, 2027, dt.date(2027, 11, 30))
    assert svc.verify().ok
    return svc, audit_id


DROP_GUARDS = {
    "sqlite": ["DROP TRIGGER IF EXISTS trail_no_update", "DROP TRIGGER IF EXISTS trail_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS trail_append_only ON trail"],
}


def tamper(svc: AuditService, *statements: str) -> None:
    """Change rows directly, as someone with full rights on the database would (guards dropped first)."""
    with svc.db.engine.begin() as conn:
        for sql in [*DROP_GUARDS[svc.db.dialect], *statements]:
            conn.execute(text(sql))


@pytest.mark.parametrize("sql", ["UPDATE trail SET actor = 'mallory' WHERE seq = 3", "DELETE FROM trail WHERE seq = 3"])
def test_the_trail_refuses_updates_and_deletes(signed: tuple[AuditService, int], sql: str) -> None:
    svc, _ = signed
    with pytest.raises(DBAPIError, match="append-only"), svc.db.engine.begin() as conn:
        conn.execute(text(sql))
    assert svc.verify().ok


def first_problem(svc: AuditService) -> str:
    report = svc.verify()
    assert not report.ok
    return report.problems[0]


def test_editing_a_trail_entry_is_found(signed: tuple[AuditService, int]) -> None:
    svc, _ = signed
    tamper(svc, "UPDATE trail SET actor = 'mallory' WHERE seq = 20")
    assert first_problem(svc).startswith("trail entry #20 ") and "edited" in first_problem(svc)


def test_deleting_a_trail_entry_is_found(signed: tuple[AuditService, int]) -> None:
    svc, _ = signed
    tamper(svc, "DELETE FROM trail WHERE seq = 20")
    assert first_problem(svc).startswith("trail entry #21 ") and "expected entry #20" in first_problem(svc)


def test_reordering_trail_entries_is_found(signed: tuple[AuditService, int]) -> None:
    svc, _ = signed
    tamper(
        svc,
        "UPDATE trail SET seq = -1 WHERE seq = 20",
        "UPDATE trail SET seq = 20 WHERE seq = 21",
        "UPDATE trail SET seq = 21 WHERE seq = -1",
    )
    assert first_problem(svc).startswith("trail entry #20 ")


def test_deleting_the_last_entries_is_found_even_with_the_head_rewound(
    signed: tuple[AuditService, int],
) -> None:
    svc, _ = signed
    with svc.db.engine.connect() as conn:
        last, prev_hash = conn.execute(text("SELECT seq, prev_hash FROM trail ORDER BY seq DESC LIMIT 1")).one()
    tamper(svc, f"DELETE FROM trail WHERE seq = {last}")
    assert "head records entry" in first_problem(svc)
    tamper(svc, f"UPDATE chain_head SET seq = {last - 1}, hash = '{prev_hash}'")
    problem = first_problem(svc)  # the chain is whole again, but a record no longer matches its trail
    assert "differs from its last trail entry" in problem or "is not in the trail" in problem


RECORD_EDITS: dict[str, tuple[str, str]] = {
    "assessment": (
        "UPDATE assessments SET assessed_result = 'compliant' WHERE requirement_id = '12.5.6' AND audit_id = 2",
        "differs from its last trail entry",
    ),
    "remediation": (
        "UPDATE remediation_items SET owner = 'nobody' WHERE audit_id = 1",
        "differs from its last",
    ),
    "inserted attestation": (
        "INSERT INTO attestations (audit_id, requirement_id, result, attested_by, attested_on, recorded_by, "
        "recorded_at, needs_reconfirmation, version) VALUES (2, '12.5.8', 'met', 'x', '2027-01-01', 'alice', "
        "'2027-01-01 00:00:00', false, 1)",
        "is not in the trail",
    ),
    "role": ("DELETE FROM user_roles WHERE user_id = 'vic'", "gone from the database"),
    "offending row": (
        "UPDATE offending_rows SET source_row = 99 WHERE row_no = 2 AND check_id = 'remote_login_used_mfa'",
        "offending rows stored do not match",
    ),
    "deleted offending row": (
        "DELETE FROM offending_rows WHERE row_no = 1",
        "offending rows stored do not match",
    ),
}


@pytest.mark.parametrize("what", list(RECORD_EDITS))
def test_editing_records_behind_the_service_is_found(signed: tuple[AuditService, int], what: str) -> None:
    svc, _ = signed
    sql, expected = RECORD_EDITS[what]
    tamper(svc, sql)
    assert any(expected in p for p in svc.verify().problems), svc.verify().problems


FROZEN_EDITS: dict[str, tuple[str, str]] = {
    "measure date": (
        "UPDATE measures SET review_by = '2028-12-31' WHERE audit_id = 1",
        "no longer matches the digest",
    ),
    "stored digest": (
        "UPDATE audits SET digest = repeat('0', 64) WHERE id = 1",
        "no longer matches the digest",
    ),
    "signature": (
        "UPDATE audits SET signature = 'AAAA' || substr(signature, 5) WHERE id = 1",
        "signature does not verify",
    ),
}


@pytest.mark.parametrize("what", list(FROZEN_EDITS))
def test_changing_a_frozen_audit_breaks_its_digest(signed: tuple[AuditService, int], what: str) -> None:
    svc, _ = signed
    sql, expected = FROZEN_EDITS[what]
    if svc.db.dialect == "sqlite":
        sql = sql.replace("repeat('0', 64)", "'" + "0" * 64 + "'")
    tamper(svc, sql)
    problems = svc.verify().problems
    assert any(p.startswith("audit 1 (9A00 2026)") and expected in p for p in problems), problems


def test_an_altered_evidence_file_is_found(signed: tuple[AuditService, int]) -> None:
    svc, audit_id = signed
    run = svc.snapshot(audit_id).runs[0]
    blob = svc.runs_dir / run.uid / "evidence" / "blobs" / run.evidence[0].sha256
    blob.chmod(0o644)
    blob.write_text("account_id,mfa\nA-1,true\n", encoding="utf-8")
    assert any("missing or altered" in p for p in svc.verify().problems)
    assert svc.verify(check_files=False).ok


def test_an_interrupted_run_folder_is_a_warning(signed: tuple[AuditService, int]) -> None:
    svc, _ = signed
    (svc.runs_dir / ".partial-deadbeef").mkdir()
    report = svc.verify()
    assert report.ok and any(".partial-deadbeef" in w and "safe to delete" in w for w in report.warnings)
