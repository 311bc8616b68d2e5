"""`ccaudit policies scan` and `ccaudit audit policies|policy-confirm|policy-reject` through the real entry
point: the table in both languages, refusals with exit 2 and no traceback, payloads shown escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccaudit.cli.console import console, err_console

from .inprocess import ccaudit

CLOUD = """雲端運算服務作業安全規範

本公司選擇雲端服務提供者時，應辦理評選。

雲端資料應每日備份。

核心系統之復原時間目標（RTO）為四小時。
"""


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    for shared in (console, err_console):  # made at import, before COLUMNS was set: a width of our own
        monkeypatch.setattr(shared, "_width", 250)
    monkeypatch.setenv("CCAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CCAUDIT_DB", raising=False)
    monkeypatch.delenv("CCAUDIT_LANG", raising=False)


def _plain(text: str) -> str:
    """The output with the table's borders taken out and white space collapsed (cells of one line read on)."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())


def _docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "cloud_big5.txt").write_bytes(CLOUD.encode("cp950"))
    return folder


def test_scan_prints_the_proposals_in_the_documents_language(tmp_path: Path) -> None:
    got = ccaudit("policies", "scan", _docs(tmp_path), "--out", tmp_path / "out", "--as-of", "2026-11-30")
    assert got.code == 0, got.text
    assert "D1 docs/cloud_big5.txt：純文字檔，4 段，繁體中文" in got.text  # its format and language in Chinese too
    table = _plain(got.out)
    assert "12.1.1 雲端服務提供者之選擇方式 已涵蓋 docs/cloud_big5.txt 第 2 段 第 3 行" in table
    assert "部分涵蓋" in table and "查核措施 未找到" in table and "僅為建議：須經查核人員確認" in table
    english = ccaudit("policies", "scan", tmp_path / "docs", "--out", tmp_path / "out", "--lang", "en",
                      "--as-of", "2026-11-30")
    assert "partly covered" in english.out and "audit measures over the provider not found" in _plain(english.out)
    assert (tmp_path / "out" / "policy_coverage.json").is_file()
    topics = ccaudit("policies", "topics", "--clause", "12.1.1", "--lang", "zh-TW")
    assert topics.code == 0 and "復原時間要求 (recovery_time)" in _plain(topics.out)
    assert "12.1.2" not in topics.out and ccaudit("policies", "topics", "--clause", "12.9").code == 2


def test_the_register_table_and_a_register_that_does_not_read(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    register = tmp_path / "policy_documents.csv"
    register.write_text("doc_id,title,policy_area,topics,approved_by,approved_on\n"
                        "POL-CLD-01,雲端運算服務作業安全規範,cloud_user,backup;audit,總經理,2024-03-01\n",
                        encoding="utf-8")
    got = ccaudit("policies", "scan", docs, "--out", tmp_path / "out", "--register", register, "--lang", "en")
    assert got.code == 0, got.text
    assert "POL-CLD-01 雲端運算服務作業安全規範 (#2) docs/cloud_big5.txt backup, audit audit" in _plain(got.out)
    register.write_text("doc_id,title\nPOL-1,x\n", encoding="utf-8")
    bad = ccaudit("policies", "scan", docs, "--out", tmp_path / "out2", "--register", register)
    assert bad.code == 2 and "--register" in bad.err and "Traceback" not in bad.text
    assert not (tmp_path / "out2").exists()


def test_bad_documents_exit_2_naming_them_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "policy\x1b[31m.pdf"
    bad.write_bytes(b"%PDF-1.7 garbage")
    got = ccaudit("policies", "scan", bad, "--out", tmp_path / "out")
    assert got.code == 2 and "Traceback" not in got.text
    assert "policy\\x1b[31m.pdf: cannot be read as PDF" in got.text and "\x1b" not in got.err
    assert not (tmp_path / "out").exists()
    assert ccaudit("policies", "scan", tmp_path / "nothing.md", "--out", tmp_path / "out").code == 2
    assert ccaudit("policies", "scan", bad, "--out", tmp_path / "out", "--lang", "fr").code == 2


def test_the_auditor_attaches_confirms_and_rejects_in_the_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.audit.audit_fakes import make_result_dir

    assert ccaudit("policies", "scan", _docs(tmp_path), "--out", tmp_path / "scan", "--as-of", "2026-11-30").code == 0
    monkeypatch.setenv("CCAUDIT_USER", "admin")
    for args in (("user", "add", "admin", "--name", "Ada"), ("firm", "add", "9A00", "範例證券"),
                 ("user", "add", "alice", "--name", "Alice"), ("user", "grant", "alice", "9A00", "auditor")):
        assert ccaudit(*args).code == 0
    monkeypatch.setenv("CCAUDIT_USER", "alice")
    assert ccaudit("audit", "open", "9A00", "2026", "--as-of", "2026-11-30").code == 0
    assert ccaudit("audit", "attach", "1", make_result_dir(tmp_path / "run")).code == 0
    attached = ccaudit("audit", "policies", "1", tmp_path / "scan", "--lang", "zh-TW")
    assert attached.code == 0, attached.text
    assert "已將規範文件比對建議" in attached.text
    assert "12.1.1 雲端服務提供者之選擇方式 已涵蓋" in _plain(attached.out) and "待查核人員確認" in attached.text
    confirmed = ccaudit("audit", "policy-confirm", "1", "12.1.1", "--note", "讀過 CLD-01", "--lang", "zh-TW")
    assert confirmed.code == 0, confirmed.text
    assert "12.1.1：比對建議「部分涵蓋」已確認；已記錄人工確認 1（不符合）" in confirmed.text
    rejected = ccaudit("audit", "policy-reject", "1", "12.1.2", "--note", "not a cloud provider")
    assert rejected.code == 0 and "the requirement's result is unchanged" in rejected.text
    again = ccaudit("audit", "policy-reject", "1", "12.1.1", "--note", "x")
    assert again.code == 2 and "already confirmed by alice" in again.text
    shown = ccaudit("audit", "policies", "1")
    assert "confirmed — alice" in shown.text and "rejected — alice" in shown.text
    assert "not a cloud provider" in _plain(shown.out)
    story = ccaudit("audit", "history", "1", "12.1.1")
    assert "policy.confirm" in story.text
