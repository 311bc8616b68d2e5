"""Test helpers: an evidence folder written file by file and imported through the real importer."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from ccaudit.errors import EvidenceValidationError
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.store import EvidenceStore, Manifest
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings

REGISTRY = TemplateRegistry.load()


@dataclass
class Imported:
    manifest: Manifest
    workspace: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return open_workspace(self.workspace, Settings(), read_only=True)

    def rows(self, table: str, columns: str = "*", order: str = "_row") -> list[tuple[Any, ...]]:
        with self.connect() as con:
            return con.execute(f'SELECT {columns} FROM "{table}" ORDER BY {order}').fetchall()

    def dicts(self, table: str, order: str = "_row") -> list[dict[str, Any]]:
        with self.connect() as con:
            cursor = con.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def column(self, table: str, column: str) -> list[Any]:
        return [r[0] for r in self.rows(table, f'"{column}"')]


class Folder:
    """tmp/evidence (what the firm hands in) and tmp/out (workspace and store)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.evidence = root / "evidence"
        self.evidence.mkdir()
        self.out = root / "out"
        self.workspace = self.out / "workspace.duckdb"
        self.store = EvidenceStore(self.out / "evidence")

    def write(self, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.evidence / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    def csv(
        self,
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        encoding: str = "utf-8",
        delimiter: str = ",",
        newline: str = "\n",
    ) -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        return self.write(name, buffer.getvalue(), encoding)

    def config(self, data: dict[str, Any]) -> Path:
        return self.write("evidence.yaml", yaml.safe_dump(data, allow_unicode=True))

    def run(self, settings: Settings | None = None) -> Imported:
        manifest = import_folder(self.evidence, self.workspace, self.store, REGISTRY, settings or Settings())
        return Imported(manifest, self.workspace)

    def fail(self, settings: Settings | None = None) -> EvidenceValidationError:
        with pytest.raises(EvidenceValidationError) as info:
            self.run(settings)
        return info.value


def one_issue(error: EvidenceValidationError) -> str:
    assert len(error.issues) == 1, [str(i) for i in error.issues]
    return str(error.issues[0])


SESSION_HEADER = ["session_id", "person_id", "start_time", "channel"]
