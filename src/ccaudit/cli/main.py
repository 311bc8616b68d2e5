"""ccaudit command line. Exit status: 0 when the command ran, 2 for bad input, 1 for --fail-on gates."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.cli.audit import register as register_audit
from ccaudit.cli.audit.common import COMMAND_LANG, load_settings
from ccaudit.cli.console import (
    console,
    counts_line,
    findings_table,
    print_error,
    print_line,
    print_warning,
    progress_bar,
)
from ccaudit.cli.engines import EngineOpt, EngineUrlOpt, KeepSchemaOpt, print_firms, with_engine
from ccaudit.cli.help_texts import command_in
from ccaudit.cli.policies import register as register_policies
from ccaudit.cli.probe import register as register_probe
from ccaudit.cli.report import register as register_report
from ccaudit.cli.serve import register as register_serve
from ccaudit.cli.sources import register as register_sources
from ccaudit.cli.texts import choices, os_problem, settings_problem, tell, usage_message
from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.errors import CcauditError, EvidenceError, EvidenceValidationError
from ccaudit.findings.models import Status
from ccaudit.settings import Settings
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from ccaudit.inspection.service import InspectionResult

app = typer.Typer(
    help="ccaudit: inspection of TWSE Article 12 (CC-21100) for securities firms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default: CCAUDIT_LANG, else en)")]


def _as_of(value: str) -> dt.date:
    try:
        return parse_user_date(value)
    except DateInputError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def catalog(
    lang: Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default: CCAUDIT_LANG, else en)")] = None,
    as_of: Annotated[str | None, typer.Option(help="show the version in force on this date")] = None,
    catalog_id: Annotated[str, typer.Option("--catalog")] = DEFAULT_CATALOG,
) -> None:
    """List the requirements of the catalog in force."""
    settings = load_settings(None, lang)  # --lang, else CCAUDIT_LANG as on every other command
    lang = settings.lang
    day = _as_of(as_of) if as_of else dt.date.today()
    cat = CatalogLibrary.load(settings.content_paths).in_force(catalog_id, day)
    zh = lang.lower().startswith("zh")
    since = cat.effective_from
    force = f"第 {cat.version} 版，自 {since} 起適用" if zh else f"v{cat.version}, in force from {since}"
    table = Table(title=f"{cat.title.get(lang)} — {force}")
    names = ("ID", "條文", "義務", "頻率", "適用條件", "檢查數") if zh else (
        "ID", "requirement", "obligation", "frequency", "applies if", "checks")
    for name in names:
        table.add_column(name, overflow="fold")
    obligations = {"shall": "應", "advisable": "宜"}
    for req in cat.requirements:
        text = req.text.get(lang)
        obligation = req.obligation.value if req.obligation else ""
        months = req.frequency_months
        table.add_row(
            req.id, text if req.assessable else Text(text, style="bold"),
            obligations.get(obligation, obligation) if zh else obligation,
            (f"每 {months} 個月" if zh else f"{months} months") if months else "",
            req.applies_if or "", str(len(req.checks)) if req.assessable else "",
        )
    console.print(table)


@app.command()
def templates(
    out: Annotated[Path, typer.Option("--out", help="folder to write the templates into")],
    lang: LangOpt = None,
) -> None:
    """Write an empty, documented template per evidence dataset (CSV and XLSX)."""
    from ccaudit.evidence.template_writer import write_templates
    from ccaudit.evidence.templates import TemplateRegistry

    settings = load_settings(None, lang)
    written = write_templates(TemplateRegistry.load(settings.content_paths), out, settings.lang)
    print_line(tell("templates_written", settings.lang, count=len(written), out=visible(str(out)),
                   readme=visible(str(out / "README.md"))))


@app.command("inspect")
def inspect_cmd(
    as_of: Annotated[str, typer.Option("--as-of", help="inspection date: 2026-11-30 or ROC 115/11/30")],
    out: Annotated[Path, typer.Option("--out", help="result folder (with --firms: one folder per firm in it)")],
    evidence_dir: Annotated[str | None, typer.Argument(
        help="folder of the firm's evidence files, or an object-store folder s3://bucket/prefix/")] = None,
    firms: Annotated[str | None, typer.Option(
        "--firms", help="a folder (or s3://bucket/prefix/) holding one evidence folder per firm, instead of "
        "EVIDENCE_DIR")] = None,
    lang: LangOpt = None,
    catalog_id: Annotated[str, typer.Option("--catalog")] = DEFAULT_CATALOG,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="exit 1 if any finding has this status")] = None,
    engine: EngineOpt = None,
    engine_url: EngineUrlOpt = None,
    keep_schema: KeepSchemaOpt = False,
    results_parquet: Annotated[str | None, typer.Option(
        "--results-parquet", help="also write every offending row as Parquet under this folder, partitioned by "
        "firm, requirement and check (Spark with hadoop-aws: also s3://bucket/prefix)")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=32, help="with --firms: firms inspected at the same time (CCAUDIT_FIRM_WORKERS, "
        "default 1)")] = None,
) -> None:
    """Import an evidence folder, run every check and write findings.json, findings.csv, offending/."""
    from ccaudit.evidence.object_store import is_remote
    from ccaudit.inspection.engine_choice import Engines, results_location

    settings = with_engine(load_settings(None, lang), engine, engine_url, keep_schema)
    lang = settings.lang
    gate = _status_option(fail_on, lang)
    if (evidence_dir is None) == (firms is None):
        raise typer.BadParameter(tell("either_evidence_or_firms", lang))
    if workers is not None:
        settings = settings.model_copy(update={"firm_workers": workers})
    day = _as_of(as_of)
    parquet_root = results_location(results_parquet, settings)  # refused here, before any work
    with Engines(settings) as engines:
        if firms is not None:
            from ccaudit.inspection.many import inspect_firms

            with progress_bar(lang) as progress:
                runs = inspect_firms(firms if is_remote(firms) else Path(firms), day, out, settings, catalog_id,
                                     progress, engines,  # type: ignore[arg-type]
                                     parquet_root, lang)
            for path in runs.cleaned:
                print_line(tell("removed_firms", lang, path=visible(str(path)), out=visible(str(out))))
            print_firms(runs, out, lang)
            if any(r.error for r in runs):
                raise typer.Exit(2)
            if gate is not None and any(r.result and r.result.report.counts.get(gate.value, 0) for r in runs):
                raise typer.Exit(1)
            return
        assert evidence_dir is not None
        try:
            result = _inspect_one(evidence_dir, day, out, settings, catalog_id, engines, parquet_root, lang)
        except EvidenceValidationError as exc:
            if lang.lower().startswith("zh"):  # the problems in Traditional Chinese (evidence/issue_texts.py)
                raise CcauditError(exc.render("zh-TW")) from None
            raise
        except EvidenceError as exc:  # one refusal with its Traditional Chinese text (e.g. a raw export's)
            if lang.lower().startswith("zh") and exc.zh:
                raise CcauditError(exc.zh) from None
            raise
    for path in result.cleaned:
        print_line(tell("removed_inspection", lang, path=visible(str(path)), out=visible(str(out))))
    _print_result(result.report, out, lang)
    if gate is not None and result.report.counts.get(gate.value, 0):
        raise typer.Exit(1)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="folder for evidence/ and results/")] = Path("demo-out"),
    scale: Annotated[float, typer.Option(help="multiplies the firm's size (1 = 3,000 people, 1M sessions)")] = 1.0,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same firm")] = 2026,
    as_of: Annotated[str, typer.Option("--as-of")] = "2026-11-30",
    lang: LangOpt = None,
    all_in_scope: Annotated[
        bool, typer.Option(help="set every scope flag on (the firm is also a cloud provider)")
    ] = False,
    plant: Annotated[str, typer.Option(
        help="credible: a firm mostly in order, with a few findings of each kind; all: a gap in every check"
    )] = "credible",
    firms: Annotated[int | None, typer.Option(
        "--firms", help="N firms (seeds SEED, SEED+1, …; IDs 9A00, 9A01, …) in OUT/firms/, inspected with "
        "inspect --firms into OUT/results/")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="parquet: every evidence file as Parquet (default: the firm's mix of CSV, Big5, "
        "XLSX, JSON and Parquet)")] = None,
) -> None:
    """Generate a realistic firm with planted gaps, inspect it, and write the results."""
    from ccaudit.demo.generator import PLANT_MODES, generate
    from ccaudit.inspection.service import inspect

    settings = load_settings(None, lang)
    lang = settings.lang
    if plant not in PLANT_MODES:
        raise typer.BadParameter(tell("takes_one_of", lang, option="--plant", choices=choices(PLANT_MODES, lang)))
    if fmt not in (None, "parquet"):
        raise typer.BadParameter(tell("takes_not", lang, option="--format", choices=choices(["parquet"], lang),
                                     value=repr(fmt)))
    day = _as_of(as_of)
    scope = {"is_cloud_provider": True} if all_in_scope else None
    if firms is not None:
        _demo_firms(out, firms, scale, seed, day, scope, plant, fmt, settings)
        return
    with console.status(tell("demo_generating", lang)):
        generate(out, scale=scale, seed=seed, as_of=day, scope=scope, plant=plant, fmt=fmt)
    print_line(tell("demo_written", lang, path=visible(str(out / "evidence"))))
    with progress_bar(lang) as progress:
        result = inspect(out / "evidence", day, out / "results", settings, progress=progress)  # type: ignore[arg-type]
    _print_result(result.report, out / "results", lang)


def _demo_firms(
    out: Path, n: int, scale: float, seed: int, day: dt.date, scope: dict[str, bool] | None, plant: str,
    fmt: str | None, settings: Settings,
) -> None:
    from ccaudit.demo.generator import generate_firms
    from ccaudit.inspection.many import inspect_firms

    lang = settings.lang
    if not 1 <= n <= 2600:
        raise typer.BadParameter(tell("firms_range", lang))
    with progress_bar(lang) as progress:
        generate_firms(out, n, scale=scale, seed=seed, as_of=day, scope=scope, plant=plant, fmt=fmt,
                       progress=lambda firm, done, total: progress("generate", firm, done, total))  # type: ignore[operator]
    print_line(tell("demo_firms_written", lang, count=n, path=visible(str(out / "firms"))))
    with progress_bar(lang) as progress:
        runs = inspect_firms(out / "firms", day, out / "results", settings, progress=progress,  # type: ignore[arg-type]
                             lang=lang)
    print_firms(runs, out / "results", lang)
    if any(r.error for r in runs):
        raise typer.Exit(2)


def _inspect_one(
    evidence: str, day: dt.date, out: Path, settings: Settings, catalog_id: str, engines: object,
    results_parquet: Path | str | None, lang: str = "en",
) -> InspectionResult:
    """One firm's folder, on disk or (s3://…) copied from an object store for the run."""
    import tempfile

    from ccaudit.evidence.object_store import Prefix, fetch, is_remote
    from ccaudit.inspection.service import inspect

    if not is_remote(evidence):
        with progress_bar(lang) as progress:
            return inspect(Path(evidence), day, out, settings, catalog_id, progress, engines,  # type: ignore[arg-type]
                           results_parquet)
    with tempfile.TemporaryDirectory(prefix="ccaudit-fetch-") as scratch:
        folder = Path(scratch) / Prefix.parse(evidence).name  # named like the prefix: the firm's fallback name
        with console.status(tell("copying", lang, source=visible(evidence))):
            fetch(evidence, folder, settings.object_store_max_bytes)
        with progress_bar(lang) as progress:
            return inspect(folder, day, out, settings, catalog_id, progress, engines,  # type: ignore[arg-type]
                           results_parquet, evidence)


def _status_option(value: str | None, lang: str) -> Status | None:
    if value is None:
        return None
    try:
        return Status(value)
    except ValueError:
        raise typer.BadParameter(tell("takes_one_of", lang, option="--fail-on",
                                     choices=choices([s.value for s in Status], lang))) from None


def _print_result(report, out: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    console.print(findings_table(report, lang))
    console.print(counts_line(report, lang))
    from ccaudit.rawsources.notes import translate

    for warning in report.warnings:  # a raw export's parse notes in the language (content/messages/sources.yaml)
        print_warning(visible(translate(warning, lang)), lang)  # one line each: a file name cannot break it
    print_line(tell("results", lang, json=visible(str(out / "findings.json")), csv=visible(str(out / "findings.csv")),
                   offending=visible(str(out / "offending"))))
    if report.engine is not None and report.engine.name != "duckdb":
        print_line(tell("engine_ran", lang, engine=report.engine.name, version=report.engine.version,
                       url=visible(report.engine.url or "")))


register_audit(app)  # firm, user, audit, verify (src/ccaudit/cli/audit.py)
register_report(app)  # report, compare (src/ccaudit/cli/report.py)
register_sources(app)  # sources, sources parse (src/ccaudit/cli/sources.py)
register_probe(app)  # probe tls, probe ports (src/ccaudit/cli/probe.py)
register_serve(app)  # serve: the web workspace (src/ccaudit/web)
register_policies(app)  # policies scan (src/ccaudit/cli/policies.py)


def _lang() -> str:
    """The language of the command that failed: its --lang where it read its settings, else CCAUDIT_LANG."""
    if COMMAND_LANG:
        return COMMAND_LANG[-1]
    from ccaudit.settings import normalise_lang

    args = sys.argv[1:]
    for i, arg in enumerate(args):  # a usage error comes before the command reads its --lang
        given = arg.partition("=")[2] if arg.startswith("--lang=") else (
            args[i + 1] if arg == "--lang" and i + 1 < len(args) else None)
        if given is not None:
            try:
                return normalise_lang(given)
            except ValueError:
                break
    try:
        return Settings().lang
    except ValidationError:
        return "en"


def _lang_of_environment() -> str:
    """CCAUDIT_LANG read on its own, for a refusal of the other settings (which then do not load)."""
    import os

    from ccaudit.settings import normalise_lang

    try:
        return normalise_lang(os.environ.get("CCAUDIT_LANG", "en"))
    except ValueError:
        return "en"


def _in_language(exc: CcauditError, lang: str) -> str:
    """An error in Traditional Chinese when the command's language says so: evidence problems with their own
    Chinese text (audit run, inspect without --lang), the service's refusals from the errors catalog
    (errortexts.py); a sentence the catalog does not know as written."""
    if lang != "zh-TW":
        return str(exc)
    if isinstance(exc, EvidenceValidationError):
        return exc.render("zh-TW")
    if isinstance(exc, EvidenceError) and exc.zh:
        return exc.zh
    from ccaudit.errortexts import say_error

    return say_error(str(exc), lang)


def main() -> None:
    """Entry point: user errors print one clear message and exit 2, never a traceback."""
    COMMAND_LANG.clear()
    try:
        # Without standalone mode Typer returns the code of a typer.Exit instead of raising it.
        code = command_in(typer.main.get_command(app), _lang())(standalone_mode=False)
    except CcauditError as exc:
        lang = _lang()
        print_error(_in_language(exc, lang), lang)
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # a CCAUDIT_* setting that does not parse
        lang = _lang_of_environment()
        print_error(settings_problem(exc, lang), lang)
        sys.exit(2)
    except OSError as exc:  # the environment, not a bug: a path that is a file, a full disk, a permission
        lang = _lang()
        where = f" ({visible(str(exc.filename))})" if exc.filename else ""
        print_error(f"{os_problem(exc, lang)}{where}", lang)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: unknown option, bad date, missing argument
        lang = _lang()
        message = usage_message(exc, lang)
        if message:  # a group run without its command has printed its help: nothing more to say
            print_error(message, lang)
        sys.exit(2)
    except typer.Abort:
        lang = _lang()
        print_error(tell("aborted", lang), lang)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
