"""Raw exports inside an evidence folder: recognised during discovery and parsed into derived files
that the importer then reads like any other (hashed, stored, listed in the manifest).

A file is a raw export when evidence.yaml names its source (`source: fortigate`) or when it is in no
format ccaudit reads as a table (e.g. `.log`) and its first lines are recognised as one. Its derived
files are named after it (`fgt.log.remote_sessions.csv`), so findings name the raw file, and each row
keeps `source_file` and `source_line`."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ccaudit.errors import EvidenceError
from ccaudit.rawsources.parse import EVENTS_FILE, REPORT_FILE, SESSIONS_FILE, ParseRequest, detect, parse
from ccaudit.rawsources.sqlkit import connect

DERIVED = {"remote_access_events": EVENTS_FILE, "remote_sessions": SESSIONS_FILE}
LINE_COLUMN = "source_line"  # the raw line each derived row comes from


@dataclass
class Derived:
    """What one raw export became: (dataset, file) per derived dataset, and the parse report."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return sum(int(f["lines_read"]) for f in self.report.get("files", []))

_WORK: list[Path] = []


def _workdir() -> Path:
    """One scratch folder per process for derived files; the importer copies what it keeps."""
    if not _WORK:
        _WORK.append(Path(tempfile.mkdtemp(prefix="ccaudit-derived-")))
        atexit.register(shutil.rmtree, _WORK[0], True)
    return _WORK[0]


def recognise(path: Path) -> str | None:
    """The source a file's first lines belong to, or None (binary, empty or unknown text)."""
    con = connect()
    try:
        return detect(con, path, "auto").id
    except (duckdb.Error, EvidenceError, OSError):  # unreadable as text lines: not a raw export
        return None
    finally:
        con.close()


def derive(path: Path, rel: str, source: str, zone: str, zone_origin: str, gateway: str | None,
           identity_map: Path | None, named: bool) -> Derived:
    """Parse one raw export into a dataset file per derived dataset. Refusals name the file. A file only
    recognised by its first lines (not `named` in evidence.yaml) that holds no session event at all
    yields no file: a timestamped text file is no gateway log. Rows name the file by `rel`."""
    flat = rel.replace("/", "__")
    out = _workdir() / flat
    try:
        report = parse(ParseRequest(source=source, files=(path,), out=out, zone=zone, zone_origin=zone_origin,
                                    identity_map=identity_map, gateway=gateway, names=(rel,)))
    except EvidenceError as exc:
        raise EvidenceError(f"{rel} (raw export): {exc}") from None
    derived = Derived(report=report)
    if not named and not sum(f["recognised"] + f["malformed"] for f in report["files"]):
        return derived
    for dataset, name in DERIVED.items():
        target = out / f"{flat}.{name}"
        (out / name).replace(target)
        derived.files.append((dataset, target))
    (out / REPORT_FILE).replace(out / f"{flat}.{REPORT_FILE}")
    return derived
