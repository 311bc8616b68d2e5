"""`inspect --firms --engine spark` as ONE run (ccaudit.checks.spark_union): every firm imported as
`ccaudit inspect` imports it (its own DuckDB workspace, its own result folder), then each check run once
on Spark for all firms at once, then each firm's findings, offending rows, workspace and partitioned
results made from its own part of the results, as its own run makes them.

1. Import, `settings.firm_workers` firms at a time: a firm whose evidence is refused is reported alone
   and kept out of the union; the others' tables are staged as their partition of the all-firm tables.
2. The checks, once, on Spark (progress: "N firms: <check>"). A check the transform cannot prove
   firm-safe runs firm by firm, which `AllFirms` records and firms.json and the terminal say.
3. Each firm's findings from its own results (DuckDB on the driver), written and put in place as
   `inspect` does; a firm whose part fails is reported alone.

CCAUDIT_SPARK_UNION=false runs the firms one after another through one session instead (for comparison).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.errors import CcauditError
from ccaudit.evidence.importer import open_workspace
from ccaudit.evidence.object_store import local_copy
from ccaudit.inspection.engine_choice import EngineError, Engines
from ccaudit.inspection.service import Imported, Progress, imported
from ccaudit.settings import Settings

if TYPE_CHECKING:
    from ccaudit.checks.models import Check
    from ccaudit.checks.spark_union import SparkUnion
    from ccaudit.inspection.many import _Progress, _Staged


@dataclass
class AllFirms:
    """What an all-firm run did apart: checks run firm by firm, firms kept out of the union (by number)."""

    used: bool = False
    firms: int = 0
    checks_firm_by_firm: dict[str, str] = field(default_factory=dict)
    firms_apart: dict[int, str] = field(default_factory=dict)

    def as_json(self, staged: list[_Staged]) -> dict[str, object]:
        names = {item.number: item.folder.name for item in staged}
        return {"firms_in_one_run": self.firms, "checks_firm_by_firm": self.checks_firm_by_firm,
                "firms_apart": {names[n]: why for n, why in sorted(self.firms_apart.items())}}


@dataclass
class _Open:
    """A firm between its import and its findings: its result folder's block, still open."""

    run: Imported
    stack: ExitStack
    checks: list[Check]


def all_firms(
    staged: list[_Staged],
    as_of: dt.date,
    settings: Settings,
    catalog_id: str,
    engines: Engines,
    results_parquet: Path | None,
    progress: Progress | None,
    added: _Progress | None,
) -> AllFirms:
    """Every firm of `staged` inspected into its staging folder (item.result) or refused (item.error)."""
    from ccaudit.inspection.many import _run_all

    notes = AllFirms(used=True)
    opened: dict[int, _Open] = {}

    def tell(label: str, done: int, total: int) -> None:
        if progress:
            progress("checks", f"{len(opened)} firms: {label}" if label else "", done, total)

    try:
        with engines.union(tell) as union:

            def import_one(item: _Staged) -> None:
                firm = _import(item, as_of, settings, catalog_id, union, added)
                if firm is not None:
                    opened[item.number] = firm

            _run_all(staged, import_one, settings.firm_workers, progress)
            if opened:
                checks: dict[str, Check] = {}
                for number in sorted(opened):
                    checks.update({c.id: c for c in opened[number].checks if c.id not in checks})
                union.run(checks.values())
            notes.firms = len(opened) - len(union.apart)
            notes.checks_firm_by_firm = dict(union.per_firm)
            notes.firms_apart = dict(union.apart)

            def finish_one(item: _Staged) -> None:
                firm = opened.pop(item.number, None)
                if firm is not None:
                    _finish(item, firm, as_of, settings, union, results_parquet, added)

            todo = [item for item in staged if item.number in opened]
            if settings.firm_workers == 1:
                for item in todo:
                    finish_one(item)
            else:
                with ThreadPoolExecutor(settings.firm_workers, thread_name_prefix="ccaudit-firm") as pool:
                    list(pool.map(finish_one, todo))
    except BaseException as exc:  # the engine: every firm still open is given up (its folder removed)
        for firm in opened.values():
            firm.stack.__exit__(type(exc), exc, exc.__traceback__)
        raise
    return notes


def _import(
    item: _Staged, as_of: dt.date, settings: Settings, catalog_id: str, union: SparkUnion, added: _Progress | None
) -> _Open | None:
    """The firm imported into its result folder (left open) and staged for the union; None if refused."""
    one = added.of(item.folder.name) if added else None
    stack = ExitStack()
    try:
        folder = item.folder
        if item.source is not None:  # removed by clean_staging if killed
            fetched = item.staging.with_name(item.staging.name + ".fetch")
            folder = stack.enter_context(local_copy(item.source, fetched, settings.object_store_max_bytes))
        run = stack.enter_context(imported(folder, as_of, item.staging, settings, catalog_id, one, item.source))
        con = open_workspace(run.workspace, settings)
        try:
            planned = run.plan(DuckDBEngine(con), as_of, settings)
            supplied = run.manifest.datasets()
            # the checks its own run would run: those with every dataset supplied (and not too few rows)
            runs = [c for c in planned.checks
                    if all(d in supplied and d not in planned.empty for d in c.meta.datasets)]
            union.stage(item.number, con, planned.params, {c.id: planned.requirements_of[c.id] for c in runs})
        finally:
            con.close()
        return _Open(run, stack, runs)
    except EngineError as exc:
        stack.__exit__(type(exc), exc, exc.__traceback__)
        raise
    except (CcauditError, OSError) as exc:
        stack.__exit__(type(exc), exc, exc.__traceback__)
        _refused(item, exc)
        return None
    except BaseException as exc:
        stack.__exit__(type(exc), exc, exc.__traceback__)
        raise


def _finish(
    item: _Staged, firm: _Open, as_of: dt.date, settings: Settings, union: SparkUnion, results_parquet: Path | None,
    added: _Progress | None,
) -> None:
    """The firm's findings from its part of the union's results, its result folder put in place."""
    one: Callable[[str, str, int, int], None] | None = added.of(item.folder.name) if added else None
    try:
        con = open_workspace(firm.run.workspace, settings)
        try:
            with union.slice(item.number) as engine:
                result = firm.run.evaluate(engine, con, as_of, settings, one, results_parquet)
        finally:
            con.close()
    except (CcauditError, OSError) as exc:
        firm.stack.__exit__(type(exc), exc, exc.__traceback__)
        _refused(item, exc)
        return
    except BaseException as exc:
        firm.stack.__exit__(type(exc), exc, exc.__traceback__)
        raise
    try:
        firm.stack.close()  # the result folder made whole
    except (CcauditError, OSError) as exc:
        _refused(item, exc)
        return
    item.result = firm.run.done(result)


def _refused(item: _Staged, exc: BaseException) -> None:
    from ccaudit.inspection.many import _zh_text

    item.error = str(exc) if isinstance(exc, CcauditError) else f"{getattr(exc, 'strerror', None) or exc}"
    item.error_zh = _zh_text(exc) if isinstance(exc, Exception) else None
