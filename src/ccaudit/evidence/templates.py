"""Loads the dataset templates and maps file names and headers onto them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ccaudit.content import BUILTIN
from ccaudit.errors import CatalogError
from ccaudit.evidence.models import DatasetTemplate, FieldSpec, FieldType

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


def normalise_name(text: str) -> str:
    """Fold a header or file name for matching: NFKC, case, spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s\-_./()（）]+", "_", folded).strip("_")


class TemplateRegistry:
    """Every known evidence dataset, by ID."""

    def __init__(self, templates: Iterable[DatasetTemplate]) -> None:
        self._by_id: dict[str, DatasetTemplate] = {}
        for template in templates:
            if template.id in self._by_id:
                raise CatalogError(f"dataset {template.id} is defined twice")
            self._by_id[template.id] = template
        profile = self._by_id.get("firm_profile")
        flags = {f.name for f in profile.fields if f.type is FieldType.BOOLEAN} if profile else set()
        for template in self._by_id.values():
            if template.min_rows_when and template.min_rows_when not in flags:
                raise CatalogError(f"dataset {template.id}: min_rows_when {template.min_rows_when!r} is not a "
                                   "scope flag of firm_profile")

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> TemplateRegistry:
        dirs = [BUILTIN / "datasets", *(Path(p) / "datasets" for p in extra_paths)]
        templates = []
        for folder in dirs:
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                templates.append(_load_template(path))
        return cls(templates)

    def __iter__(self) -> Iterator[DatasetTemplate]:
        return iter(self._by_id.values())

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._by_id

    def __getitem__(self, dataset_id: str) -> DatasetTemplate:
        return self._by_id[dataset_id]

    def ids(self) -> list[str]:
        return list(self._by_id)

    def too_few_rows(self, rows: Mapping[str, int], profile: Mapping[str, Any] | None) -> list[str]:
        """The supplied datasets (`rows`: dataset -> records) holding fewer records than a firm in
        scope must have. A condition on a scope flag counts unless the profile states it false: an
        empty register is never taken as a clean one."""
        short = []
        for dataset, count in rows.items():
            template = self._by_id.get(dataset)
            if template is None or count >= template.min_rows:
                continue
            flag = template.min_rows_when
            if flag and profile is not None and profile.get(flag) is False:
                continue
            short.append(dataset)
        return sorted(short)

    def match_file(self, path: Path) -> DatasetTemplate | None:
        """The dataset a file name names: its stem is the dataset ID, an alias or the Chinese title,
        optionally followed by a separator and anything (a date, a part number), e.g.
        remote_sessions_2025-10.csv or 公務行動裝置清冊_1151130.xlsx."""
        stem = normalise_name(path.name.split(".")[0])
        best: tuple[int, DatasetTemplate] | None = None
        for template in self._by_id.values():
            for name in (template.id, *template.file_aliases, template.title.zh_tw):
                key = normalise_name(name)
                if (stem == key or stem.startswith(key + "_")) and (best is None or len(key) > best[0]):
                    best = (len(key), template)
        return best[1] if best else None


@dataclass(frozen=True)
class HeaderMap:
    """How a file's header row maps onto a template."""

    fields: dict[str, int]  # field name -> position of its column in the file
    unknown: list[str]  # headers that name no field (ignored, with a warning)
    conflicts: dict[str, list[str]]  # field -> the several headers that all name it


def _lookup(template: DatasetTemplate) -> dict[str, FieldSpec]:
    lookup: dict[str, FieldSpec] = {}
    for spec in template.fields:
        for name in spec.header_names():
            lookup[normalise_name(name)] = spec
    return lookup


_NOTE = re.compile(r"\s*[(\[【〔<][^)\]】〕>]*[)\]】〕>]\s*$")  # a trailing note: (Y/N), (民國年), 【必填】
_MARK = re.compile(r"^[\s*＊※#]+|[\s*＊※]+$")  # required-field marks: *員工編號, 員工編號※
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _variants(header: str) -> list[str]:
    """Spellings of a header cell to look up, most literal first: as written; without the line
    breaks Excel wraps a header with (員工\n編號); without required-field marks; without a trailing
    note in brackets."""
    text = unicodedata.normalize("NFKC", header)
    out = [header]
    joined = re.sub(r"(?<=[\u3400-\u9fff])\s*\n\s*|\s*\n\s*(?=[\u3400-\u9fff])", "", text)
    out.append(joined)
    unmarked = _MARK.sub("", joined)
    out.append(unmarked)
    while (bare := _NOTE.sub("", unmarked)) != unmarked and bare:
        unmarked = bare
        out.append(bare)
    return out


_DECORATED = re.compile(r"[\n(\[【〔<（*＊※#/]|[\u3400-\u9fff]\s*[A-Za-z]|[\u3400-\u9fff]\s+[\u3400-\u9fff]")


def _resolve(lookup: dict[str, FieldSpec], header: str) -> FieldSpec | None:
    """The field a header names. Besides the variants above, a bilingual header (員工編號 Person ID,
    姓名\nName, 在職狀態（Status）) names a field when its Chinese part does and its other part
    names the same field or nothing."""
    spec = lookup.get(normalise_name(header))
    if spec is not None or not _DECORATED.search(header):
        return spec  # most cells: a header as the template spells it, or a value (header search)
    for variant in _variants(header):
        spec = lookup.get(normalise_name(variant))
        if spec is not None:
            return spec
    text = _MARK.sub("", unicodedata.normalize("NFKC", header))
    parts = [p for p in re.split(r"\s*\n\s*|\s*/\s*|\s*[()]\s*|(?<=[\u3400-\u9fff])\s*(?=[A-Za-z])", text) if p.strip()]
    if len(parts) < 2:
        return None
    found = {lookup[n].name: lookup[n] for p in parts if (n := normalise_name(p)) in lookup}
    zh = [p for p in parts if _CJK.search(p)]
    if len(found) != 1 or len(zh) != 1:
        return None
    spec = next(iter(found.values()))
    return spec if lookup.get(normalise_name(zh[0])) is spec else None


def header_map(template: DatasetTemplate, headers: list[str]) -> HeaderMap:
    """Map a file's headers (English, Chinese or an alias, any case or spacing) to template fields."""
    lookup = _lookup(template)
    fields: dict[str, int] = {}
    named: dict[str, list[str]] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        spec = _resolve(lookup, header)
        if spec is None:
            if header.strip():
                unknown.append(header)
            continue
        named.setdefault(spec.name, []).append(header)
        fields.setdefault(spec.name, position)
    conflicts = {name: hs for name, hs in named.items() if len(hs) > 1}
    return HeaderMap(fields, unknown, conflicts)


def header_score(template: DatasetTemplate) -> Callable[[list[str]], int]:
    """How well a row looks like this template's header: the number of cells naming a field."""
    lookup = _lookup(template)

    def score(cells: list[str]) -> int:
        return len({spec.name for c in cells if c and (spec := _resolve(lookup, c)) is not None})

    return score


def _load_template(path: Path) -> DatasetTemplate:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        template = DatasetTemplate.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"dataset template {path} is invalid: {exc}") from exc
    if template.id != path.stem:
        raise CatalogError(f"dataset template {path}: id {template.id!r} differs from the file name")
    return template
