"""The register a probe may touch: read through the evidence importer, narrowed by --only."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import yaml

from ccaudit.errors import CcauditError, EvidenceError, EvidenceValidationError
from ccaudit.evidence.importer import import_folder
from ccaudit.evidence.readers import quote_ident
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings
from ccaudit.textsafe import visible


def read_register(path: Path, dataset: str, settings: Settings) -> list[dict[str, Any]]:
    """Every record of `path` read as `dataset` by the real importer (CSV/XLSX/JSON/Parquet, Big5, Chinese
    headers, ROC dates), as {field: value} with `_row` (the spreadsheet row); a list field as a list."""
    if not path.is_file():
        raise EvidenceError(f"{visible(str(path))}: targets file not found")
    registry = TemplateRegistry.load(settings.content_paths)
    template = registry[dataset]
    with tempfile.TemporaryDirectory(prefix="ccaudit-probe-") as tmp:
        folder = Path(tmp) / "targets"
        folder.mkdir()
        # The file keeps its own name (messages name it); evidence.yaml says which dataset it is.
        shutil.copyfile(path, folder / path.name)
        (folder / "evidence.yaml").write_text(
            yaml.safe_dump({"files": {path.name: {"dataset": dataset}}}, allow_unicode=True), encoding="utf-8")
        workspace = Path(tmp) / "ws" / "workspace.duckdb"
        try:
            manifest = import_folder(folder, workspace, EvidenceStore(Path(tmp) / "store"), registry, settings)
        except CcauditError as exc:
            said = exc.render("zh-TW") if isinstance(exc, EvidenceValidationError) else (
                exc.zh if isinstance(exc, EvidenceError) and exc.zh else str(exc))
            raise EvidenceError(f"targets {visible(str(path))} are not a readable {dataset} register: {exc}",
                                f"目標清冊 {visible(str(path))} 無法作為 {dataset} 清冊讀取：{said}") from None
        if not manifest.for_dataset(dataset):
            why = manifest.ignored_reasons.get(path.name, "not imported")
            raise EvidenceError(f"targets {visible(str(path))}: not read as {dataset} ({visible(why)})")
        names = ["_row"] + [f.name for f in template.fields if f.type.value != "list"]
        con = duckdb.connect(str(workspace), read_only=True)
        try:
            records = [dict(zip(names, row, strict=True)) for row in con.execute(
                f"SELECT {', '.join(quote_ident(n) for n in names)} FROM {quote_ident(dataset)} ORDER BY _row"
            ).fetchall()]
            for f in template.fields:
                if f.type.value == "list":  # a child table <dataset>__<field>: (_row, value)
                    values: dict[int, list[str]] = {}
                    for row_no, value in con.execute(
                            f"SELECT _row, value FROM {quote_ident(f'{dataset}__{f.name}')} ORDER BY _row").fetchall():
                        values.setdefault(row_no, []).append(value)
                    for record in records:
                        record[f.name] = values.get(record["_row"], [])
        finally:
            con.close()
    return records


def split_host_port(text: str) -> tuple[str, int | None]:
    """`host`, `host:443`, `[::1]:443` or `::1` -> (host, port or None)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, _port(rest[1:], text) if rest.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, _port(port, text)
    return text, None


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise EvidenceError(f"{visible(whole)}: not HOST:PORT (a port is 1 to 65535)")
    return int(text)


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
