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
from ccaudit.textsafe import visible

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
            from ccaudit.cli.audit.common import COMMAND_LANG
            from ccaudit.cli.texts import choices, tell

            lang = COMMAND_LANG[-1] if COMMAND_LANG else settings.lang
            raise typer.BadParameter(tell("takes_not", lang, option="--engine", choices=choices(ENGINES, lang),
                                         value=repr(engine)))
        update["engine"] = engine
    if url is not None:
        update["engine_url"] = SecretStr(url)
    if keep:
        update["engine_keep"] = True
    return settings.model_copy(update=update) if update else settings


def print_firms(runs: list[FirmRun], out: Path, lang: str = "en") -> None:
    """One line per firm: its result folder and counts, or its error (in `lang`)."""
    from ccaudit.cli.console import status_label
    from ccaudit.cli.texts import tell
    from ccaudit.findings.models import Status

    zh = lang.startswith("zh")
    table = Table(title=tell("firms_title", lang, done=sum(1 for r in runs if r.result), total=len(runs)))
    for name in (tell("firms_folder", lang), tell("firms_firm", lang), tell("firms_result", lang),
                 status_label(Status.NON_COMPLIANT, lang) if zh else "non_compliant",
                 status_label(Status.NEEDS_REVIEW, lang) if zh else "needs_review"):
        table.add_column(name)
    for run in runs:
        if run.result is not None:
            counts = run.result.report.counts
            table.add_row(run.folder, run.firm or "", Text(tell("firms_ok", lang), style="green"),
                          str(counts.get("non_compliant", 0)), str(counts.get("needs_review", 0)))
        else:
            table.add_row(run.folder, "", Text(tell("firms_refused", lang), style="bold red"), "", "")
    console.print(table)
    for run in runs:
        if run.error:
            from ccaudit.cli.texts import said_again

            error = (run.error_zh or said_again(run.error, lang)) if zh else run.error
            print_error(f"{run.folder}{'：' if zh else ': '}{error}", lang)
    _print_one_run(runs, lang)
    print_line(tell("firms_results", lang, out=visible(str(out)), comparison=visible(str(out / "comparison")),
                   summary=visible(str(out / "firms.json"))))


def _print_one_run(runs: list[FirmRun], lang: str) -> None:
    """What an all-firm Spark run did, and what it ran apart (ccaudit.inspection.all_firms)."""
    from ccaudit.cli.texts import tell
    from ccaudit.inspection.many import FirmRuns

    notes = runs.all_firms if isinstance(runs, FirmRuns) else None
    if notes is None or not notes.used:
        return
    print_line(tell("firms_one_run", lang, count=notes.firms))
    for check, why in sorted(notes.checks_firm_by_firm.items()):
        print_line(tell("firms_check_apart", lang, check=check, why=visible(why)))
    folders = {i: r.folder for i, r in enumerate(runs)}
    for number, why in sorted(notes.firms_apart.items()):
        print_line(tell("firms_firm_apart", lang, firm=visible(folders.get(number, str(number))), why=visible(why)))
