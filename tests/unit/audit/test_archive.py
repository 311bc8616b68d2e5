"""Export of a signed audit and its offline verification (no database), and what breaks it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from ccaudit.audit.errors import SigningError, WorkflowError
from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.signing import load_private_key
from ccaudit.audit.snapshot import AuditSnapshot

from .conftest import FIRM, Team, sign

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def archive(team: Team, result_dir: Path, tmp_path: Path) -> Path:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    key = load_private_key(team.bob_key_path)
    with pytest.raises(WorkflowError, match="only a signed-off audit"):
        svc.export("bob", audit_id, tmp_path / "early.zip", key)
    sign(team, audit_id)
    with pytest.raises(SigningError, match="vic has no registered signing key"):
        svc.export("vic", audit_id, tmp_path / "audit-2026.zip", key)
    return svc.export("bob", audit_id, tmp_path / "audit-2026.zip", key)


def test_the_archive_verifies_offline_and_is_read_only(archive: Path, tmp_path: Path) -> None:
    assert not archive.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert report.checked["offending rows"] == 6 and report.checked["evidence files"] == 1
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        snap = AuditSnapshot.model_validate_json(z.read("snapshot.json"))
        index = json.loads(z.read("ARCHIVE.json"))
    assert index["digest"] == snap.signoff.digest
    for expected in (
        "trail.jsonl",
        "signatures/bob.sig",
        "signatures/bob.pub.pem",
        "reports/summary.md",
        "working-papers/requirements.csv",
        "working-papers/remediation.csv",
        f"evidence/{snap.runs[0].evidence[0].sha256}",
        f"runs/{snap.runs[0].uid}/findings.json",
        f"runs/{snap.runs[0].uid}/offending/remote_login_used_mfa.jsonl",
    ):
        assert expected in names


def _rewrite(archive: Path, out: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the archive with some members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is not None:
                    dst.writestr(info.filename, data)
            else:
                dst.writestr(info, src.read(info.filename))
    return out


def test_tampering_with_the_archive_is_found(archive: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        snap_text = z.read("snapshot.json").decode()
        trail = z.read("trail.jsonl").decode().splitlines()
        index = json.loads(z.read("ARCHIVE.json"))
        evidence = next(n for n in z.namelist() if n.startswith("evidence/"))
        offending = next(n for n in z.namelist() if n.endswith(".jsonl") and "offending" in n)
        rows = z.read(offending).decode().splitlines()
    cases: dict[str, dict[str, bytes | None]] = {
        "snapshot edited": {"snapshot.json": snap_text.replace('"owner":"carol"', '"owner":"dave"').encode()},
        "evidence edited": {evidence: b"account_id,mfa\nA-1,true\n"},
        "offending row dropped": {offending: ("\n".join(rows[1:]) + "\n").encode()},
        "trail entry dropped": {"trail.jsonl": ("\n".join(trail[:3] + trail[4:]) + "\n").encode()},
        "signature removed": {"signatures/bob.sig": None},
    }
    for name, change in cases.items():
        report = verify_archive(_rewrite(archive, tmp_path / f"{name}.zip", change))
        assert not report.ok, name
    # even with ARCHIVE.json's hashes recomputed, edited content does not match the signed digest
    import hashlib

    forged = snap_text.replace('"owner":"carol"', '"owner":"dave"').encode()
    index["files"]["snapshot.json"] = hashlib.sha256(forged).hexdigest()
    report = verify_archive(
        _rewrite(
            archive,
            tmp_path / "forged.zip",
            {"snapshot.json": forged, "ARCHIVE.json": json.dumps(index).encode()},
        )
    )
    assert any("does not match the signed digest" in p for p in report.problems)


def test_a_folder_archive_verifies_too(team: Team, result_dir: Path, tmp_path: Path) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    sign(team, audit_id)
    folder = svc.export("bob", audit_id, tmp_path / "audit-2026", load_private_key(team.bob_key_path))
    assert folder.is_dir() and verify_archive(folder).ok
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "reports" / "summary.md").chmod(0o644)
    (copy / "reports" / "summary.md").write_text("all compliant!\n")
    assert any("summary.md" in p for p in verify_archive(copy).problems)
