"""A remediation item's title is kept as what it is made of (requirement, result, the reason that opened it)
and said in each reader's language; a title an auditor typed is kept as typed; items recorded before
migration 0008 (an English sentence only) still read in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from ccaudit.audit.errors import AuditError, PermissionDeniedError
from ccaudit.audit.integrity.papers import working_papers
from ccaudit.audit.integrity.state import state
from ccaudit.audit.storage.models import RemediationItem
from ccaudit.reports.from_audit import from_snapshot
from ccaudit.reports.from_result_dir import Labels

from .conftest import FIRM, Team, sign

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def audit(team: Team, result_dir: Path) -> int:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    svc.attach_run("alice", audit_id, result_dir)
    svc.confirm_derived("alice", audit_id)
    return audit_id


def _item(team: Team, audit_id: int, requirement_id: str = "12.5.5") -> int:
    return next(i.item_id for i in team.service.snapshot(audit_id).remediation if i.requirement_id == requirement_id)


def test_an_opened_item_reads_in_each_language_everywhere(team: Team, audit: int) -> None:
    svc = team.service
    snap = svc.snapshot(audit)
    item = next(i for i in snap.remediation if i.requirement_id == "12.5.5")
    # the stored English sentence is unchanged (older readers, the trail); its parts are kept beside it
    assert item.title == "12.5.5 non_compliant: remote_login_used_mfa: 3 offending row(s) not compensated"
    assert item.title_source is not None and item.title_source.reason is not None
    # (this fake run stored its reasons as text, as results from before reason codes did: read back too)
    assert item.title_source.reason.params["text"] == "remote_login_used_mfa: 3 offending row(s) not compensated"
    zh = item.say_title("zh-TW")
    assert zh == "12.5.5 不符合：遠端登入皆使用多因子驗證：3 筆不符合，未有補償性措施"
    assert item.say_title("en") == "12.5.5 Non-compliant: remote_login_used_mfa: 3 offending row(s) not compensated"
    # the JSON report carries both; the archive's working paper both as columns
    row = next(r for r in from_snapshot(snap, Labels(None, {})).requirements if r.id == "12.5.5")
    assert row.remediation[0].title is not None and row.remediation[0].title.zh == zh
    paper = working_papers(snap)["working-papers/remediation.csv"].decode("utf-8-sig")
    assert zh in paper and "title_source" not in paper.splitlines()[0]


def test_a_typed_title_is_kept_as_typed_signed_verified_and_carried_over(team: Team, audit: int) -> None:
    svc = team.service
    item_id = _item(team, audit)
    svc.update_remediation("alice", item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    with pytest.raises(PermissionDeniedError, match="title"):  # a control owner updates status and notes only
        svc.update_remediation("carol", item_id, title="mine")
    with pytest.raises(AuditError, match="1 to 500"):
        svc.update_remediation("alice", item_id, title="   ")
    with pytest.raises(AuditError, match="control or invisible"):
        svc.update_remediation("alice", item_id, title="MFA\x1b[31m\u202e")
    svc.update_remediation("alice", item_id, title="  導入 VPN 多因子驗證\n(MFA) <b>x</b>  ")
    item = next(i for i in svc.snapshot(audit).remediation if i.item_id == item_id)
    typed = "導入 VPN 多因子驗證 (MFA) <b>x</b>"  # one line, as typed: markup is text, escaped where shown
    assert item.title == typed and item.say_title("zh-TW") == typed and item.say_title("en") == typed
    sign(team, audit)
    assert svc.verify().ok
    new, _ = svc.carry_over("alice", audit)
    carried = next(i for i in svc.snapshot(new).remediation if i.requirement_id == "12.5.5")
    assert carried.say_title("zh-TW") == typed and carried.title_source == item.title_source


def test_items_recorded_before_migration_0008_read_in_chinese_and_keep_their_state(team: Team, audit: int) -> None:
    svc = team.service
    item_id = _item(team, audit)
    other = _item(team, audit, "12.1.1")
    again = "still failing after the earlier item was closed: 12.5.5 non_compliant: remote_login_used_mfa: evidence " \
        "not supplied (remote_sessions, people)"
    with svc.db.transaction() as s:  # as the migration leaves items recorded before it
        s.execute(update(RemediationItem).where(RemediationItem.id == item_id).values(title_source=None, title=again))
        s.execute(update(RemediationItem).where(RemediationItem.id == other)
                  .values(title_source=None, title="Restore test for the backup of C-01"))
    with svc.db.read() as s:
        assert "title_source" not in state(s, s.get(RemediationItem, item_id))  # what verify compares
    snap = svc.snapshot(audit)
    old = next(i for i in snap.remediation if i.item_id == item_id)
    assert "title_source" not in old.model_dump(mode="json")  # so a digest signed before 0008 is the same
    assert old.say_title("zh-TW") == (
        "前一改善事項結案後仍未改善：12.5.5 不符合：遠端登入皆使用多因子驗證：未提供證據（遠端連線紀錄、人員清冊）")
    assert old.say_title("en").startswith("Still failing after the earlier item was closed: 12.5.5 Non-compliant: ")
    kept = next(i for i in snap.remediation if i.item_id == other)  # not ccaudit's wording: shown as stored
    assert kept.say_title("zh-TW") == "Restore test for the backup of C-01"
