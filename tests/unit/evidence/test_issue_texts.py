"""Evidence problems in Traditional Chinese: every stock phrase the importer writes, and every field's
expected shape, has a zh-TW form; firm data (file, column, value) stays as written."""

from __future__ import annotations

import pytest

from ccaudit.errors import ValidationIssue
from ccaudit.evidence.issue_texts import expected_zh, field_expected_zh, message_zh
from ccaudit.evidence.models import FieldSpec, FieldType
from ccaudit.evidence.templates import TemplateRegistry

REGISTRY = TemplateRegistry.load()


@pytest.mark.parametrize("spec", [f for t in REGISTRY for f in t.fields], ids=lambda f: f.name)
def test_every_expected_shape_has_a_chinese_form(spec: object) -> None:
    english = spec.expected()  # type: ignore[attr-defined]
    translated = expected_zh(english)
    assert translated != english
    assert not any(word in translated for word in ("a date", "a number", "one of", "from ", "at least", "text"))


def test_the_codes_an_enum_column_takes_are_said_with_their_chinese_spellings() -> None:
    people = REGISTRY["people"]
    assert field_expected_zh(people.field("employment_status")) == (
        "下列之一：active（在職）、leave（留職停薪）、terminated（離職）")
    # a code the template gives no Chinese spelling stays alone; English spellings are not Chinese ones
    spec = FieldSpec(name="state", zh="狀態", type=FieldType.ENUM, values=("on", "off"),
                     value_aliases={"enabled": "on", "停用": "off", "關閉": "off"})
    assert field_expected_zh(spec) == "下列之一：on、off（停用）"
    assert field_expected_zh(people.field("terminated_on")) == expected_zh(people.field("terminated_on").expected())


@pytest.mark.parametrize(("english", "chinese"), [
    ("required value is empty", "必填欄位空白"),
    ("value not understood", "無法判讀之值"),
    ("value out of range", "數值超出範圍"),
    ("required column 'person_id' (員工編號) is missing", "缺少必要欄位「員工編號」（person_id）"),
    ("not a well-formed CSV line: expected 5 columns, found 1", "CSV 行格式錯誤：應有 5 欄，實有 1 欄"),
    ("two-digit year is ambiguous: ROC 24 = 1935-05-15, or 2024-05-15",
     "兩位數年份有歧義：民國 24 年即 1935-05-15，或西元 2024-05-15"),
])
def test_stock_messages(english: str, chinese: str) -> None:
    assert message_zh(english) == chinese


def test_an_issue_in_chinese_keeps_the_firms_words() -> None:
    expected = "a date: 2024-05-15, 2024/5/15, ROC 113/05/15, 1130515 or 民國113年5月15日"
    issue = ValidationIssue(file="人員.csv", message="value not understood", row=7, column="離職日期",
                            value="昨天", expected=expected)
    assert issue.render("zh-TW") == (
        "人員.csv，第 7 列，「離職日期」欄：無法判讀之值（填寫值 '昨天'；應為日期：2024-05-15、2024/5/15、"
        "民國 113/05/15、1130515 或 民國113年5月15日）")
    assert issue.render("en") == str(issue)
