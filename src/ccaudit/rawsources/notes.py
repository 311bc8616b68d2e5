"""What ccaudit says about how raw exports were read, in English and Traditional Chinese: the notes catalog in
content/messages/sources.yaml. `say` renders a note in a language; `translate` turns a note stored in English
(manifest.json and findings.json keep warnings as English text) into the language, matching it against the
catalog's English templates; any other text is returned as it is, never half translated.

Light on purpose (yaml and re only): the CLI's inspect command imports it to print warnings."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ccaudit.content import BUILTIN, load_yaml

CATALOG = BUILTIN / "messages" / "sources.yaml"
DOC = "docs/sources.md"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


@functools.cache
def catalog(path: Path = CATALOG) -> dict[str, tuple[str, str]]:
    """Note code -> (English, zh-TW)."""
    doc = load_yaml(path.read_text(encoding="utf-8")) or {}
    return {code: (texts["en"], texts["zh-TW"]) for code, texts in (doc.get("notes") or {}).items()}


def say(code: str, lang: str = "en", **params: Any) -> str:
    """The note in the language; a missing parameter is a programming error (KeyError)."""
    en, zh = catalog()[code]
    return (zh if is_zh(lang) else en).format(**{k: str(v) for k, v in params.items()})


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str, str]]:
    """Each note's English template as a regular expression with its code and zh-TW text, longest first (the most
    specific wins)."""
    out = []
    for code, (en, zh) in sorted(catalog().items(), key=lambda item: -len(item[1][0])):
        regex, seen = "", set()
        for i, part in enumerate(_PLACEHOLDER.split(en)):
            if i % 2 == 0:
                regex += re.escape(part)
            else:  # a placeholder said twice matches the same text twice
                regex += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
                seen.add(part)
        out.append((re.compile(f"^{regex}$", re.DOTALL), code, zh))
    return out


def code_of(text: str) -> tuple[str, dict[str, str]] | None:
    """The note code and parameters of a text the parsers wrote in English (a line's problem, a session's note), for
    parse_report.json beside the English; None for text of no note (a gateway's own words, say)."""
    for regex, code, _ in _patterns():
        match = regex.match(text)
        if match:
            return code, match.groupdict()
    return None


def translate(text: str, lang: str) -> str:
    """A note stored in English, in the language (a note inside a note, such as the `reason` a file was not imported
    or where a zone came from, is translated too); other text as is."""
    if not is_zh(lang):
        return text
    for regex, _, zh in _patterns():
        match = regex.match(text)
        if match:
            return zh.format(**{k: translate(v, lang) for k, v in match.groupdict().items()})
    return text
