"""What the audit's use cases share, passed to each explicitly: the database, the settings, the
clock and the installed catalogs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from ccaudit.audit.storage.db import Database
from ccaudit.catalog.loader import CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.errors import CatalogError
from ccaudit.settings import Settings

Clock = Callable[[], dt.datetime]
RUNS = "runs"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class AuditContext:
    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    @cached_property
    def catalogs(self) -> CatalogLibrary:
        return CatalogLibrary.load(self.settings.content_paths)

    def catalog_version(self, catalog_id: str, version: int) -> Catalog:
        for catalog in self.catalogs.versions(catalog_id):
            if catalog.version == version:
                return catalog
        raise CatalogError(f"catalog {catalog_id} v{version} is not installed")

    @property
    def runs_dir(self) -> Path:
        """Each attached run's files: <data_dir>/runs/<uid>/."""
        return self.settings.data_dir / RUNS
