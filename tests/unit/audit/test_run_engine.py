"""The engine that ran a run's checks, as the audit keeps it: `runs.engine` from findings.json, shown by
`audit show` (in both languages) and in the reports; a run recorded before it was kept reads "unknown",
and the snapshot of such a run (what sign-offs digested) is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit

from ccaudit.audit.integrity.digest import digest_payload
from ccaudit.errors import CcauditError
from ccaudit.reports.from_audit import from_snapshot
from ccaudit.reports.from_result_dir import Labels

from .audit_fakes import AS_OF, make_result_dir
from .conftest import FIRM, Team


def with_engine(result: Path, name: str) -> Path:
    """What `ccaudit inspect --engine NAME` writes into findings.json and the manifest."""
    engine = {"name": name, "version": "4.0.1", "url": "local[2]" if name == "spark" else None, "db_schema": None}
    for path in (result / "findings.json", result / "evidence" / "manifest.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["engine"] = engine
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return result


def show(team: Team, monkeypatch: pytest.MonkeyPatch, *more: str) -> str:
    settings = team.service.ctx.settings
    monkeypatch.setenv("CCAUDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CCAUDIT_DB", str(settings.db))
    monkeypatch.setenv("CCAUDIT_USER", "alice")
    done = ccaudit("audit", "show", "1", *more)
    assert done.code == 0, done.text
    return done.text


def test_the_engine_of_a_run_is_recorded_and_shown(team: Team, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, with_engine(make_result_dir(tmp_path / "r1"), "spark"))
    snap = svc.snapshot(audit_id)
    assert [r.engine for r in snap.runs] == ["spark"]
    assert digest_payload(snap)["runs"][0]["engine"] == "spark", "the engine is part of what a sign-off seals"
    assert "latest run 1, attached" in show(team, monkeypatch) and "checks ran on spark" in show(team, monkeypatch)
    assert "檢查執行引擎 spark" in show(team, monkeypatch, "--lang", "zh-TW")


def test_a_run_that_did_not_record_its_engine_reads_unknown(team: Team, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "old"))  # findings.json before 1.2
    snap = svc.snapshot(audit_id)
    assert snap.runs[0].engine is None
    # no `engine` key at all: an audit signed before the engine was recorded keeps its digest and archive
    assert "engine" not in snap.model_dump(mode="json")["runs"][0]
    assert "engine" not in digest_payload(snap)["runs"][0]
    assert "checks ran on unknown (not recorded)" in show(team, monkeypatch)
    assert "檢查執行引擎 不明（未記錄）" in show(team, monkeypatch, "--lang", "zh-TW")


def test_reports_name_the_engine_or_say_it_is_unknown(team: Team, tmp_path: Path) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, make_result_dir(tmp_path / "old"))
    assert from_snapshot(svc.snapshot(audit_id), Labels(None, {})).engine is None
    svc.attach_run("alice", audit_id, with_engine(make_result_dir(tmp_path / "pg"), "postgres"))
    assert from_snapshot(svc.snapshot(audit_id), Labels(None, {})).engine == "postgres", "the latest run's engine"


def test_an_engine_ccaudit_does_not_have_is_refused(team: Team, tmp_path: Path) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    with pytest.raises(CcauditError, match="names the engine 'oracle-exadata-cluster-01', not one of duckdb"):
        svc.attach_run("alice", audit_id, with_engine(make_result_dir(tmp_path / "odd"), "oracle-exadata-cluster-01"))
    assert svc.snapshot(audit_id).runs == [], "nothing attached"
