"""What `ccaudit sources parse` wrote, read back as a user would: shared by the sources' test files."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def parse_text(tmp_path: Path, name: str, text: str, *args: str, source: str = "auto") -> tuple[Path, str]:
    """Write `text` as the file `name`, parse it (exit 0 expected) and return its output folder and what was said."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / ("out-" + name)
    result = ccaudit("sources", "parse", source, path, "--out", out, *args)
    assert result.code == 0, result.text
    return out, result.text


def events(out: Path) -> list[dict[str, str]]:
    return rows(out / "remote_access_events.csv")


def report(out: Path, name: str = "parse_report.json") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / name).read_text(encoding="utf-8"))
    return loaded
