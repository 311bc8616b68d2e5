"""A zip of one gateway's rotated logs handed in for an audit run: the signed archive carries the zip as handed in
and the text of each log in it (the lines findings cite), with each log's parse report; `verify ARCHIVE` checks them
all and names the one that was changed."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from pathlib import Path

from tests.cli.test_sources_compressed import FGT_DOWN, FGT_OTHER, FGT_UP

from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.signing import load_private_key

from .conftest import FIRM, Team, sign
from .test_archive import AS_OF, _rewrite


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_archive_carries_the_zip_and_the_logs_in_it(team: Team, tmp_path: Path) -> None:
    older, newer = gzip.compress((FGT_OTHER + FGT_UP).encode()), FGT_DOWN.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("fortigate.log.1.gz", older)
        z.writestr("fortigate.log", newer)
    zipped = buffer.getvalue()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "vpnlogs-2026.zip").write_bytes(zipped)
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.run_inspection("alice", audit_id, evidence)
    sign(team, audit_id)
    (run,) = svc.snapshot(audit_id).runs
    raw = {e.original_name: e.sha256 for e in run.evidence if e.dataset == "raw_export"}
    assert raw == {"vpnlogs-2026.zip": _sha(zipped), "vpnlogs-2026.zip/fortigate.log.1.gz": _sha(older),
                   "vpnlogs-2026.zip/fortigate.log": _sha(newer)}
    assert {a.name for a in run.attachments if a.kind == "parse_report"} == {
        f"{_sha(older)}.parse_report.json", f"{_sha(newer)}.parse_report.json"}

    archive = svc.export("bob", audit_id, tmp_path / "audit-2026.zip", load_private_key(team.bob_key_path))
    report = verify_archive(archive)
    assert report.ok, report.problems
    with zipfile.ZipFile(archive) as z:
        assert z.read(f"evidence/{_sha(zipped)}") == zipped  # as handed in
        assert z.read(f"evidence/{_sha(older)}") == older  # the log in it, as the zip holds it
    tampered = _rewrite(archive, tmp_path / "tampered.zip", {f"evidence/{_sha(older)}": gzip.compress(b"x")})
    assert any("raw export vpnlogs-2026.zip/fortigate.log.1.gz" in p for p in verify_archive(tampered).problems)
