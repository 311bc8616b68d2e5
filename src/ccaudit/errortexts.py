"""The audit service's messages (errors, refusals) in the reader's language.

The service raises its errors in English, naming the firm, audit, requirement and what was expected; the
CLI, the pages and the API have always shown that sentence. For a reader in Traditional Chinese, the
sentence is matched against the catalog in content/errors/messages.yaml (the English wording with
{placeholders}, and its Chinese) and said again in Chinese, with the values it caught: an action, a role,
a status or a list of them said in Chinese from the catalog's `words`, anything else (IDs, names, dates)
as it was. A sentence the catalog does not know is shown as the service said it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError

CATALOG = BUILTIN / "errors" / "messages.yaml"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LISTS = ((" or ", "或"), (", ", "、"))


def _regex(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts))
    return re.compile(f"^{body}$", re.DOTALL)


@dataclass(frozen=True)
class _Entry:
    regex: re.Pattern[str]
    en: str
    zh: str


@dataclass(frozen=True)
class ErrorTexts:
    messages: tuple[_Entry, ...]
    words: Mapping[str, str]
    word_patterns: tuple[_Entry, ...]
    validation: Mapping[str, str]

    @classmethod
    def load(cls, path: Path = CATALOG) -> ErrorTexts:
        doc: Any = load_yaml(path.read_text(encoding="utf-8")) or {}
        messages, patterns, words = [], [], {}
        for n, item in enumerate(doc.get("messages") or []):
            en, zh = (item or {}).get("en"), (item or {}).get("zh-TW")
            if not isinstance(en, str) or not isinstance(zh, str):
                raise CatalogError(f"{path.name}: messages[{n}] needs en and zh-TW strings")
            if not set(_PLACEHOLDER.findall(zh)) <= set(_PLACEHOLDER.findall(en)):
                raise CatalogError(f"{path.name}: messages[{n}]: zh-TW names a placeholder en does not have")
            messages.append(_Entry(_regex(en), en, zh))
        for en, zh in (doc.get("words") or {}).items():
            if not isinstance(en, str) or not isinstance(zh, str):
                raise CatalogError(f"{path.name}: words.{en} needs a zh-TW string")
            if _PLACEHOLDER.search(en):
                patterns.append(_Entry(_regex(en), en, zh))
            else:
                words[en] = zh
        validation = {str(k): str(v) for k, v in (doc.get("validation") or {}).items()}
        return cls(tuple(messages), words, tuple(patterns), validation)

    def say(self, message: str, lang: str) -> str:
        """`message` in `lang` (en or zh-TW): as it is in English, or when the catalog does not know it."""
        if not lang.lower().startswith("zh"):
            return message
        for entry in self.messages:
            match = entry.regex.match(message)
            if match is not None:
                return _fill(entry.zh, {k: self.word(v) for k, v in match.groupdict().items()})
        return message

    def field_message(self, kind: str, ctx: Mapping[str, Any] | None, message: str, lang: str) -> str:
        """A request field's validation error (pydantic's type, context and English message) in `lang`."""
        template = self.validation.get(kind) if lang.lower().startswith("zh") else None
        if template is None:
            return message
        values = {k: self.say(str(v), lang) for k, v in (ctx or {}).items()}
        if kind == "value_error" and "error" in values:
            values["error"] = self.say(str((ctx or {})["error"]), lang)
        return _fill(template, values)

    def knows(self, message: str) -> bool:
        return any(e.regex.match(message) for e in self.messages)

    def word(self, value: str) -> str:
        """A value caught by a placeholder, in Chinese when the catalog says it (a list part by part)."""
        if value in self.words:
            return self.words[value]
        for entry in self.word_patterns:
            match = entry.regex.match(value)
            if match is not None:
                return _fill(entry.zh, match.groupdict())
        for sep, zh_sep in _LISTS:
            parts = value.split(sep)
            if len(parts) > 1 and all(p in self.words for p in parts):
                return zh_sep.join(self.words[p] for p in parts)
        return value


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@functools.cache
def error_texts() -> ErrorTexts:
    return ErrorTexts.load()


def say_error(message: str, lang: str) -> str:
    """The service's message in the reader's language (see the module docstring)."""
    return error_texts().say(message, lang)
