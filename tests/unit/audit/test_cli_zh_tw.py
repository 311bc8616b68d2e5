"""`--lang zh-TW` (or CCAUDIT_LANG=zh-TW) on the people commands, `verify` and `audit show --requirement`:
the confirmation lines, verify's frame and the per-check coverage lines in Traditional Chinese, with the
reports' words where they have one. The real entry point run in-process (tests/cli/inprocess.py) with exactly the
environment a user's shell would give it, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.inprocess import ccaudit_with_env

from .audit_fakes import make_result_dir


def _cli(tmp: Path, db: str, user: str, *args: str | Path, lang: str = "zh-TW") -> str:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "400", "HOME": str(tmp), "CCAUDIT_DATA_DIR": str(tmp / "data"),
           "CCAUDIT_DB": db, "CCAUDIT_USER": user, "CCAUDIT_LANG": lang}
    out = ccaudit_with_env(env, *args)
    assert out.code == 0, f"{args}: exit {out.code}\n{out.out}{out.err}"
    return out.text


def test_people_verify_and_coverage_lines_in_zh_tw(tmp_path: Path, db_url: str) -> None:
    def cli(user: str, *args: str | Path, lang: str = "zh-TW") -> str:
        return _cli(tmp_path, db_url, user, *args, lang=lang)

    assert cli("admin", "user", "add", "admin", "--name", "Ada") == "已新增使用者 admin（超級使用者）"
    assert cli("admin", "firm", "add", "9A00", "範例證券") == "已新增公司 9A00"
    cli("admin", "user", "add", "alice", "--name", "Alice")
    assert cli("admin", "user", "grant", "alice", "9A00", "auditor") == "alice 為 9A00 之查核人員"
    assert cli("admin", "user", "grant", "alice", "9A00", "viewer", "--lang", "en") == "alice is viewer for 9A00"
    assert cli("admin", "user", "revoke", "alice", "9A00", "viewer") == "alice 已不再為 9A00 之檢視者"
    out = cli("alice", "user", "key")
    assert re.search(r"已登錄金鑰，指紋 [0-9a-f]{64}$", out) and "私鑰已寫入" in out
    assert "查核人員" in cli("admin", "user", "list")

    cli("alice", "audit", "open", "9A00", "2026", "--as-of", "2026-11-30")
    cli("alice", "audit", "attach", "1", make_result_dir(tmp_path / "r", offending={"remote_login_used_mfa": 2}))
    cli("alice", "audit", "measure", "1", "CM-1", "--requirement", "12.5.5", "--description", "MFA at the gateway",
        "--approver", "CISO Wang", "--approved-on", "2026-09-01", "--review-by", "2027-06-30",
        "--check", "remote_login_used_mfa", "--subject", "user000000")
    shown = cli("alice", "audit", "show", "1", "--requirement", "12.5.5")
    assert "查核結果 不符合 · 自動判定 不符合 · 推導結果 不符合 · 評估結果 - · 作業狀態 進行中" in shown
    assert "改善事項 #1：未改善，未指定負責人，預定完成日 -" in shown
    assert ("檢查項目 remote_login_used_mfa：不符合，2 筆不符合，其中 0 筆已有補償性措施"
            "（明細：ccaudit audit rows 1 remote_login_used_mfa）；補償性措施：CM-1 涵蓋 user000000") in shown
    assert "補償性措施 CM-1 涵蓋 remote_login_used_mfa（user000000）：檢視期限 2027-06-30，有效" in shown
    english = cli("alice", "audit", "show", "1", "--requirement", "12.5.5", lang="en")
    assert "check remote_login_used_mfa: failed, 2 offending, 0 compensated" in english
    assert "audit measures: CM-1 for user000000" in english

    verified = cli("alice", "verify")
    assert verified.startswith("驗證通過：查核資料庫；已檢查 軌跡紀錄 ") and "查核紀錄 1 筆" in verified
    assert cli("alice", "verify", "--lang", "en").startswith("verified the audit database: ")
