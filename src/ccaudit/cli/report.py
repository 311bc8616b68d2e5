"""`ccaudit report` and `ccaudit compare`: thin commands over ccaudit.reports.generate."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Literal

import typer

from ccaudit.cli.console import print_line
from ccaudit.cli.texts import say
from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

SourceArg = Annotated[str, typer.Argument(
    help="an inspection result folder, an audit ID, or firm:<FIRM_ID> for that firm's latest audit")]
OutOpt = Annotated[Path, typer.Option("--out", help="folder to write the reports into")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default zh-TW; the lines printed: "
                                                             "CCAUDIT_LANG, else en)")]
DbOpt = Annotated[str | None, typer.Option("--db", help="audit database URL (default: CCAUDIT_DB or SQLite)")]
FormatOpt = Annotated[str, typer.Option(
    "--format", help="xlsx, deficiencies, html, pdf, json, csv, oscal; several with commas, or all")]
PreviousOpt = Annotated[Path | None, typer.Option(
    help="last year's result folder, for the trend (an audit uses the audit it carried over)")]
MaxRowsOpt = Annotated[str | None, typer.Option(
    help="offending rows per check, N or all (default: xlsx 10000, html 25, pdf 10, json/csv all)")]
OnOpt = Annotated[str | None, typer.Option(
    help="day to age open remediation on, 2026-11-30 or ROC 115/11/30 (default: sign-off day, else the as-of "
    "date)")]


def _settings(db: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"db": db}) if db else settings


def _lang(value: str) -> str:
    if value.lower() not in ("zh-tw", "zh", "en"):
        raise typer.BadParameter(f"--lang takes zh-TW or en, not {value!r}")
    return "zh-TW" if value.lower().startswith("zh") else "en"


def _day(value: str) -> dt.date:
    try:
        return parse_user_date(value)
    except DateInputError as exc:
        raise typer.BadParameter(str(exc)) from None


def _max_rows(value: str, lang: str) -> int | Literal["all"]:
    if value.strip().lower() == "all":
        return "all"
    if not value.strip().isdigit():
        raise typer.BadParameter(say("max_rows", lang, value=repr(value)))
    return int(value)


def _said_in(lang: str | None, settings: Settings) -> str:
    """The language of the lines the command prints: --lang, else CCAUDIT_LANG (the report's own language
    defaults to zh-TW, the lines to the user's)."""
    from ccaudit.cli.audit.common import COMMAND_LANG

    said = _lang(lang) if lang else settings.lang
    COMMAND_LANG[:] = [said]
    return said


def report(
    source: SourceArg,
    out: OutOpt,
    fmt: FormatOpt = "xlsx",
    lang: LangOpt = None,
    previous: PreviousOpt = None,
    max_rows: MaxRowsOpt = None,
    on: OnOpt = None,
    db: DbOpt = None,
) -> None:
    """Write the checklist workbook, PDF/HTML report, JSON/CSV or OSCAL from stored results."""
    from ccaudit.reports.generate import generate, open_source, parse_formats

    settings = _settings(db)
    said = _said_in(lang, settings)
    formats = parse_formats(fmt)
    language = _lang(lang) if lang else "zh-TW"
    day = _day(on) if on else None
    rows = _max_rows(max_rows, said) if max_rows is not None else None
    started = time.perf_counter()
    with open_source(source, settings, previous) as inp:
        written = generate(inp, formats, out, language, settings, rows, day,
                           on_removed=lambda path: print_line(say("report_removed", said, path=visible(str(path)))))
        digest = inp.data.digest or inp.data.source.findings_sha256
        print_line(say("report_head", said, firm=visible(inp.data.firm or inp.data.firm_id or ""),
                       as_of=inp.data.as_of, catalog=inp.data.catalog.id, version=inp.data.catalog.version,
                       digest=digest))
    tops: dict[Path, int] = {}
    for path in written:
        top = out / path.relative_to(out).parts[0]
        tops[top] = tops.get(top, 0) + 1
    for top, n in tops.items():
        print_line(say("report_folder", said, path=visible(str(top)), count=n) if top.is_dir()
                   else f"  {visible(str(top))}")
    print_line(say("report_written", said, count=len(written), seconds=f"{time.perf_counter() - started:.1f}"))


def compare(
    sources: Annotated[list[str], typer.Argument(
        help="result folders, audit IDs, or firm:<FIRM_ID> (that firm's latest audit)")],
    out: OutOpt,
    lang: LangOpt = None,
    db: DbOpt = None,
) -> None:
    """Compare several firms' results requirement by requirement (one workbook and one HTML page)."""
    from ccaudit.reports.generate import compare as run

    settings = _settings(db)
    _said_in(lang, settings)
    for path in run(sources, out, _lang(lang) if lang else "zh-TW", settings):
        print_line(f"  {visible(str(path))}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("compare")(compare)
