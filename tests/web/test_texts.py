"""The workspace speaks zh-TW whole: every text has both languages, the Chinese leaves no English word
behind, and every text a template asks for exists (a missing one would fail only on the page that uses it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.unit.findings.test_zh_tw_complete import english

from ccaudit.errors import CatalogError
from ccaudit.web.i18n import TEXTS_DIR, Texts, lang_from_accept
from ccaudit.web.render import TEMPLATES

# written in Latin letters in Taiwanese screens too (beyond the findings' list)
# formats' and units' own names, and a dataset's file name, are written so in Chinese too
ALSO_ALLOWED = {"URI", "otpauth", "ISO", "CSV", "Excel", "HTML", "JSON", "MiB", "OSCAL", "PDF", "PEM", "Parquet",
                "XLSX", "remote_sessions.csv", "csv", "QR"}  # QR: Taiwan writes "QR 碼" so
_COMMAND = re.compile(r"`[^`]*`")


def test_every_text_is_chinese_in_zh_tw() -> None:
    texts = Texts.load()
    assert len(texts.entries) > 50
    for key, pair in texts.entries.items():
        zh = _COMMAND.sub("", pair["zh-TW"])
        left = [w for w in english(zh) if w not in ALSO_ALLOWED]
        assert not left, f"{key}: {pair['zh-TW']!r} leaves {left}"
        en_params = sorted(re.findall(r"\{(\w+)\}", pair["en"]))
        assert en_params == sorted(re.findall(r"\{(\w+)\}", pair["zh-TW"])), f"{key}: placeholders differ"


def test_every_text_a_template_uses_exists() -> None:
    texts = Texts.load()
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", source))
        prefixes |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+_)["']\s*[~+]""", source))
    missing = sorted(k for k in used - prefixes if k not in texts.entries)
    assert not missing, f"templates ask for texts not in {TEXTS_DIR}: {missing}"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in texts.entries), prefix


def test_a_text_without_its_chinese_or_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("hello: {en: Hello}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="needs both en and zh-TW"):
        Texts.load((tmp_path,))
    (tmp_path / "a.yaml").write_text("hello: {en: Hello, zh-TW: 你好}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("hello: {en: Hi, zh-TW: 嗨}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="defined twice"):
        Texts.load((tmp_path,))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-TW,zh;q=0.9,en;q=0.8", "zh-TW"), ("zh-Hant", "zh-TW"), ("en-US,en", "en"), ("fr-FR", "en"), (None, "en")],
)
def test_the_browser_language_picks_the_first_language_we_speak(header: str | None, expected: str) -> None:
    assert lang_from_accept(header, "en") == expected
