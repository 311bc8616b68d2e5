"""A check's offending rows as the requirement page reads them: paged, filtered and counted in the
database (SQLite and PostgreSQL), wildcards taken literally, and exported whole in keyset-paged chunks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ccaudit.audit.errors import NotFoundError, PermissionDeniedError
from ccaudit.audit.workflow.runs import RowQuery

from .conftest import FIRM, Team

CHECK = "remote_login_used_mfa"  # 3 rows in the result_dir fixture: user000000..user000002


def test_paged_filtered_and_exported(team: Team, result_dir: Path) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, dt.date(2026, 11, 30))
    svc.attach_run("alice", audit_id, result_dir)
    first = svc.offending_page("vic", audit_id, CHECK, RowQuery(limit=2))
    second = svc.offending_page("vic", audit_id, CHECK, RowQuery(limit=2, offset=2))
    assert (first.total, first.matched) == (3, 3)
    assert [r["subject"] for r in first.rows + second.rows] == ["user000000", "user000001", "user000002"]
    found = svc.offending_page("vic", audit_id, CHECK, RowQuery(text="USER000001"))  # any case
    assert (found.total, found.matched, [r["row_no"] for r in found.rows]) == (3, 1, [2])
    assert svc.offending_page("vic", audit_id, CHECK, RowQuery(text="多因子")).matched == 3  # a value, in Chinese
    assert svc.offending_page("vic", audit_id, CHECK, RowQuery(text="user%")).matched == 0  # % is a character
    assert svc.offending_page("vic", audit_id, CHECK, RowQuery(text="user_0")).matched == 0  # so is _
    assert svc.offending_page("vic", audit_id, CHECK, RowQuery(open_only=True)).matched == 3
    exported = list(svc.runs.offending_export("vic", audit_id, CHECK, RowQuery(), chunk=2))
    assert [r["row_no"] for r in exported] == [1, 2, 3]
    with pytest.raises(NotFoundError, match="no check"):
        svc.offending_page("vic", audit_id, "no_such_check", RowQuery())
    svc.add_user("admin", "mallory", "Mallory")
    with pytest.raises(PermissionDeniedError):
        svc.offending_page("mallory", audit_id, CHECK, RowQuery())
