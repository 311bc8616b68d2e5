"""Many firms in one command (`ccaudit inspect --firms DIR`): each subfolder of DIR is one firm's
evidence folder, inspected as `ccaudit inspect` would into OUT/<firm>/, then the inspector's comparison
of every firm that could be inspected is written to OUT/comparison/ and a summary to OUT/firms.json.

A firm's result folder is named by firm_profile.firm_id, else by its evidence subfolder. A firm whose
evidence is refused is reported with its error and the others go on; an engine that cannot be reached
stops the run (every firm would fail the same way).

DIR may also be an object-store folder (s3://bucket/firms/): each folder under it is one firm, copied
into OUT/.firm-<token>.fetch just before it is inspected and removed after (ccaudit.evidence.object_store).

Firms are inspected by up to `settings.firm_workers` threads at once (DuckDB and the engines release the
GIL; one Spark session serves them all), each into a staging folder `OUT/.firm-<token>` guarded by a
writer lock (ccaudit.writerlock). The staged results are then put in place one after another in folder
order, so which of two folders naming the same firm wins does not depend on timing. A run killed at any
point leaves staging folders whose locks are free: the next `inspect --firms` into OUT removes them (and
puts back a previous result moved aside), never those of a run still at work.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.errors import CcauditError
from ccaudit.evidence.object_store import Prefix, is_remote, local_copy, subfolders
from ccaudit.inspection import result_folder
from ccaudit.inspection.all_firms import AllFirms, all_firms
from ccaudit.inspection.engine_choice import EngineError, Engines, result_name
from ccaudit.inspection.service import InspectionResult, Progress, inspect
from ccaudit.settings import Settings
from ccaudit.textsafe import visible
from ccaudit.writerlock import WriterLock, abandoned, locks, remove, token

STAGING = ".firm-"  # OUT/.firm-<token>: a firm's result until it is put in place
SAFE_NAME = re.compile(r"^[^./\\][^/\\]*$")  # a firm folder's name: one path part, not hidden

COMPARISON = "comparison"
SUMMARY = "firms.json"


@dataclass
class FirmRun:
    folder: str  # the evidence subfolder's name
    firm: str | None = None  # the result folder's name (firm ID)
    result: InspectionResult | None = None
    error: str | None = None
    error_zh: str | None = None  # the refusal's own Traditional Chinese text, where it has one (the terminal's)

    def as_json(self) -> dict[str, object]:
        report = self.result.report if self.result else None
        return {
            "evidence_folder": self.folder, "firm_id": self.firm, "firm": report.firm if report else None,
            "result": self.firm if self.result else None, "counts": report.counts if report else None,
            "error": self.error,
        }


class FirmRuns(list[FirmRun]):
    """The firms in folder order, and what killed runs into the same OUT had left and this one removed."""

    cleaned: list[Path]
    all_firms: AllFirms

    def __init__(self, runs: list[FirmRun], cleaned: list[Path], all_firms: AllFirms | None = None) -> None:
        super().__init__(runs)
        self.cleaned = cleaned
        self.all_firms = all_firms or AllFirms()


@dataclass
class _Staged:
    folder: Path  # the firm's evidence folder (for an object store: its name only)
    staging: Path
    source: str | None = None  # the object-store folder it is copied from
    result: InspectionResult | None = None
    error: str | None = None
    error_zh: str | None = None
    number: int = 0  # its __firm in an all-firm run


class _Progress:
    """Every firm's import and checks added up into one bar per stage (firms at work at the same time
    each report their own counts): done and total over the firms started so far."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str], tuple[int, int]] = {}

    def of(self, firm: str) -> Progress:
        def update(stage: str, label: str, done: int, total: int) -> None:
            with self.lock:
                self.counts[(stage, firm)] = (done, total)
                done_all = sum(d for (s, _), (d, _t) in self.counts.items() if s == stage)
                total_all = sum(t for (s, _), (_d, t) in self.counts.items() if s == stage)
                self.progress(stage, f"{firm}: {label}" if label else firm, done_all, total_all)

        return update


def firm_folders(firms_dir: Path) -> list[Path]:
    """The firm evidence folders: every subfolder, by name (hidden ones and links skipped)."""
    if not firms_dir.is_dir():
        raise CcauditError(f"{visible(str(firms_dir))}: not a folder of firm evidence folders")
    folders = sorted(p for p in firms_dir.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    if not folders:
        raise CcauditError(f"{visible(str(firms_dir))}: holds no firm folders (one evidence folder per firm)")
    return folders


def remote_firms(url: str) -> list[tuple[str, str]]:
    """The firm folders of an object-store folder: (name, s3://…/name/) by name."""
    names = subfolders(url)
    if not names:
        raise CcauditError(f"{visible(url)}: holds no firm folders (one evidence folder per firm)")
    root = Prefix.parse(url)
    return [(name, root.child(name).url()) for name in names]


def inspect_firms(
    firms_dir: Path | str,
    as_of: dt.date,
    out: Path,
    settings: Settings,
    catalog_id: str = DEFAULT_CATALOG,
    progress: Progress | None = None,
    engines: Engines | None = None,
    results_parquet: Path | str | None = None,
    lang: str = "zh-TW",
) -> FirmRuns:
    if isinstance(firms_dir, str) and is_remote(firms_dir):
        sources: list[tuple[Path, str | None]] = [(Path(n), url) for n, url in remote_firms(firms_dir)]
    else:
        firms_dir = Path(firms_dir)
        sources = [(folder, None) for folder in firm_folders(firms_dir)]
        if out.resolve().is_relative_to(firms_dir.resolve()):  # the results would be read as firms next time
            raise CcauditError(f"{visible(str(out))}: is inside the firms folder; choose an --out outside it")
    if out.exists() and not out.is_dir():
        raise CcauditError(f"{visible(str(out))}: exists and is not a folder; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    cleaned = clean_staging(out)
    runs: list[FirmRun] = []
    notes = AllFirms()
    with ExitStack() as held, (Engines(settings) if engines is None else _borrowed(engines)) as chosen:
        staged = []
        # each staging folder's lock is held until its result is in place
        for number, (folder, source) in enumerate(sources):
            tok = uuid.uuid4().hex[:12]
            held.enter_context(WriterLock(out / f"{STAGING}{tok}.lock"))
            staged.append(_Staged(folder, out / f"{STAGING}{tok}", source, number=number))
        added = _Progress(progress) if progress else None

        def inspect_one(item: _Staged) -> None:
            one = added.of(item.folder.name) if added else None
            try:
                if item.source is None:
                    item.result = inspect(item.folder, as_of, item.staging, settings, catalog_id, one, chosen,
                                          results_parquet)
                    return
                fetched = item.staging.with_name(item.staging.name + ".fetch")  # removed by clean_staging if killed
                with local_copy(item.source, fetched, settings.object_store_max_bytes) as local:
                    item.result = inspect(local, as_of, item.staging, settings, catalog_id, one, chosen,
                                          results_parquet, item.source)
            except EngineError:
                raise
            except (CcauditError, OSError) as exc:
                # kept as said (firms.json is JSON); the terminal shows it through textsafe
                item.error = str(exc) if isinstance(exc, CcauditError) else f"{exc.strerror or exc}"
                item.error_zh = _zh_text(exc)

        try:
            if chosen.all_firms() and not isinstance(results_parquet, str):
                notes = all_firms(staged, as_of, settings, catalog_id, chosen, results_parquet, progress, added)
            else:
                _run_all(staged, inspect_one, settings.firm_workers, progress)
            for item in staged:  # in folder order: the same firm twice is decided by the order, not by timing
                runs.append(_place(item, out, runs))
        finally:
            for item in staged:  # a refused firm's or an interrupted run's staging folder
                remove(item.staging)
                remove(item.staging.with_name(item.staging.name + ".fetch"))
    done = [r for r in runs if r.result is not None and r.firm is not None]
    if done:
        _compare([out / r.firm for r in done if r.firm], out / COMPARISON, lang, settings)
    summary: dict[str, object] = {"as_of": as_of.isoformat(), "firms": [r.as_json() for r in runs]}
    if notes.used:
        summary["all_firms"] = notes.as_json(staged)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    tmp = out / f"{SUMMARY}.part"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out / SUMMARY)
    return FirmRuns(runs, cleaned, notes)


def _run_all(
    staged: list[_Staged], work: Callable[[_Staged], None], workers: int, progress: Progress | None
) -> None:
    """`work` on every firm, `workers` at a time; the first engine error stops the rest (not started)."""
    total, finished = len(staged), 0
    lock = threading.Lock()

    def tick(item: _Staged) -> None:
        nonlocal finished
        if progress and workers == 1:  # the firm at work (its import and checks follow)
            progress("firms", item.folder.name, finished, total)
        work(item)
        with lock:
            finished += 1
            if progress and workers > 1:  # the firm just finished
                progress("firms", item.folder.name, finished, total)

    if workers == 1:
        for item in staged:
            tick(item)
    else:
        _in_pool(staged, tick, workers)
    if progress:
        progress("firms", "", total, total)


def _in_pool(staged: list[_Staged], tick: Callable[[_Staged], None], workers: int) -> None:
    """`workers` threads; the first error (an engine that cannot be used) cancels what has not started."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ccaudit-firm") as pool:
        futures: list[Future[None]] = [pool.submit(tick, item) for item in staged]
        finished_all, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in finished_all if f.exception() is not None]
        if failed:
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise failed[0].exception()  # type: ignore[misc]


def _place(item: _Staged, out: Path, earlier: list[FirmRun]) -> FirmRun:
    run = FirmRun(item.folder.name, error=item.error, error_zh=item.error_zh)
    if item.result is None:
        return run
    try:
        firm = result_name(item.result.report, item.folder.name)
        if firm in (COMPARISON, SUMMARY):
            raise CcauditError(f"a firm named {firm} would overwrite the run's {firm}; rename its folder")
        if any(r.firm == firm for r in earlier):
            raise CcauditError(f"firm {visible(firm)} again: its result is already in {visible(str(out / firm))}")
        _move_into_place(item.staging, out / firm)
        item.result.out_dir = out / firm
        run.firm, run.result = firm, item.result
    except (CcauditError, OSError) as exc:
        run.error = str(exc) if isinstance(exc, CcauditError) else f"{exc.strerror or exc}"
        run.error_zh = _zh_text(exc)
    return run


def _zh_text(exc: Exception) -> str | None:
    """An evidence refusal's Traditional Chinese text (its problems, or a raw export's own), else None."""
    from ccaudit.errors import EvidenceError, EvidenceValidationError

    if isinstance(exc, EvidenceValidationError):
        return exc.render("zh-TW")
    return exc.zh if isinstance(exc, EvidenceError) and exc.zh else None


def clean_staging(out: Path) -> list[Path]:
    """Remove what `inspect --firms` runs into `out` that were killed left (their staging locks are free):
    each staging folder, its inspection's temporary folders, and a previous result it had moved aside,
    which goes back into place if the kill came between the two renames. Returns what went."""
    removed: list[Path] = []
    for lock in abandoned(locks(out, STAGING)):
        tok = token(lock, STAGING)
        aside = out / f"{STAGING}{tok}.previous"
        if (aside / "firm").is_file():  # killed between moving a result aside and putting the new one in
            name = (aside / "firm").read_text(encoding="utf-8").strip()
            final = out / name
            if SAFE_NAME.match(name) and not final.exists() and (aside / "result").is_dir():
                os.rename(aside / "result", final)
        for path in sorted(out.glob(f"{STAGING}{tok}*")) + sorted(out.glob(f".{STAGING}{tok}.ccaudit-*")):
            if path != lock:
                remove(path)
                removed.append(path)
    return removed


class _borrowed:
    """The caller's engines, not closed here."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def __enter__(self) -> Engines:
        return self.engines

    def __exit__(self, *exc: object) -> None:
        return None


def _move_into_place(staging: Path, final: Path) -> None:
    """As result_folder.replacing does: a previous result folder is replaced, any other folder kept."""
    if final.exists() or final.is_symlink():
        if final.is_symlink() or not final.is_dir() or (
            any(final.iterdir()) and not any((final / m).exists() for m in result_folder.MARKERS)
        ):
            raise CcauditError(f"{visible(str(final))}: exists and is not a ccaudit result folder; not replaced")
        # Moved aside next to the staging folder, with the firm's name: a run killed between the two
        # renames leaves it for clean_staging to put back.
        aside = staging.with_name(staging.name + ".previous")
        aside.mkdir()
        (aside / "firm").write_text(final.name, encoding="utf-8")
        os.rename(final, aside / "result")
        os.rename(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
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
