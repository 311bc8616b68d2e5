"""The service's messages in Traditional Chinese (content/errors/messages.yaml): every Chinese text free of
English words, and the values a message carries (an action, roles, a status) said in Chinese too."""

from __future__ import annotations

from tests.zh_text import english

from ccaudit.errortexts import ErrorTexts, error_texts, say_error
from ccaudit.web.api.lang import accepted


def test_every_chinese_text_is_chinese() -> None:
    texts = ErrorTexts.load()
    assert len(texts.messages) > 60
    for entry in texts.messages:
        assert not english(entry.zh), entry.en
    for zh in [*texts.words.values(), *(e.zh for e in texts.word_patterns), *texts.validation.values()]:
        assert not english(zh), zh


def test_a_refusal_with_its_values_said_in_chinese_and_anything_unknown_as_it_was() -> None:
    said = say_error("carol may not record compensating measures for firm 9A00: needs the admin or auditor role",
                     "zh-TW")
    assert said == "carol 無權為公司 9A00 記錄補償性措施：需具管理者或查核人員角色"
    conflict = say_error("measure CM-1 was changed by someone else since you read it (now version 3, you had "
                         "version 2); reload it and apply your change again", "zh-TW")
    assert conflict.startswith("補償性措施 CM-1於您讀取後已由他人變更（目前為第 3 版")
    assert say_error("something new went wrong", "zh-TW") == "something new went wrong"
    assert say_error("unknown audit 7", "en") == "unknown audit 7"
    assert error_texts().field_message("missing", {}, "Field required", "zh-TW") == "必填欄位"


def test_accept_language_by_its_q_values() -> None:
    assert accepted("zh-TW,zh;q=0.9,en;q=0.8") == "zh-TW"
    assert accepted("en-US,en;q=0.9,zh-TW;q=0.8") == "en"
    assert accepted("fr, zh-Hant;q=0.5") == "zh-TW"
    assert accepted("zh;q=0, en;q=0.1") == "en"
    assert accepted("fr-FR") is None and accepted(None) is None and accepted("en;q=nonsense") is None
