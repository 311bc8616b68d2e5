"""A folder written by `ccaudit sources parse --out DIR`, handed in as (part of) the evidence: the run keeps its
parse_report.json beside the derived dataset files, the sign-off covers it and the exported archive carries it,
so `verify ARCHIVE` finds it changed."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from tests.cli.inprocess import ccaudit
from tests.cli.test_sources import FORTIGATE

from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.signing import load_private_key

from .conftest import FIRM, Team, sign
from .test_archive import AS_OF, _rewrite


def test_the_archive_carries_the_parse_report_of_a_sources_parse_folder(team: Team, tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    log.write_text(FORTIGATE, encoding="utf-8")
    evidence = tmp_path / "evidence"
    assert ccaudit("sources", "parse", "fortigate", log, "--out", evidence / "fgt-hq").code == 0
    report = (evidence / "fgt-hq" / "parse_report.json").read_bytes()
    sha = hashlib.sha256(report).hexdigest()

    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.run_inspection("alice", audit_id, evidence)  # attached to the audit as it ran
    sign(team, audit_id)
    (run,) = svc.snapshot(audit_id).runs
    assert [(a.kind, a.name, a.sha256) for a in run.attachments] == [("probe_file", "fgt-hq/parse_report.json", sha)]

    archive = svc.export("bob", audit_id, tmp_path / "audit-2026.zip", load_private_key(team.bob_key_path))
    result = verify_archive(archive)
    assert result.ok, result.problems
    with zipfile.ZipFile(archive) as z:
        assert z.read(f"evidence/{sha}") == report
    tampered = _rewrite(archive, tmp_path / "tampered.zip", {f"evidence/{sha}": report.replace(b"1", b"2")})
    problems = verify_archive(tampered).problems
    assert any(p.startswith(f"evidence/{sha}") and "fgt-hq/parse_report.json" in p for p in problems), problems
