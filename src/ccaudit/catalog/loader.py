"""Finds catalog files and picks the version in force on an inspection's as-of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from ccaudit.catalog.models import Catalog
from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError

DEFAULT_CATALOG = "twse-sec-infosec-art12"


class CatalogLibrary:
    """Every version of every catalog that was loaded."""

    def __init__(self, catalogs: Iterable[Catalog]) -> None:
        self._all = sorted(catalogs, key=lambda c: (c.id, c.effective_from))
        seen = {(c.id, c.version) for c in self._all}
        if len(seen) != len(self._all):
            raise CatalogError("two catalog files carry the same id and version")

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> CatalogLibrary:
        folders = [BUILTIN / "catalogs", *(Path(p) / "catalogs" for p in extra_paths)]
        catalogs = []
        for folder in folders:
            for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                catalogs.append(load_catalog(path))
        return cls(catalogs)

    def ids(self) -> list[str]:
        return sorted({c.id for c in self._all})

    def versions(self, catalog_id: str) -> list[Catalog]:
        return [c for c in self._all if c.id == catalog_id]

    def in_force(self, catalog_id: str, as_of: dt.date) -> Catalog:
        """The latest version that had taken effect on `as_of`."""
        versions = self.versions(catalog_id)
        if not versions:
            raise CatalogError(f"unknown catalog {catalog_id!r}; known: {', '.join(self.ids())}")
        valid = [c for c in versions if c.effective_from <= as_of]
        if not valid:
            first = versions[0].effective_from.isoformat()
            raise CatalogError(f"catalog {catalog_id} has no version in force on {as_of} (earliest: {first})")
        return valid[-1]


def load_catalog(path: Path) -> Catalog:
    try:
        return Catalog.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"catalog {path} is invalid: {exc}") from exc
