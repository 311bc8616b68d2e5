"""What a firm hands in: the files of an evidence folder and the optional evidence.yaml beside them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ccaudit.errors import EvidenceError
from ccaudit.evidence.readers import file_format
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.evidence.untrusted import check_inside, load_yaml
from ccaudit.textsafe import visible

SOURCE_FILE = "evidence.yaml"


class FileOptions(BaseModel):
    """Per-file options a firm may state in evidence.yaml."""

    model_config = ConfigDict(extra="forbid")

    dataset: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    effective_date: dt.date | None = None
    naive_timestamps: str | None = None  # 'local' or 'utc'


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_date: dt.date | None = None  # default for every file
    files: dict[str, FileOptions] = {}


class EvidenceFile(BaseModel):
    """One file to import and everything decided about it before reading."""

    path: Path
    dataset: str
    options: FileOptions
    effective_date: dt.date | None


def load_config(folder: Path) -> SourceConfig:
    path = folder / SOURCE_FILE
    if not path.exists() and not path.is_symlink():
        return SourceConfig()
    data = load_yaml(path, folder) or {}  # no aliases, bounded nesting: see untrusted.py
    try:
        return SourceConfig.model_validate(data)
    except ValidationError as exc:
        raise EvidenceError(f"{path}: invalid evidence.yaml: {exc}") from None


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)|(?<!\d)(\d{3})-?(\d{2})-?(\d{2})(?!\d)")


def date_in_name(name: str) -> dt.date | None:
    """An effective date written into a file name: 2025-10-31, 20251031 or ROC 1141031."""
    for match in _DATE_IN_NAME.finditer(Path(name).stem):
        y, m, d = (match.group(1), match.group(2), match.group(3))
        if y is None:
            y, m, d = str(int(match.group(4)) + 1911), match.group(5), match.group(6)
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


def discover(folder: Path, registry: TemplateRegistry) -> tuple[list[EvidenceFile], list[str]]:
    """The evidence files of a folder (recursively) and the names of files that match no dataset."""
    if not folder.is_dir():
        raise EvidenceError(f"{folder}: not a folder of evidence files")
    config = load_config(folder)
    for name, opts in config.files.items():
        if not (folder / name).exists():
            raise EvidenceError(f"evidence.yaml names {visible(name)}, which is not in {folder}")
        if opts.dataset and opts.dataset not in registry:
            raise EvidenceError(f"evidence.yaml: {name}: unknown dataset {opts.dataset!r}")
    found: list[EvidenceFile] = []
    ignored: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.name == SOURCE_FILE or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        check_inside(path, folder, directory=True)  # links out of the folder, FIFOs, devices: refused
        if path.is_dir():
            continue  # a link to a folder inside: its files are found where they are
        if file_format(path) is None:
            ignored.append(rel)
            continue
        opts = config.files.get(rel) or config.files.get(path.name) or FileOptions()
        template = registry[opts.dataset] if opts.dataset else registry.match_file(path)
        if template is None:
            ignored.append(rel)
            continue
        effective = opts.effective_date or date_in_name(path.name) or config.effective_date
        found.append(EvidenceFile(path=path, dataset=template.id, options=opts, effective_date=effective))
    return found, ignored
