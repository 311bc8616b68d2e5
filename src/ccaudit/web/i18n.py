"""The web workspace's words in English and Traditional Chinese, as data (content/web/*.yaml: `key: {en,
zh-TW}`), and the language of a request. Statuses, results and report labels are not repeated here: the
templates take them from the reports' own words (ccaudit.reports.texts), so a page and a workbook agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError
from ccaudit.settings import LANGS, normalise_lang

TEXTS_DIR = BUILTIN / "web"


@dataclass(frozen=True)
class Texts:
    """key -> {en: ..., zh-TW: ...}; a text may hold {placeholders} filled by `say`."""

    entries: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, folders: tuple[Path, ...] = (TEXTS_DIR,)) -> Texts:
        entries: dict[str, dict[str, str]] = {}
        for folder in folders:
            for path in sorted(folder.glob("*.yaml")):
                doc: Any = load_yaml(path.read_text(encoding="utf-8")) or {}
                for key, pair in doc.items():
                    if not isinstance(pair, dict) or any(not isinstance(pair.get(lang), str) for lang in LANGS):
                        raise CatalogError(f"{path.name}: text {key!r} needs both en and zh-TW strings")
                    if key in entries:
                        raise CatalogError(f"{path.name}: text {key!r} is defined twice")
                    entries[str(key)] = {lang: pair[lang] for lang in LANGS}
        return cls(entries)

    def say(self, key: str, lang: str, **params: object) -> str:
        """The text in `lang`, placeholders filled; an unknown key is a programming error (KeyError)."""
        text = self.entries[key][lang if lang in LANGS else "en"]
        return text.format(**params) if params else text


def lang_of(value: str | None, default: str) -> str:
    """A language name from a cookie, a form or the session, or `default` when it is none we speak."""
    if value:
        try:
            return normalise_lang(value)
        except ValueError:
            pass
    return default


def lang_from_accept(header: str | None, default: str) -> str:
    """zh-TW when the browser prefers any Chinese before English (zh-TW, zh-Hant, zh), else `default`."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-TW"
        if tag.startswith("en"):
            return "en"
    return default
