"""Files a probe writes: a dataset CSV for the importer and the raw observations as JSON, each atomically."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from ccaudit.evidence.templates import TemplateRegistry


def write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> None:
    # Data for the importer, like the raw-source outputs: no formula quoting (the importer would keep it).
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_cell(row.get(f)) for f in fields])
    os.replace(tmp, path)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def write_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def same_dataset_files(out: Path, dataset: str, written: str, registry: TemplateRegistry) -> list[str]:
    """Other files in `out` that `inspect` would read as `dataset` (by name): with the probe's file beside
    them, the same keys with different content would be refused, so the user is told to keep one."""
    return sorted(p.name for p in out.iterdir() if p.is_file() and p.name != written and not p.name.endswith(".part")
                  and (m := registry.match_file(p)) is not None and m.id == dataset)
