"""A refused evidence folder through the real CLI: the problems in English, or in Traditional Chinese with
--lang zh-TW; exit 2 and no result folder either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from .inprocess import inspect

ENGLISH = ["1 evidence problem(s); nothing was imported:",
           "people.csv, row 3, column '離職日期': day and month order unknown: 3/5/2026 is 2026-03-05 read month "
           "first (US) or 2026-05-03 read day first"]
CHINESE = ["證據檔案有 1 項問題，未匯入任何資料：",
           "people.csv，第 3 列，「離職日期」欄：月日順序不明（3/5/2026），不予推測（填寫值 '3/5/2026'；"
           "應為年份在前之日期：2026-03-05、2026/3/5 或民國 115/03/05）"]


@pytest.mark.parametrize(("lang", "setting", "expected"), [
    ("en", "en", ENGLISH),
    ("zh-TW", "en", CHINESE),
    (None, "zh-TW", CHINESE),  # CCAUDIT_LANG when --lang is not given
    ("en", "zh-TW", ENGLISH),  # --lang said on the command line wins over CCAUDIT_LANG
])
def test_refused_evidence_in_the_language_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str | None,
                                                 setting: str, expected: list[str]) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("CCAUDIT_LANG", setting)
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "people.csv").write_text("員工編號,在職狀態,離職日期\nE1,在職,\nE2,離職,3/5/2026\n合計,2,\n",
                                         encoding="utf-8")
    outcome = inspect(evidence, tmp_path / "out", *(("--lang", lang) if lang else ()))
    assert outcome.code == 2
    assert all(text in outcome.text for text in expected), outcome.text
    assert "Traceback" not in outcome.text
    assert not (tmp_path / "out").exists()
