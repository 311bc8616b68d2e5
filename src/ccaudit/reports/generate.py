"""The report use cases the CLI (and later the web app) call: resolve a source, write the formats."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Literal

from ccaudit.catalog.loader import CatalogLibrary
from ccaudit.reports import from_result_dir
from ccaudit.reports.model import ReportData, ReportError, ReportInput
from ccaudit.reports.oscal_common import evidence_links
from ccaudit.settings import Settings
from ccaudit.writerlock import WriterLock, abandoned, locks, remove, token

FORMATS = ("xlsx", "deficiencies", "html", "pdf", "json", "csv", "oscal")
STAGING = ".ccaudit-report-"  # + a token: where one report is written before it is moved into `out`
OUTPUT_NAMES = {
    "xlsx": "checklist.xlsx", "deficiencies": "deficiencies.xlsx", "html": "report.html", "pdf": "report.pdf",
    "json": "findings-report.json", "csv": "csv", "oscal": "oscal",
}


def parse_formats(value: str) -> list[str]:
    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    if wanted == ["all"]:
        return list(FORMATS)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        named = ", ".join(unknown) or repr(value)
        raise ReportError(f"unknown format {named}; use {', '.join(FORMATS)} or all")
    return list(dict.fromkeys(wanted))


def _audit_id(source: str, settings: Settings) -> int | None:
    """An audit ID, or `firm:<FIRM_ID>` for that firm's latest audit; None for a folder."""
    if source.startswith("firm:"):
        return latest_audit(source.removeprefix("firm:"), settings)
    if source.isdigit() and not Path(source).exists():
        return int(source)
    return None


def latest_audit(firm_id: str, settings: Settings) -> int:
    from ccaudit.audit.service import AuditService

    service = AuditService.open(settings)
    try:
        audits = service.list_audits(settings.user, firm_id)
    finally:
        service.close()
    if not audits:
        raise ReportError(f"firm {firm_id} has no audit you may read")
    return max(audits, key=lambda a: (a.year, a.as_of, a.id)).id


@contextmanager
def open_source(source: str, settings: Settings, previous: Path | None = None) -> Iterator[ReportInput]:
    """A result folder, an audit ID, or firm:<FIRM_ID> (that firm's latest audit)."""
    audit_id = _audit_id(source, settings)
    if audit_id is None:
        yield from_result_dir.load(Path(source), settings, previous)
        return
    if previous is not None:
        raise ReportError("--previous is for result folders; an audit compares with the one it carried over")
    from ccaudit.reports.from_audit import open_audit

    with open_audit(audit_id, settings) as inp:
        yield inp


@contextmanager
def open_sources(sources: Sequence[str], settings: Settings) -> Iterator[list[ReportData]]:
    with ExitStack() as stack:
        yield [stack.enter_context(open_source(s, settings)).data for s in sources]


def generate(
    inp: ReportInput,
    formats: Sequence[str],
    out: Path,
    lang: str,
    settings: Settings,
    max_rows: int | Literal["all"] | None = None,
    on: dt.date | None = None,
    on_removed: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write each format into `out`; `max_rows` overrides each format's own appendix length ("all": every
    row in every format).

    Every format is written into a temporary folder inside `out` first and moved into place only when
    all of them were written, so a failure leaves `out` as it was (no report from one run beside
    another's). A report killed outright leaves that folder behind: each holds a lock while it writes
    (ccaudit.writerlock), and the next report into `out` removes the folders of writers that are gone
    (telling `on_removed`), never a running one's."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex[:12]
        staging = out / f"{STAGING}{token}"  # in `out`: the same file system, so the final moves are renames
        with WriterLock(out / f"{STAGING}{token}.lock"):
            for path in clean_leftovers(out):
                if on_removed is not None:
                    on_removed(path)
            staging.mkdir()
            try:
                written = _write_formats(inp, formats, staging, lang, settings, max_rows, on, out)
                _move_into_place(staging, out)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise ReportError(f"cannot write the reports into {out}: {exc.strerror or exc}") from None
    return [out / p.relative_to(staging) for p in written]


def clean_leftovers(out: Path) -> list[Path]:
    """Staging folders in `out` of reports whose process is gone (their lock is free), removed."""
    removed = []
    for lock in abandoned(locks(out, STAGING)):
        staging = out / f"{STAGING}{token(lock, STAGING)}"
        if staging.exists() or staging.is_symlink():
            remove(staging)
            removed.append(staging)
    return removed


def _move_into_place(staging: Path, out: Path) -> None:
    for item in sorted(staging.iterdir()):
        target = out / item.name
        if target.is_dir() and not target.is_symlink():  # csv/, oscal/: last run's folder goes whole
            old = staging / f".old-{item.name}"
            os.replace(target, old)
        os.replace(item, target)


def _write_formats(
    inp: ReportInput, formats: Sequence[str], out: Path, lang: str, settings: Settings,
    max_rows: int | Literal["all"] | None, on: dt.date | None, final: Path,
) -> list[Path]:
    """Each format into `out`; `final` is where they will be moved (OSCAL links evidence from there)."""
    from ccaudit.reports import report_to_csv, report_to_html, report_to_json, report_to_xlsx
    from ccaudit.reports.report_to_pdf import DEFAULT_MAX_ROWS as PDF_ROWS

    rows = {"xlsx": report_to_xlsx.DEFAULT_MAX_ROWS, "html": report_to_html.DEFAULT_MAX_ROWS,
            "pdf": PDF_ROWS, "json": None, "csv": None}
    limit = {f: None if max_rows == "all" else max_rows if max_rows is not None else rows.get(f)
             for f in FORMATS}
    written: list[Path] = []
    for fmt in formats:
        target = out / OUTPUT_NAMES[fmt]
        if fmt == "xlsx":
            written.append(report_to_xlsx.write_xlsx(inp, target, lang, limit[fmt]))
        elif fmt == "deficiencies":
            written.append(report_to_xlsx.write_deficiencies_xlsx(inp, target, lang))
        elif fmt == "html":
            written.append(report_to_html.write_html(inp, target, lang, limit[fmt], on))
        elif fmt == "pdf":
            from ccaudit.reports.report_to_pdf import write_pdf

            written.append(write_pdf(inp, target, lang, limit[fmt], on))
        elif fmt == "json":
            written.append(report_to_json.write_json(inp, target, limit[fmt]))
        elif fmt == "csv":
            written += report_to_csv.write_csv(inp, target, lang, limit[fmt])
        elif fmt == "oscal":
            links = evidence_links([e.sha256 for e in inp.data.evidence], inp.evidence_dirs,
                                   final / OUTPUT_NAMES[fmt])
            written += write_oscal(inp.data, target, settings, lang, links)
    return written


def write_oscal(
    data: ReportData, folder: Path, settings: Settings, lang: str = "en",
    links: Mapping[str, str] | None = None,
) -> list[Path]:
    from ccaudit.reports.catalog_to_oscal import write_catalog
    from ccaudit.reports.remediation_to_poam import write_poam
    from ccaudit.reports.report_to_oscal import write_assessment_results

    written = []
    catalog = next((c for c in CatalogLibrary.load(settings.content_paths).versions(data.catalog.id)
                    if c.version == data.catalog.version), None)
    if catalog is not None:
        written.append(write_catalog(catalog, folder / "catalog.json"))
    written.append(write_assessment_results(data, folder / "assessment-results.json", lang, evidence_links=links))
    written.append(write_poam(data, folder / "poam.json", lang, evidence_links=links))
    return written


def compare(sources: Sequence[str], out: Path, lang: str, settings: Settings) -> list[Path]:
    from ccaudit.reports.compare import write_compare_html, write_compare_xlsx

    with open_sources(sources, settings) as reports:
        return [write_compare_xlsx(reports, out / "compare.xlsx", lang),
                write_compare_html(reports, out / "compare.html", lang)]
