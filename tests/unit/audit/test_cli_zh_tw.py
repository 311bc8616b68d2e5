"""`--lang zh-TW` (or CCAUDIT_LANG=zh-TW) on the people commands, `verify` and `audit show --requirement`:
the confirmation lines, verify's frame and the per-check coverage lines in Traditional Chinese, with the
reports' words where they have one. The real entry point run in-process (tests/cli/inprocess.py) with exactly the
environment a user's shell would give it, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.inprocess import ccaudit_with_env
from tests.cli.test_sources import FORTIGATE
from tests.zh_text import english

from .audit_fakes import make_result_dir

# the data of these tests: users' names, the catalog's ID
DATA = frozenset({"admin", "alice", "bob", "Ada", "Alice", "Bob", "twse-sec-infosec-art12"})


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


def test_the_audit_year_on_the_command_line_says_nothing_in_english(tmp_path: Path) -> None:
    """Open, measure, sign off, export, anchor and carry over with CCAUDIT_LANG=zh-TW: every confirmation and
    every refusal reads in Chinese (no English word outside tests/zh_text.py's allow-list and the data), with the
    values a user checks in it. SQLite only: the words do not depend on the database."""
    db = f"sqlite:///{tmp_path / 'audit.db'}"

    def cli(user: str, *args: str | Path, code: int = 0, data: bool = False) -> str:
        env = {"PATH": "/usr/bin:/bin", "COLUMNS": "400", "HOME": str(tmp_path),
               "CCAUDIT_DATA_DIR": str(tmp_path / "data"), "CCAUDIT_DB": db, "CCAUDIT_USER": user,
               "CCAUDIT_LANG": "zh-TW"}
        out = ccaudit_with_env(env, *args)
        assert out.code == code, f"{args}: exit {out.code}\n{out.out}{out.err}"
        assert data or not english(out.text, DATA), f"{args}: {english(out.text, DATA)}\n{out.text}"
        return out.text

    cli("admin", "user", "add", "admin", "--name", "Ada")
    cli("admin", "firm", "add", "9A00", "範例證券")
    for user, role in (("alice", "auditor"), ("bob", "reviewer")):
        cli("admin", "user", "add", user, "--name", user.title())
        cli("admin", "user", "grant", user, "9A00", role)
    assert cli("admin", "user", "add", "alice", "--name", "Alice", code=2) == "錯誤：使用者 alice 已存在"
    assert cli("alice", "audit", "open", "ZZ99", "2026", "--as-of", "2026-11-30", code=2) == "錯誤：查無公司 'ZZ99'"
    opened = cli("alice", "audit", "open", "9A00", "2026", "--as-of", "2026-11-30")
    assert opened.startswith("查核 1 已開立：9A00 2026 年度，查核基準日 2026-11-30，") and "共 30 項條文" in opened
    cli("alice", "audit", "attach", "1", make_result_dir(tmp_path / "r", offending={"remote_login_used_mfa": 2}))
    measured = cli("alice", "audit", "measure", "1", "CM-1", "--requirement", "12.5.5", "--description", "閘道多因子",
                   "--approver", "王經理", "--approved-on", "2026-09-01", "--review-by", "2026-12-31",
                   "--check", "remote_login_used_mfa")
    assert measured == "補償性措施 CM-1 已記錄（編號 1），涵蓋 remote_login_used_mfa（全部）"
    cli("alice", "audit", "defer", "1", "12.5.8", "--justification", "已請公司補件")
    cli("alice", "audit", "assess", "1", "--all-derived")
    cli("alice", "audit", "submit", "1")
    no_key = cli("bob", "audit", "signoff", "1", code=2)
    assert no_key.startswith("錯誤：") and "無簽章金鑰：請以 `ccaudit user key` 建立並登錄" in no_key
    cli("bob", "user", "key")
    signed = cli("bob", "audit", "signoff", "1")
    assert re.match(r"查核 1 已簽核並凍結 摘要值（SHA-256）：[0-9a-f]{64} "
                    r"軌跡已錨定於 \S+（請與資料庫分開保存）$", signed)
    shown = cli("bob", "audit", "show", "1")
    assert "編製人員 alice，" in shown and "覆核人員 bob 於 " in shown
    rows = cli("bob", "audit", "rows", "1", "remote_login_used_mfa", data=True)  # the rows' fields as stored
    assert "檢查項目 remote_login_used_mfa，檢查執行 1" in rows and "顯示 2 筆，共 2 筆" in rows
    archive = tmp_path / "audit.zip"
    assert cli("bob", "audit", "export", "1", "--out", archive) == f"封存檔已寫入 {archive}"
    exists = cli("bob", "audit", "export", "1", "--out", archive, code=2)
    assert exists == f"錯誤：{archive} 已存在；請為封存檔另取名稱"
    assert re.match(r"軌跡已錨定於第 \d+ 筆紀錄（[0-9a-f]{64}），錨點檔 \S+$", cli("bob", "audit", "anchor"))
    carried = cli("alice", "audit", "carryover", "1", "--as-of", "2027-11-30")
    assert carried.startswith("查核 2 已由查核 1 結轉開立：改善事項 ")
    assert "補償性措施 0 項" in carried
    assert "未結轉：補償性措施 CM-1：於 2027-11-30 已不具效力（檢視期限 2026-12-31）" in carried
    diffed = cli("alice", "audit", "diff", "1", "2")
    assert diffed.startswith("查核 1（9A00 2026 年度，查核基準日 2026-11-30） → 查核 2（9A00 2027 年度，")
    assert "remote_login_used_mfa：本次未執行" in diffed and diffed.endswith("退步: 30")
    assert "遠距辦公" in cli("alice", "catalog")  # CCAUDIT_LANG, as on every other command; --lang en still wins


def test_a_mostly_unreadable_raw_export_is_refused_in_zh_tw(tmp_path: Path) -> None:
    """The refusal of a raw export most of whose lines cannot be read, with what most of them lack."""
    line = FORTIGATE.splitlines()[0]  # a readable FortiGate line
    bad = line.replace("eventtime=", "x=").replace("time=08", "time=xx")
    (tmp_path / "fgt.log").write_text("\n".join([line, bad, bad, bad]) + "\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CCAUDIT_LANG": "zh-TW"}
    out = ccaudit_with_env(env, "sources", "parse", "fortigate", tmp_path / "fgt.log", "--out", tmp_path / "out")
    assert out.code == 2
    assert "fgt.log：4 行中有 3 行非可讀取之 fortigate 紀錄" in out.text and "本檔不予匯入" in out.text
    assert "多數為：無可判讀之時間" in out.text and "前幾行：第 2、3、4 行" in out.text
    english_out = ccaudit_with_env({**env, "CCAUDIT_LANG": "en"}, "sources", "parse", "fortigate",
                                   tmp_path / "fgt.log", "--out", tmp_path / "out")
    assert "Most are: no readable time" in english_out.text and "First ones: lines 2, 3, 4" in english_out.text
