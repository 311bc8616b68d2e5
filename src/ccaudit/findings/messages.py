"""Message catalogs: reason codes, offending-row column labels and value labels, in English and
Traditional Chinese, read from content data (content/messages/*.yaml, plus the same folder of any
extra content path) and from the dataset templates (field labels, Chinese enum spellings).

Findings store reasons as codes with parameters (findings.models.Reason); every report renders
them here in its own language, so no English sentence is frozen into a stored result.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError
from ccaudit.findings.models import Reason

EN, ZH = "en", "zh-TW"
_CJK = re.compile(r"[\u3400-\u9fff]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
BOOLEAN_ZH = {"true": "是", "false": "否"}


def is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def _pair(value: Any, where: str) -> tuple[str, str]:
    if isinstance(value, Mapping) and isinstance(value.get(EN), str) and isinstance(value.get(ZH), str):
        return value[EN], value[ZH]
    raise CatalogError(f"{where}: expected {{en: ..., zh-TW: ...}}, got {value!r}")


@dataclass(frozen=True)
class _Pattern:
    """A value label with {placeholders} (e.g. 'unused for more than {days} days')."""

    regex: re.Pattern[str]
    en: str
    zh: str


@functools.lru_cache(maxsize=256)
def template_regex(template: str) -> re.Pattern[str]:
    """A regular expression matching what `template` says, each placeholder a named group."""
    return _compile(template)


def _compile(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


@dataclass
class Messages:
    """Everything a report needs to say a stored code in words."""

    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # column -> value -> texts
    patterns: dict[str, list[_Pattern]] = field(default_factory=dict)  # column -> labels with placeholders
    checks: dict[str, tuple[str, str]] = field(default_factory=dict)  # check ID -> title
    datasets: dict[str, tuple[str, str]] = field(default_factory=dict)  # dataset ID -> title

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> Messages:
        from ccaudit.checks.loader import CheckLibrary
        from ccaudit.evidence.templates import TemplateRegistry

        extra = list(extra_paths)
        out = cls()
        # dataset templates first: their field labels and Chinese enum spellings are the defaults
        for template in TemplateRegistry.load(extra):
            out.datasets[template.id] = (template.title.en, template.title.zh_tw)
            for spec in template.fields:
                out.columns.setdefault(spec.name, (spec.name.replace("_", " "), spec.zh))
                for alias, value in spec.value_aliases.items():
                    if _CJK.search(alias):
                        out.values.setdefault(spec.name, {}).setdefault(value, (value.replace("_", " "), alias))
        for check in CheckLibrary.load(extra):
            out.checks[check.id] = (check.meta.title.en, check.meta.title.zh_tw)
        for folder in [BUILTIN / "messages", *(p / "messages" for p in extra)]:
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                out._add(load_yaml(path.read_text(encoding="utf-8")) or {}, path.name)
        return out

    def _add(self, doc: Mapping[str, Any], where: str) -> None:
        for code, texts in (doc.get("reasons") or {}).items():
            self.reasons[code] = _pair(texts, f"{where}: reasons.{code}")
        for dataset, texts in (doc.get("datasets") or {}).items():  # evidence that has no template
            self.datasets[dataset] = _pair(texts, f"{where}: datasets.{dataset}")
        for column, texts in (doc.get("columns") or {}).items():
            self.columns[column] = _pair(texts, f"{where}: columns.{column}")
        for column, labels in (doc.get("values") or {}).items():
            for value, texts in (labels or {}).items():
                pair = _pair(texts, f"{where}: values.{column}.{value}")
                if _PLACEHOLDER.search(str(value)):
                    self.patterns.setdefault(column, []).append(_Pattern(_compile(str(value)), *pair))
                else:
                    self.values.setdefault(column, {})[str(value)] = pair

    # --- labels -------------------------------------------------------------------------------

    def column(self, name: str, lang: str) -> str:
        """An offending-row column's header in the report's language (the code itself in English
        reports, where it is what a reviewer queries the workspace with)."""
        if not is_zh(lang):
            return name
        pair = self.columns.get(name)
        return pair[1] if pair else name

    def has_column(self, name: str) -> bool:
        return name in self.columns

    def value(self, column: str, value: str, lang: str) -> str:
        """A cell value: an enum code or a stock phrase in the report's language; anything else as is."""
        if not value or not is_zh(lang):
            return value
        if value in BOOLEAN_ZH:  # DuckDB writes booleans as true/false
            return BOOLEAN_ZH[value]
        pair = self.values.get(column, {}).get(value)
        if pair is not None:
            return pair[1]
        for pattern in self.patterns.get(column, ()):
            match = pattern.regex.match(value)
            if match:
                return pattern.zh.format(**match.groupdict())
        if column in self.values and _is_code_list(value):  # e.g. list cells "a;b" of known codes
            parts = re.split(r"[;,]\s*|\s+", value)
            if all(p in self.values[column] for p in parts):
                return "、".join(self.values[column][p][1] for p in parts)
        return value

    def has_value(self, column: str, value: str) -> bool:
        return value in self.values.get(column, {}) or any(
            p.regex.match(value) for p in self.patterns.get(column, ()))

    def check_title(self, check_id: str, lang: str) -> str:
        pair = self.checks.get(check_id)
        return (pair[1] if is_zh(lang) else pair[0]) if pair else check_id

    def dataset_title(self, dataset: str, lang: str) -> str:
        pair = self.datasets.get(dataset)
        return (pair[1] if is_zh(lang) else pair[0]) if pair else dataset

    def row(self, row: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """A row with its values labelled for the language (for sample sentences)."""
        if not is_zh(lang):
            return dict(row)
        return {k: self.value(k, v, lang) if isinstance(v, str) else v for k, v in row.items()}

    # --- reasons ------------------------------------------------------------------------------

    def reason(self, reason: Reason, lang: str) -> str:
        if reason.code == "legacy_text" and is_zh(lang):  # English stored before codes: read back if we can
            reason = self.read_back(str(reason.params.get("text", "")))
        pair = self.reasons.get(reason.code)
        if pair is None:  # a code this version does not know (newer results): say it plainly
            return reason.code + "".join(f" {k}={_plain(v, lang)}" for k, v in sorted(reason.params.items()))
        template = pair[1] if is_zh(lang) else pair[0]
        return template.format_map(_Params(self._params(reason.params, lang)))

    def _params(self, params: Mapping[str, Any], lang: str) -> dict[str, str]:
        out = {k: _plain(v, lang) for k, v in params.items()}
        if "check_id" in params:
            out["check"] = self.check_title(str(params["check_id"]), lang)
        if "flag" in params:  # a firm_profile scope flag: its field label
            out["flag_label"] = self.column(str(params["flag"]), lang)
        if "datasets" in params and isinstance(params["datasets"], list):
            out["dataset_titles"] = _join([self.dataset_title(d, lang) for d in params["datasets"]], lang)
        if "result" in params:
            out["result_label"] = self.value("result", str(params["result"]), lang)
        return out

    def read_back(self, text: str) -> Reason:
        """The reason whose English message is `text` (a result or title stored in English before reasons
        were codes): its template matched and its values put back, checked by saying it again; else the text
        itself, said as stored in every language."""
        for code, (en, _zh) in self.reasons.items():
            if code == "legacy_text":
                continue
            match = template_regex(en).match(text)
            if match is None:
                continue
            reason = Reason(code=code, params={k: _read_value(v) for k, v in match.groupdict().items()})
            if self.reason(reason, "en") == text:
                return reason
        return Reason(code="legacy_text", params={"text": text})

    def reasons_text(self, reasons: Iterable[Reason], lang: str) -> list[str]:
        return [self.reason(r, lang) for r in reasons]


def _read_value(text: str) -> str | int | list[str]:
    """A parameter as `_plain` wrote it: 1,234 a count, "a, b" a list, else text."""
    if re.fullmatch(r"\d{1,3}(,\d{3})*", text):
        return int(text.replace(",", ""))
    if ", " in text:
        return text.split(", ")
    return text


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _is_code_list(value: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9_]+([;,\s]+[a-z0-9_]+)+", value))


def _join(items: list[str], lang: str) -> str:
    return ("、" if is_zh(lang) else ", ").join(items)


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, list):
        return _join([str(v) for v in value], lang)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@functools.cache
def _cached(paths: tuple[Path, ...]) -> Messages:
    return Messages.load(paths)


def messages(extra_paths: Iterable[Path] = ()) -> Messages:
    """The message catalogs of the built-in content plus `extra_paths` (loaded once per set)."""
    return _cached(tuple(Path(p) for p in extra_paths))
