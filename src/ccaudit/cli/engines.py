"""What `inspect`, `audit run` and `demo` share for engines and many firms: the --engine options, and
the table of firms a many-firm inspection prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import SecretStr
from rich.table import Table
from rich.text import Text

from ccaudit.cli.console import console, print_error, print_line
from ccaudit.settings import ENGINES, Settings

if TYPE_CHECKING:
    from ccaudit.inspection.many import FirmRun

EngineOpt = Annotated[str | None, typer.Option(
    "--engine", metavar="|".join(ENGINES), help="where the checks run (default: CCAUDIT_ENGINE, else duckdb)")]
EngineUrlOpt = Annotated[str | None, typer.Option(
    "--engine-url", metavar="URL",
    help="postgres: postgresql://user@host/db; spark: master URL, local[2] or spark://host:7077 (default local[*])")]
KeepSchemaOpt = Annotated[bool, typer.Option(
    "--keep-schema", help="postgres: keep the run's schema ccaudit_run_<run id> instead of dropping it")]


def with_engine(settings: Settings, engine: str | None, url: str | None, keep: bool) -> Settings:
    """The settings with the command's --engine, --engine-url and --keep-schema applied."""
    update: dict[str, object] = {}
    if engine is not None:
        if engine not in ENGINES:
            raise typer.BadParameter(f"--engine takes {', '.join(ENGINES)}, not {engine!r}")
        update["engine"] = engine
    if url is not None:
        update["engine_url"] = SecretStr(url)
    if keep:
        update["engine_keep"] = True
    return settings.model_copy(update=update) if update else settings


def print_firms(runs: list[FirmRun], out: Path) -> None:
    """One line per firm: its result folder and counts, or its error."""
    table = Table(title=f"{sum(1 for r in runs if r.result)} of {len(runs)} firms inspected")
    for name in ("evidence folder", "firm", "result", "non_compliant", "needs_review"):
        table.add_column(name)
    for run in runs:
        if run.result is not None:
            counts = run.result.report.counts
            table.add_row(run.folder, run.firm or "", Text("ok", style="green"),
                          str(counts.get("non_compliant", 0)), str(counts.get("needs_review", 0)))
        else:
            table.add_row(run.folder, "", Text("refused", style="bold red"), "", "")
    console.print(table)
    for run in runs:
        if run.error:
            print_error(f"{run.folder}: {run.error}")
    print_line(f"results: {out}/<firm>/, comparison: {out / 'comparison'}/, summary: {out / 'firms.json'}")
