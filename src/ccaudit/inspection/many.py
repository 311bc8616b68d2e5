"""Many firms in one command (`ccaudit inspect --firms DIR`): each subfolder of DIR is one firm's
evidence folder, inspected as `ccaudit inspect` would into OUT/<firm>/, then the inspector's comparison
of every firm that could be inspected is written to OUT/comparison/ and a summary to OUT/firms.json.

A firm's result folder is named by firm_profile.firm_id, else by its evidence subfolder. A firm whose
evidence is refused is reported with its error and the others go on; an engine that cannot be reached
stops the run (every firm would fail the same way)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.errors import CcauditError
from ccaudit.inspection import result_folder
from ccaudit.inspection.engine_choice import EngineError, Engines, result_name
from ccaudit.inspection.service import InspectionResult, Progress, inspect
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

COMPARISON = "comparison"
SUMMARY = "firms.json"


@dataclass
class FirmRun:
    folder: str  # the evidence subfolder's name
    firm: str | None = None  # the result folder's name (firm ID)
    result: InspectionResult | None = None
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        report = self.result.report if self.result else None
        return {
            "evidence_folder": self.folder, "firm_id": self.firm, "firm": report.firm if report else None,
            "result": self.firm if self.result else None, "counts": report.counts if report else None,
            "error": self.error,
        }


def firm_folders(firms_dir: Path) -> list[Path]:
    """The firm evidence folders: every subfolder, by name (hidden ones and links skipped)."""
    if not firms_dir.is_dir():
        raise CcauditError(f"{visible(str(firms_dir))}: not a folder of firm evidence folders")
    folders = sorted(p for p in firms_dir.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    if not folders:
        raise CcauditError(f"{visible(str(firms_dir))}: holds no firm folders (one evidence folder per firm)")
    return folders


def inspect_firms(
    firms_dir: Path,
    as_of: dt.date,
    out: Path,
    settings: Settings,
    catalog_id: str = DEFAULT_CATALOG,
    progress: Progress | None = None,
    engines: Engines | None = None,
    results_parquet: Path | None = None,
    lang: str = "zh-TW",
) -> list[FirmRun]:
    folders = firm_folders(firms_dir)
    if out.exists() and not out.is_dir():
        raise CcauditError(f"{visible(str(out))}: exists and is not a folder; choose another --out")
    if out.resolve().is_relative_to(firms_dir.resolve()):  # the results would be read as firms next time
        raise CcauditError(f"{visible(str(out))}: is inside the firms folder; choose an --out outside it")
    out.mkdir(parents=True, exist_ok=True)
    runs: list[FirmRun] = []
    with Engines(settings) if engines is None else _borrowed(engines) as chosen:
        for i, folder in enumerate(folders):
            if progress:
                progress("firms", folder.name, i, len(folders))
            runs.append(_one(folder, as_of, out, settings, catalog_id, progress, chosen, results_parquet, runs))
        if progress:
            progress("firms", "", len(folders), len(folders))
    done = [r for r in runs if r.result is not None and r.firm is not None]
    if done:
        _compare([out / r.firm for r in done if r.firm], out / COMPARISON, lang, settings)
    text = json.dumps({"as_of": as_of.isoformat(), "firms": [r.as_json() for r in runs]}, ensure_ascii=False, indent=2)
    tmp = out / f"{SUMMARY}.part"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out / SUMMARY)
    return runs


class _borrowed:
    """The caller's engines, not closed here."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def __enter__(self) -> Engines:
        return self.engines

    def __exit__(self, *exc: object) -> None:
        return None


def _one(
    folder: Path, as_of: dt.date, out: Path, settings: Settings, catalog_id: str, progress: Progress | None,
    engines: Engines, results_parquet: Path | None, earlier: list[FirmRun],
) -> FirmRun:
    run = FirmRun(folder.name)
    staging = out / f".firm-{uuid.uuid4().hex[:12]}"
    try:
        result = inspect(folder, as_of, staging, settings, catalog_id, progress, engines, results_parquet)
        firm = result_name(result.report, folder.name)
        if firm in (COMPARISON, SUMMARY):
            raise CcauditError(f"a firm named {firm} would overwrite the run's {firm}; rename its folder")
        if any(r.firm == firm for r in earlier):
            raise CcauditError(f"firm {visible(firm)} again: its result is already in {visible(str(out / firm))}")
        _move_into_place(staging, out / firm)
        result.out_dir = out / firm
        run.firm, run.result = firm, result
    except EngineError:
        raise
    except (CcauditError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        # kept as said (firms.json is JSON); the terminal shows it through textsafe
        run.error = str(exc) if isinstance(exc, CcauditError) else f"{exc.strerror or exc}"
    return run


def _move_into_place(staging: Path, final: Path) -> None:
    """As result_folder.replacing does: a previous result folder is replaced, any other folder kept."""
    if final.exists() or final.is_symlink():
        if final.is_symlink() or not final.is_dir() or (
            any(final.iterdir()) and not any((final / m).exists() for m in result_folder.MARKERS)
        ):
            raise CcauditError(f"{visible(str(final))}: exists and is not a ccaudit result folder; not replaced")
        old = final.parent / f".{final.name}.ccaudit-old-{uuid.uuid4().hex[:12]}"
        os.rename(final, old)
        os.rename(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, final)


def _compare(folders: list[Path], out: Path, lang: str, settings: Settings) -> list[Path]:
    """`ccaudit compare`'s workbook and page over the firms' result folders."""
    from ccaudit.reports import from_result_dir
    from ccaudit.reports.compare import write_compare_html, write_compare_xlsx

    reports = [from_result_dir.load(f, settings).data for f in folders]
    out.mkdir(parents=True, exist_ok=True)
    return [write_compare_xlsx(reports, out / "compare.xlsx", lang),
            write_compare_html(reports, out / "compare.html", lang)]
