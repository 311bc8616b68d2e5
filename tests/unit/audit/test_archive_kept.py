"""A signed archive carries every file a run keeps, not only its dataset files: the raw gateway log, its parse
report, and a probe's observations and screenshot; `verify ARCHIVE` checks each against the hash the
reviewer's sign-off covers and names the member that was changed (in zh-TW too)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit
from tests.cli.test_sources import FORTIGATE

from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.signing import load_private_key
from ccaudit.audit.storage.models import RunEvidence
from ccaudit.audit.workflow import runs

from .conftest import FIRM, Team, sign
from .test_archive import AS_OF, _rewrite

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(64))  # a small stand-in: kept by hash, never read as an image
OBSERVATIONS = {"probe": "site", "links": [{"page_url": "https://www.example-sec.com.tw/",
                                            "screenshot": "website_screenshots/link-001.png",
                                            "screenshot_sha256": hashlib.sha256(SCREENSHOT).hexdigest()}]}


def _evidence(folder: Path) -> Path:
    """A FortiGate log (a raw export) and what `ccaudit probe site` leaves beside its dataset file."""
    folder.mkdir()
    (folder / "fgt-2026-11.log").write_text(FORTIGATE, encoding="utf-8")
    (folder / "site_observations.json").write_text(json.dumps(OBSERVATIONS), encoding="utf-8")
    (folder / "website_screenshots").mkdir()
    (folder / "website_screenshots" / "link-001.png").write_bytes(SCREENSHOT)
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_archive_carries_and_checks_every_kept_file(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = team.service
    evidence = _evidence(tmp_path / "evidence")
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    info = svc.run_inspection("alice", audit_id, evidence)
    with monkeypatch.context() as m:  # the same run attached as ccaudit did before it kept these files
        m.setattr(runs, "_evidence", lambda manifest, store: [
            RunEvidence(dataset=e.dataset, sha256=e.sha256, original_name=e.original_name,
                        size_bytes=e.size_bytes, rows=e.rows, effective_date=e.effective_date)
            for e in manifest.files])
        svc.attach_run("alice", audit_id, info.folder)
    sign(team, audit_id)
    run, earlier = svc.snapshot(audit_id).runs
    assert not earlier.attachments
    log_sha = _sha((evidence / "fgt-2026-11.log").read_bytes())
    report_name = f"{log_sha}.parse_report.json"
    assert {(a.kind, a.name) for a in run.attachments} == {
        ("probe_file", "site_observations.json"),
        ("probe_file", "website_screenshots/link-001.png"),
        ("parse_report", report_name),
    }
    assert any(e.dataset == "raw_export" and e.sha256 == log_sha for e in run.evidence)

    archive = svc.export("bob", audit_id, tmp_path / "audit-2026.zip", load_private_key(team.bob_key_path))
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert (report.checked["probe files"], report.checked["parse reports"]) == (2, 1)
    # the run recorded the old way still verifies; its manifest's probe files are said to be left out
    assert [w for w in report.warnings if "probe file(s) the audit does not sign" in w] == [
        f"runs/{earlier.uid}/manifest.json: lists 2 probe file(s) the audit does not sign (the run was recorded "
        "before ccaudit kept them): they are not in the archive"]
    screenshot = f"evidence/{_sha(SCREENSHOT)}"
    parse_report = f"runs/{run.uid}/parse_reports/{report_name}"
    with zipfile.ZipFile(archive) as z:
        assert z.read(screenshot) == SCREENSHOT
        assert z.read(f"evidence/{log_sha}") == (evidence / "fgt-2026-11.log").read_bytes()
        assert z.read(parse_report) == (info.folder / "evidence" / "parse_reports" / report_name).read_bytes()
        stored_report = json.loads(z.read(parse_report))

    # each member changed on its own: verify fails and names it (ARCHIVE.json's own hashes fail too, but the
    # message that counts says which signed file it is)
    altered_report = json.dumps({**stored_report, "malformed": []}).encode()
    for member, data, named in [
        (screenshot, SCREENSHOT + b"edited", "website_screenshots/link-001.png"),
        (f"evidence/{log_sha}", FORTIGATE.replace("user=", "user=x").encode(), "raw export fgt-2026-11.log"),
        (parse_report, altered_report, f"parse report {report_name}"),
        (screenshot, None, "website_screenshots/link-001.png"),
    ]:
        tampered = _rewrite(archive, tmp_path / f"tampered-{len(list(tmp_path.iterdir()))}.zip", {member: data})
        problems = verify_archive(tampered).problems
        assert any(p.startswith(member) and named in p and "not the file the audit signs" in p for p in problems), (
            member, problems)

    # the CLI says it in the user's language, naming the member
    tampered = _rewrite(archive, tmp_path / "tampered-cli.zip", {screenshot: SCREENSHOT + b"edited"})
    result = ccaudit("verify", tampered, "--lang", "zh-TW")
    assert result.code == 1
    assert "驗證失敗" in result.text
    assert f"{screenshot}（探測附件 website_screenshots/link-001.png）：遺失，或非查核簽核之檔案" in result.text
    ok = ccaudit("verify", archive, "--lang", "zh-TW")
    assert ok.code == 0 and "探測附件 2 筆、解析報告 1 筆" in ok.text, ok.text

    # the database's own verify checks the run folder's kept files as well
    kept = info.folder / "evidence" / "blobs" / _sha(SCREENSHOT)
    kept.chmod(0o644)
    kept.write_bytes(b"not the screenshot")
    assert any("probe file website_screenshots/link-001.png" in p for p in svc.verify().problems)


def test_a_sources_parse_report_handed_in_is_said_as_a_parse_report(team: Team, tmp_path: Path) -> None:
    # `ccaudit sources parse intune ... --out DIR` handed in as the evidence: its device_parse_report.json is kept
    # beside the datasets; verify names it as what it is, not as a probe's file
    from tests.cli.test_sources_devices import INTUNE_NOV, INTUNE_OCT

    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "oct.csv").write_text(INTUNE_OCT, encoding="utf-8")
    (exports / "nov.csv").write_text(INTUNE_NOV, encoding="utf-8")
    evidence = tmp_path / "evidence"
    assert ccaudit("sources", "parse", "intune", exports / "oct.csv", exports / "nov.csv", "--out", evidence).code == 0
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    info = svc.run_inspection("alice", audit_id, evidence)
    report_sha = _sha((evidence / "device_parse_report.json").read_bytes())
    sign(team, audit_id)
    archive = svc.export("bob", audit_id, tmp_path / "audit-2026.zip", load_private_key(team.bob_key_path))
    verified = verify_archive(archive)
    assert verified.ok, verified.problems
    assert (verified.checked["probe files"], verified.checked["parse reports"]) == (0, 1)
    tampered = _rewrite(archive, tmp_path / "tampered.zip", {f"evidence/{report_sha}": b"{}"})
    assert any("(parse report device_parse_report.json)" in p for p in verify_archive(tampered).problems)

    kept = info.folder / "evidence" / "blobs" / report_sha
    kept.chmod(0o644)
    kept.write_bytes(b"{}")
    assert any("parse report device_parse_report.json" in p for p in svc.verify().problems)
