"""Policy-document proposals in the audit (issue 14): attaching them changes no result; the auditor's
confirmation records an attestation quoting the passages (met only when every topic was found), a
rejection only the trail; the files are kept under their SHA-256 and `verify` notices an altered one."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from ccaudit.audit.errors import AuditError, PermissionDeniedError
from ccaudit.audit.snapshot import AttestationSnap
from ccaudit.audit.storage.models import TrailEntry
from ccaudit.errors import EvidenceError
from ccaudit.findings.models import Status
from ccaudit.policies.scan import scan
from ccaudit.settings import Settings

from .audit_fakes import make_result_dir
from .conftest import FIRM, Team

AS_OF = dt.date(2026, 11, 30)
POLICY = """# Mobile Device and Social Media Policy

Employees request a company mobile device with the IT request form approved by their manager.

A company mobile device may be used for business purposes only; acceptable use is set out in annex A.

A mobile device is replaced when it is lost, damaged or older than four years.

Staff may share on social media only business information that Corporate Communications has published.
"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("policy-scan")
    doc = root / "docs" / "mobile_policy.md"
    doc.parent.mkdir()
    doc.write_text(POLICY, encoding="utf-8")
    scan([doc], root / "scan", Settings(), as_of=AS_OF)
    return root / "scan"


@pytest.fixture
def proposals(scanned: Path, tmp_path: Path) -> Path:
    """The scan's folder, a copy per test (tests edit it)."""
    return Path(shutil.copytree(scanned, tmp_path / "scan"))


# what depends on the database (the trail, attestations, locks) runs on SQLite and PostgreSQL; reports,
# archives and refusals before any write read the same records either way and run on SQLite only
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def audit_id(team: Team, tmp_path: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    statuses = {"12.2.1.1": Status.NEEDS_REVIEW}  # a shall that needs a person to judge the rule's content
    svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "run", statuses=statuses))
    return audit_id


def _results(team: Team, audit_id: int) -> dict[str, Status | None]:
    return {r.requirement_id: r.result for r in team.service.snapshot(audit_id).requirements}


def _attestations(team: Team, audit_id: int, requirement_id: str) -> list[AttestationSnap]:
    return [a for a in team.service.snapshot(audit_id).attestations if a.requirement_id == requirement_id]


def _entries(team: Team, entity: str) -> list[TrailEntry]:
    with team.service.db.read() as s:
        return list(s.scalars(select(TrailEntry).where(TrailEntry.entity == entity).order_by(TrailEntry.seq)))


def test_attaching_proposals_changes_no_result_and_records_their_hash(
    team: Team, audit_id: int, proposals: Path
) -> None:
    svc = team.service
    before = _results(team, audit_id)
    attached = svc.attach_policies("alice", audit_id, proposals)
    assert _results(team, audit_id) == before  # a proposal is not a verdict
    (entry,) = _entries(team, "policy_proposal")
    recorded = json.loads(entry.after or "{}")
    assert entry.entity_id == attached.sha256 and recorded["sha256"] == attached.sha256
    assert {"requirement_id": "12.3.1.1", "proposal": "partly_covered", "proposed_attestation": "not_met",
            "missing": ["return"]} in recorded["clauses"]
    stored = svc.settings.data_dir / "policies" / attached.sha256
    assert (stored / "policy_coverage.json").is_file()
    assert [p.name for p in (stored / "documents" / "blobs").iterdir()] == [recorded["documents"][0]["sha256"]]
    view = svc.policy_proposals("vic", audit_id)  # a viewer may read them
    assert view is not None and view.sha256 == attached.sha256 and view.decisions == {}


def test_confirming_a_covered_clause_attests_met_with_the_passage_quoted(
    team: Team, audit_id: int, proposals: Path
) -> None:
    svc = team.service
    svc.attach_policies("alice", audit_id, proposals)
    assert _results(team, audit_id)["12.2.1.1"] is Status.NEEDS_REVIEW
    decision = svc.decide_policy("alice", audit_id, "12.2.1.1", True, "the rule lists what may be shared", "zh-TW")
    req = svc.snapshot(audit_id).requirement("12.2.1.1")
    assert req.result is Status.COMPLIANT
    (att,) = _attestations(team, audit_id, "12.2.1.1")
    assert att.attestation_id == decision.attestation_id and att.result.value == "met"
    assert att.attested_by == "Alice (alice)"
    assert att.document_ref == f"policy_coverage.json SHA-256 {decision.proposal_sha256}"
    assert att.note is not None and att.note.splitlines()[:2] == [
        "規範文件比對建議：已涵蓋（1 項主題中 1 項）；經 Alice (alice) 確認",
        "查核人員說明：the rule lists what may be shared",
    ]
    assert "mobile_policy.md 第 5 段 第 9 行「Staff may share on social media only business information" in att.note
    (entry,) = _entries(team, "policy_decision")
    assert entry.action == "policy.confirm" and json.loads(entry.after or "{}")["attestation_id"] == att.attestation_id
    history = svc.history("alice", audit_id, "12.2.1.1")
    assert [step.action for step in history][-3:] == ["attestation.add", "assessment.derive", "policy.confirm"]


def test_confirming_a_clause_with_topics_not_found_is_a_gap(team: Team, audit_id: int, proposals: Path) -> None:
    svc = team.service
    svc.attach_policies("alice", audit_id, proposals)
    assert _results(team, audit_id)["12.3.1.1"] is Status.COMPLIANT  # the register says every topic is covered
    svc.decide_policy("alice", audit_id, "12.3.1.1", True, "no rule on returning devices", "en")
    req = svc.snapshot(audit_id).requirement("12.3.1.1")
    assert req.result is Status.NON_COMPLIANT
    (att,) = _attestations(team, audit_id, "12.3.1.1")
    assert att.result.value == "not_met" and att.note is not None
    assert "- returning a company mobile device: not found in the documents" in att.note


def test_rejecting_changes_nothing_but_the_trail_and_a_clause_is_decided_once(
    team: Team, audit_id: int, proposals: Path
) -> None:
    svc = team.service
    svc.attach_policies("alice", audit_id, proposals)
    before = _results(team, audit_id)
    decision = svc.decide_policy("alice", audit_id, "12.2.1.1", False, "the passage is about press releases only")
    assert decision.attestation_id is None and _results(team, audit_id) == before
    assert _attestations(team, audit_id, "12.2.1.1") == []
    view = svc.policy_proposals("alice", audit_id)
    assert view is not None and view.decisions["12.2.1.1"].decision == "rejected"
    with pytest.raises(AuditError, match="already rejected by alice"):
        svc.decide_policy("alice", audit_id, "12.2.1.1", True, "changed my mind")
    with pytest.raises(AuditError, match="needs a note"):
        svc.decide_policy("alice", audit_id, "12.3.1.1", True, "  ")
    with pytest.raises(PermissionDeniedError):
        svc.decide_policy("vic", audit_id, "12.3.1.1", True, "a viewer cannot decide")
    assert _results(team, audit_id) == before


@sqlite_only
def test_deciding_before_attaching_and_a_scan_of_another_catalog_version_are_refused(
    team: Team, audit_id: int, proposals: Path
) -> None:
    svc = team.service
    with pytest.raises(AuditError, match="has no policy proposals"):
        svc.decide_policy("alice", audit_id, "12.2.1.1", True, "x")
    doc = json.loads((proposals / "policy_coverage.json").read_text(encoding="utf-8"))
    doc["catalog_version"] = 0
    (proposals / "policy_coverage.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AuditError, match="scan again with --as-of 2026-11-30"):
        svc.attach_policies("alice", audit_id, proposals)
    assert _entries(team, "policy_proposal") == []


@sqlite_only
def test_verify_finds_an_altered_proposal_file(team: Team, audit_id: int, proposals: Path) -> None:
    svc = team.service
    attached = svc.attach_policies("alice", audit_id, proposals)
    assert svc.verify().ok
    stored = svc.settings.data_dir / "policies" / attached.sha256 / "policy_coverage.json"
    stored.chmod(0o644)
    stored.write_text(stored.read_text(encoding="utf-8").replace("partly_covered", "covered"), encoding="utf-8")
    (svc.settings.data_dir / "policies" / ".partial-0f").mkdir()  # what a killed attach leaves
    report = svc.verify()
    assert any(f"policy proposal {attached.sha256[:12]}" in p and "altered" in p for p in report.problems)
    assert any(".partial-0f: not recorded in the trail" in w for w in report.warnings)
    with pytest.raises(Exception, match="missing or altered"):
        svc.decide_policy("alice", audit_id, "12.3.1.1", True, "x")


@sqlite_only
def test_reports_show_the_proposal_and_the_decision_in_both_languages(
    team: Team, audit_id: int, proposals: Path, tmp_path: Path
) -> None:
    import jsonschema

    from ccaudit.reports.from_audit import open_audit
    from ccaudit.reports.report_to_json import schema, write_json
    from ccaudit.reports.texts import note_lines

    svc = team.service
    svc.attach_policies("alice", audit_id, proposals)
    svc.decide_policy("alice", audit_id, "12.3.1.1", True, "no rule on returns", "en")
    settings = svc.settings.model_copy(update={"user": "alice"})
    with open_audit(audit_id, settings, with_previous=False) as inp:
        rows = {r.id: r for r in inp.data.requirements}
        mobile, shareable = rows["12.3.1.1"], rows["12.2.1.1"]
        assert ("規範文件比對建議：部分涵蓋（4 項主題中 3 項；未找到：行動裝置之繳回）；查核人員決定：確認 — alice，"
                "2026-12-01：no rule on returns") in note_lines(mobile, "zh-TW")
        assert ("Policy documents: proposal covered (1 of 1 topics); auditor's decision: awaiting the auditor"
                in note_lines(shareable, "en"))
        assert "人工確認：不符合 — Alice (alice), 2026-12-01" in "\n".join(note_lines(mobile, "zh-TW"))
        doc = json.loads(write_json(inp, tmp_path / "r.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    (row,) = [r for r in doc["requirements"] if r["id"] == "12.3.1.1"]
    assert row["policy_proposal"]["decision"] == "confirmed" and row["policy_proposal"]["missing"] == [
        {"en": "returning a company mobile device", "zh": "行動裝置之繳回"}]


@sqlite_only
def test_a_signed_audit_with_policy_decisions_exports_and_verifies(
    team: Team, audit_id: int, proposals: Path, tmp_path: Path
) -> None:
    from ccaudit.audit.integrity.archive_verify import verify_archive
    from ccaudit.audit.integrity.signing import load_private_key

    from .conftest import sign

    svc = team.service
    svc.attach_policies("alice", audit_id, proposals)
    svc.decide_policy("alice", audit_id, "12.2.1.1", True, "read in full")
    svc.decide_policy("alice", audit_id, "12.3.1.1", False, "returns are in annex B, not scanned")
    sign(team, audit_id)
    assert svc.verify().ok
    archive = svc.export("bob", audit_id, tmp_path / "audit.zip", load_private_key(team.bob_key_path))
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert report.checked["policy proposal files"] == 2  # the json and the one document it quotes
    import zipfile

    with zipfile.ZipFile(archive) as z:
        names = [n for n in z.namelist() if n.startswith("policies/")]
        items = {n: z.read(n) for n in z.namelist()}
    assert len(names) == 2 and any(n.endswith("/policy_coverage.json") for n in names)
    (json_name,) = [n for n in names if n.endswith(".json")]
    items[json_name] = items[json_name].replace(b'"partly_covered"', b'"covered"')
    with zipfile.ZipFile(tmp_path / "tampered.zip", "w") as z:
        for name, data in items.items():
            z.writestr(name, data)
    problems = verify_archive(tmp_path / "tampered.zip").problems
    assert f"{json_name}: does not match the SHA-256 its trail entry records (altered)" in problems


@sqlite_only
def test_a_hand_edited_proposal_is_not_attached(team: Team, audit_id: int, proposals: Path) -> None:
    path = proposals / "policy_coverage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    mobile = next(c for c in doc["clauses"] if c["requirement_id"] == "12.3.1.1")
    mobile["proposal"], mobile["proposed_attestation"] = "covered", "met"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(EvidenceError, match="not what its documents give under the topic rules"):
        team.service.attach_policies("alice", audit_id, proposals)
    assert _entries(team, "policy_proposal") == []
    assert [p.name for p in (team.service.settings.data_dir / "policies").iterdir()] == []  # nothing left behind
