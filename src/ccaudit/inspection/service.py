"""One inspection of one firm's evidence folder on one as-of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import ccaudit
from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.catalog.models import Catalog, Requirement
from ccaudit.checks.engines import CheckEngine
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.models import Check
from ccaudit.checks.params import InspectionParams
from ccaudit.checks.runner import CheckResult, run_checks
from ccaudit.errors import CatalogError, EvidenceError
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.store import EvidenceStore, Manifest
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.findings.decide import decide, scope_decision
from ccaudit.findings.messages import Messages, messages
from ccaudit.findings.models import (
    AttestationRef,
    CheckFinding,
    EvidenceRef,
    Finding,
    InspectionReport,
    Status,
)
from ccaudit.findings.sentence import jsonable, render
from ccaudit.findings.writer import export_offending, write_report
from ccaudit.inspection import result_folder
from ccaudit.inspection.engine_choice import Engines, copy_back, result_name, write_partitioned
from ccaudit.settings import Settings

WORKSPACE = "workspace.duckdb"
Progress = Callable[[str, str, int, int], None]  # (stage, label, done, total)


@dataclass
class Content:
    """Everything an inspection reads that is not the firm's evidence."""

    catalogs: CatalogLibrary
    checks: CheckLibrary
    templates: TemplateRegistry

    @classmethod
    def load(cls, settings: Settings) -> Content:
        content = cls(
            CatalogLibrary.load(settings.content_paths),
            CheckLibrary.load(settings.content_paths),
            TemplateRegistry.load(settings.content_paths),
        )
        content.validate()
        return content

    def validate(self) -> None:
        """Every check a catalog names exists, and every dataset a check names has a template."""
        for catalog_id in self.catalogs.ids():
            for catalog in self.catalogs.versions(catalog_id):
                for req in catalog.requirements:
                    for check_id in req.checks:
                        if check_id not in self.checks:
                            raise CatalogError(f"{catalog.label}: {req.id} names unknown check {check_id}")
        for check in self.checks:
            for dataset in (*check.meta.datasets, *check.meta.optional_datasets):
                if dataset not in self.templates:
                    raise CatalogError(f"check {check.id} names unknown dataset {dataset}")
            for relation in check.shared:  # materialised under its name: it must not hide an evidence table
                if relation.name in self.templates:
                    raise CatalogError(f"shared relation {relation.name} has a dataset's name ({relation.path})")


@dataclass
class InspectionResult:
    report: InspectionReport
    out_dir: Path
    results: dict[str, CheckResult]
    cleaned: list[Path] = field(default_factory=list)  # left by killed runs into the same folder, removed


def inspect(
    evidence_dir: Path,
    as_of: dt.date,
    out_dir: Path,
    settings: Settings,
    catalog_id: str = DEFAULT_CATALOG,
    progress: Progress | None = None,
    engines: Engines | None = None,
    results_parquet: Path | str | None = None,
    origin: str | None = None,
) -> InspectionResult:
    """`engines`: the engine chosen for this command (default: settings.engine, for this run only);
    `results_parquet`: also write the offending rows there, partitioned by firm and requirement;
    `origin`: the object-store folder `evidence_dir` is a copy of (recorded in the manifest)."""
    if engines is None:
        with Engines(settings) as own:
            return inspect(evidence_dir, as_of, out_dir, settings, catalog_id, progress, own, results_parquet,
                           origin)
    with imported(evidence_dir, as_of, out_dir, settings, catalog_id, progress, origin) as run:
        con = open_workspace(run.workspace, settings)
        try:
            with engines.open(con, run.run_id) as engine:
                result = run.evaluate(engine, con, as_of, settings, progress, results_parquet)
        finally:
            con.close()
    return run.done(result)


@dataclass
class Imported:
    """One inspection between its import and its checks: the result folder being written (made the
    result folder, whole, when the `imported` block ends without an error) and the evidence in it."""

    evidence_dir: Path
    out_dir: Path
    target: result_folder.Target
    store: EvidenceStore
    manifest: Manifest
    content: Content
    catalog: Catalog

    @property
    def run_id(self) -> str:
        assert self.manifest.run_id is not None, "set by imported()"
        return self.manifest.run_id

    @property
    def workspace(self) -> Path:
        return self.target.work / WORKSPACE

    def plan(self, engine: CheckEngine, as_of: dt.date, settings: Settings) -> Plan:
        return plan(engine, self.catalog, self.content, self.manifest, as_of, settings)

    def evaluate(
        self, engine: CheckEngine, con: duckdb.DuckDBPyConnection, as_of: dt.date, settings: Settings,
        progress: Progress | None = None, results_parquet: Path | str | None = None,
    ) -> InspectionResult:
        """The checks on `engine` (holding this run's evidence), the findings written, the offending
        rows brought back into the workspace `con` (and to `results_parquet`)."""
        self.manifest.engine = engine.info()
        self.store.write_manifest(self.manifest)
        result = evaluate(engine, self.catalog, self.content, self.manifest, as_of, self.target.work, settings,
                          progress)
        copy_back(engine, con, result.results)
        if results_parquet is not None:
            firm = result_name(result.report, self.evidence_dir.name)
            write_partitioned(engine, result.report, result.results, firm, results_parquet)
        return result

    def done(self, result: InspectionResult) -> InspectionResult:
        result.out_dir = self.out_dir
        result.cleaned = self.target.cleaned
        return result


@contextmanager
def imported(
    evidence_dir: Path,
    as_of: dt.date,
    out_dir: Path,
    settings: Settings,
    catalog_id: str = DEFAULT_CATALOG,
    progress: Progress | None = None,
    origin: str | None = None,
) -> Iterator[Imported]:
    """The evidence imported into a new result folder, which replaces `out_dir` (whole or not at all)
    when the block ends without an error."""
    content = Content.load(settings)
    catalog = content.catalogs.in_force(catalog_id, as_of)
    with result_folder.replacing(out_dir, evidence_dir) as target:
        work = target.work
        store = EvidenceStore(work / "evidence")
        manifest = import_folder(
            evidence_dir, work / WORKSPACE, store, content.templates, settings,
            progress=(lambda label, done, total: progress("import", label, done, total)) if progress else None,
        )
        manifest.run_id = result_folder.new_run_id()
        manifest.origin = origin
        yield Imported(evidence_dir, out_dir, target, store, manifest, content, catalog)


@dataclass
class Plan:
    """What a firm's inspection runs, decided from its evidence before any check: its profile, the
    parameters, the requirements in force and in scope, and the checks each serves."""

    profile: dict[str, Any] | None
    params: InspectionParams
    requirements: list[Requirement]
    requirements_of: dict[str, list[str]]
    checks: list[Check]
    empty: dict[str, list[str]]


def plan(
    engine: CheckEngine, catalog: Catalog, content: Content, manifest: Manifest, as_of: dt.date, settings: Settings
) -> Plan:
    supplied = manifest.datasets()
    profile = _firm_profile(engine, supplied)
    # The template refuses 0 and anything outside 1..36, so only a missing value takes the default.
    stated = profile.get("review_interval_months") if profile else None
    interval = 12 if stated is None else int(stated)
    params = InspectionParams(as_of=as_of, review_interval_months=interval, firm_timezone=settings.firm_timezone)
    requirements = catalog.assessable()
    requirements_of: dict[str, list[str]] = {}
    for req in requirements:
        out_of_scope = scope_decision(req, profile)
        if out_of_scope is not None and out_of_scope.status is Status.NOT_APPLICABLE:
            continue  # no checks run for what does not apply: no offending rows to confuse anyone
        for check_id in req.checks:
            requirements_of.setdefault(content.checks.get(check_id).id, []).append(req.id)
    checks = [content.checks.get(c) for c in requirements_of]
    empty = {d: [e.original_name for e in manifest.for_dataset(d)]  # never proof of compliance
             for d in content.templates.too_few_rows(manifest.records(), profile)}
    return Plan(profile, params, requirements, requirements_of, checks, empty)


def evaluate(
    engine: CheckEngine,
    catalog: Catalog,
    content: Content,
    manifest: Manifest,
    as_of: dt.date,
    out_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
) -> InspectionResult:
    """Run the catalog's checks on evidence already in the engine, decide, and write the results."""
    supplied = manifest.datasets()
    planned = plan(engine, catalog, content, manifest, as_of, settings)
    profile, requirements, requirements_of, checks = (planned.profile, planned.requirements, planned.requirements_of,
                                                      planned.checks)
    engine.set_params(planned.params)
    done = 0

    def tick(check_id: str) -> None:
        nonlocal done
        if progress:
            progress("checks", check_id, done, len(checks))
        done += 1

    empty = planned.empty
    results = run_checks(engine, checks, requirements_of, supplied, settings.sample_rows, tick, empty)
    if progress:
        progress("checks", "", len(checks), len(checks))
    files = export_offending(engine, results, out_dir, settings.parquet_threshold_rows)
    attestations = _attestations(engine, supplied)
    words = messages(settings.content_paths)
    findings = [
        _finding(req, content, results, profile, attestations.get(req.id), manifest, files, words)
        for req in requirements
    ]
    counts = {s.value: sum(1 for f in findings if f.status is s) for s in Status}
    report = InspectionReport(
        run_id=manifest.run_id,
        firm=profile.get("firm_name") if profile else None,
        firm_id=profile.get("firm_id") if profile else None,
        as_of=as_of.isoformat(),
        catalog=catalog.id,
        catalog_version=catalog.version,
        catalog_effective_from=catalog.effective_from.isoformat(),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        ccaudit_version=ccaudit.__version__,
        engine=engine.info(),
        counts=counts,
        findings=findings,
        evidence=[_ref(e) for e in manifest.files],
        warnings=[*manifest.warnings, *manifest.skipped_duplicates,
                  *(f"not imported: {n}: {manifest.ignored_reasons.get(n, 'its name matches no dataset')}"
                    for n in manifest.ignored_files)],
    )
    write_report(report, out_dir)
    return InspectionResult(report, out_dir, results)


def _firm_profile(engine: CheckEngine, supplied: set[str]) -> dict[str, Any] | None:
    if "firm_profile" not in supplied:
        return None
    rows = engine.query("SELECT * FROM firm_profile")
    if len(rows) != 1:
        raise EvidenceError(f"firm_profile must have exactly one row (found {len(rows)})")
    return rows[0]


def _attestations(engine: CheckEngine, supplied: set[str]) -> dict[str, dict[str, Any]]:
    """The latest attestation per requirement within the review period."""
    if "attestations" not in supplied:
        return {}
    rows = engine.query(
        "SELECT a.* FROM attestations a CROSS JOIN params p "
        "WHERE a.attested_on BETWEEN p.review_window_start AND p.as_of "
        "ORDER BY a.requirement_id, a.attested_on DESC, a._row DESC"
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:  # one row per attestation: a small register, not evidence at scale
        latest.setdefault(row["requirement_id"], row)
    return latest


def _ref(entry: Any) -> EvidenceRef:
    return EvidenceRef(
        dataset=entry.dataset, sha256=entry.sha256, original_name=entry.original_name, rows=entry.rows,
        effective_date=entry.effective_date.isoformat() if entry.effective_date else None,
    )


def _finding(
    req: Requirement,
    content: Content,
    results: dict[str, CheckResult],
    profile: dict[str, Any] | None,
    attestation: dict[str, Any] | None,
    manifest: Manifest,
    files: dict[str, str],
    words: Messages,
) -> Finding:
    req_results = [results[c.id] for c in map(content.checks.get, req.checks) if c.id in results]
    decision = decide(req, profile, req_results, attestation)
    in_scope = decision.status is not Status.NOT_APPLICABLE
    english = words.reasons_text(decision.reasons, "en")  # kept for readers of findings.json 1.0
    checks = [_check_finding(r, req, manifest, files) for r in req_results] if in_scope else []
    return Finding(
        requirement_id=req.id,
        area=req.area,
        title=req.text.en,
        title_zh=req.text.zh_tw,
        obligation=(req.obligation.value if req.obligation else "shall"),
        status=decision.status,
        summary="; ".join(english),
        reasons=english,
        reason_codes=decision.reasons,
        checks=checks,
        attestation=AttestationRef(
            result=attestation["result"], attested_by=attestation["attested_by"],
            attested_on=attestation["attested_on"].isoformat(), document_ref=attestation.get("document_ref"),
            note=attestation.get("note"),
        ) if attestation else None,
    )


def _check_finding(result: CheckResult, req: Requirement, manifest: Manifest, files: dict[str, str]) -> CheckFinding:
    meta = result.check.meta
    datasets = [*meta.datasets, *meta.optional_datasets]
    return CheckFinding(
        check_id=meta.id,
        title=meta.title.en,
        outcome=result.outcome.value,
        obligation=(meta.obligation or req.obligation or "shall"),
        severity=meta.severity.value,
        offending_count=result.offending,
        compensated_count=result.compensated,
        expired_compensation_count=result.expired_only,
        missing_datasets=result.missing,
        offending_file=files.get(meta.id),
        sample=[jsonable(row) for row in result.sample],
        sample_sentences=[render(meta.sentence.en, row) for row in result.sample],
        compensating_measures=result.measures,
        expired_measures=[jsonable(m) for m in result.expired_measures],
        evidence=[_ref(e) for e in _evidence_of(manifest, datasets)],
    )


def _evidence_of(manifest: Manifest, datasets: list[str]) -> list[Any]:
    """The files a check read, and the raw exports (gateway logs) any of them was derived from."""
    files = [e for d in datasets for e in manifest.for_dataset(d)]
    return [*manifest.raw_exports_of(files), *files]
