"""Loads the dataset templates and maps file names and headers onto them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from ccaudit.content import BUILTIN
from ccaudit.errors import CatalogError
from ccaudit.evidence.models import DatasetTemplate, FieldSpec


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

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> TemplateRegistry:
        dirs = [BUILTIN / "datasets", *(Path(p) / "datasets" for p in extra_paths)]
        templates = []
        for folder in dirs:
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                templates.append(_load_template(path))
        return cls(templates)

    def __iter__(self) -> Iterable[DatasetTemplate]:  # type: ignore[override]
        return iter(self._by_id.values())

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._by_id

    def __getitem__(self, dataset_id: str) -> DatasetTemplate:
        return self._by_id[dataset_id]

    def ids(self) -> list[str]:
        return list(self._by_id)

    def match_file(self, path: Path) -> DatasetTemplate | None:
        """The dataset a file name names: its stem is the dataset ID or an alias, optionally followed
        by a separator and anything (a date, a part number), e.g. remote_sessions_2025-10.csv."""
        stem = normalise_name(path.name.split(".")[0])
        best: tuple[int, DatasetTemplate] | None = None
        for template in self._by_id.values():
            for name in (template.id, *template.file_aliases):
                key = normalise_name(name)
                if (stem == key or stem.startswith(key + "_")) and (best is None or len(key) > best[0]):
                    best = (len(key), template)
        return best[1] if best else None


def header_map(template: DatasetTemplate, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map a file's headers to template fields: ({field: header}, [headers that match nothing])."""
    lookup: dict[str, FieldSpec] = {}
    for spec in template.fields:
        for name in spec.header_names():
            lookup[normalise_name(name)] = spec
    mapped: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        spec = lookup.get(normalise_name(header))
        if spec is None or spec.name in mapped:
            unknown.append(header)
        else:
            mapped[spec.name] = header
    return mapped, unknown


def _load_template(path: Path) -> DatasetTemplate:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        template = DatasetTemplate.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"dataset template {path} is invalid: {exc}") from exc
    if template.id != path.stem:
        raise CatalogError(f"dataset template {path}: id {template.id!r} differs from the file name")
    return template
