"""`audit trail` shows what each entry changed (old -> new) at Taipei time; `audit history` tells one
requirement's story; --lang zh-TW / CCAUDIT_LANG speak Chinese in the tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .conftest import FIRM, Team
from .test_cli_audit import Cli

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
AS_OF = dt.date(2026, 11, 30)


def _audit(team: Team, result_dir: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    svc.assess("alice", audit_id, "12.5.5", "compliant", "MFA enforced at the gateway since 2026-11-20 (WP-3)")
    svc.attest("alice", audit_id, "12.5.8", "met", "Lin, CISO", dt.date(2026, 11, 20), "MEMO-1")
    item = next(i for i in svc.snapshot(audit_id).remediation if i.requirement_id == "12.5.6")
    svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.update_remediation("alice", item.item_id, due_date=dt.date(2027, 4, 30))
    return audit_id


def test_trail_shows_old_and_new_values_in_taipei_time(
    team: Team, result_dir: Path, tmp_path: Path, db_url: str
) -> None:
    audit_id = _audit(team, result_dir)
    out = Cli(tmp_path, db_url)("vic", "audit", "trail", str(audit_id))
    assert "due_date: 2027-03-31 -> 2027-04-30" in out  # only what changed, old -> new
    assert "owner: - -> carol" in out
    assert "assessed_result: - -> compliant" in out
    # the test clock starts 2026-12-01 09:00 UTC: 17:00 in Taipei, shown with the offset
    assert "2026-12-01 17:00:" in out and "+08:00" in out and "T09:00" not in out


def test_history_tells_one_requirements_story(team: Team, result_dir: Path, tmp_path: Path, db_url: str) -> None:
    audit_id = _audit(team, result_dir)
    cli = Cli(tmp_path, db_url)
    out = cli("vic", "audit", "history", str(audit_id), "12.5.6")
    assert "automated_status: - -> non_compliant" in out  # what the run decided
    assert "remediation" in out and "due_date: 2027-03-31 -> 2027-04-30" in out
    assert "12.5.5" not in out.replace("12.5.6", "")  # nothing about other requirements
    out = cli("vic", "audit", "history", str(audit_id), "12.5.8")
    assert "attestation" in out and "attested_by: - -> Lin, CISO" in out
    out = " ".join(cli("vic", "audit", "history", str(audit_id), "99.9", code=2).split())
    assert "99.9 is not a requirement of audit 1" in out


def test_zh_tw_tables_by_option_or_setting(team: Team, result_dir: Path, tmp_path: Path, db_url: str) -> None:
    audit_id = _audit(team, result_dir)
    team.service.defer("alice", audit_id, "12.2.2", "policy memo requested")
    cli = Cli(tmp_path, db_url)
    out = cli("vic", "audit", "show", str(audit_id), "--lang", "zh-TW")
    assert "延後評估: policy memo requested" in out
    assert "查核結果" in out and "不符合" in out and "符合" in out and "non_compliant" not in out
    assert "more)" not in out and "deferred" not in out
    assert "變更（原 -> 新）" in cli("vic", "audit", "trail", str(audit_id), "--lang", "zh-TW")
    cli.env = {**cli.env, "CCAUDIT_LANG": "zh-TW"}
    out = cli("vic", "audit", "remediation", str(audit_id))
    assert "預定完成日" in out and "未改善" in out
    assert "查核基準日" in cli("vic", "audit", "list")
    out = cli("vic", "audit", "show", str(audit_id), "--lang", "en")  # the option wins over the setting
    assert "non_compliant" in out and "查核結果" not in out
    cli.env = {**cli.env, "CCAUDIT_LANG": "fr"}
    assert "CCAUDIT_LANG='fr'" in " ".join(cli("vic", "audit", "list", code=2).split())


def test_show_counts_an_audit_with_requirements_not_yet_assessed(team: Team, tmp_path: Path, db_url: str) -> None:
    # A freshly opened (or carried-over) audit has no verdicts yet: show must still print its counts.
    audit_id = team.service.open_audit("alice", FIRM, 2026, AS_OF)
    cli = Cli(tmp_path, db_url)
    assert "not_assessed: " in cli("vic", "audit", "show", str(audit_id))
    assert "未評估: " in cli("vic", "audit", "show", str(audit_id), "--lang", "zh-TW")
