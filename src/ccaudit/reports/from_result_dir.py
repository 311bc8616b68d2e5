"""ReportData from a plain inspection's result folder: findings.json plus offending/<check_id>.csv.

Only stored results are read. The catalog and the check folders are consulted for labels alone
(area headings, Chinese check titles and sentences); when they are missing the report still builds
from findings.json, with a warning.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from pydantic import ValidationError

from ccaudit import csvsafe
from ccaudit.catalog.loader import CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.checks.loader import CheckLibrary
from ccaudit.errors import CcauditError
from ccaudit.evidence.store import Manifest
from ccaudit.findings.messages import messages
from ccaudit.findings.models import CheckCounts, CheckFinding, EvidenceRef, Finding, InspectionReport, Reason
from ccaudit.findings.sentence import render
from ccaudit.inspection import result_folder
from ccaudit.reports.model import (
    Area,
    AttestationNote,
    CatalogRef,
    CheckSummary,
    EvidenceItem,
    OffendingSet,
    PreviousSummary,
    ReportData,
    ReportError,
    ReportInput,
    RequirementRow,
    Result,
    Source,
    SourceKind,
    Texts,
)
from ccaudit.settings import Settings

FINDINGS = "findings.json"


@dataclass(frozen=True)
class CheckLabel:
    title: Texts
    sentence_zh: str
    remediation: Texts


@dataclass(frozen=True)
class Labels:
    """Display texts from the content: never results."""

    catalog: Catalog | None
    checks: dict[str, CheckLabel]


def load_labels(settings: Settings, catalog_id: str, version: int) -> tuple[Labels, list[str]]:
    warnings: list[str] = []
    catalog = None
    try:
        catalog = next((c for c in CatalogLibrary.load(settings.content_paths).versions(catalog_id)
                        if c.version == version), None)
    except CcauditError as exc:
        warnings.append(f"catalog labels unavailable: {exc}")
    if catalog is None:
        warnings.append(f"catalog {catalog_id} v{version} not found: area headings shown by ID")
    checks: dict[str, CheckLabel] = {}
    try:
        for check in CheckLibrary.load(settings.content_paths):
            meta = check.meta
            checks[meta.id] = CheckLabel(
                Texts(en=meta.title.en, zh=meta.title.zh_tw), meta.sentence.zh_tw,
                Texts(en=meta.remediation.en, zh=meta.remediation.zh_tw),
            )
    except CcauditError as exc:
        warnings.append(f"check labels unavailable (English titles only): {exc}")
    return Labels(catalog, checks), warnings


class ResultDirRows:
    """Streams offending/<check_id>.csv (UTF-8 with BOM) one row at a time, cells restored (csvsafe)."""

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self.root = root.resolve()
        self.files = files

    def _path(self, check_id: str) -> Path | None:
        rel = self.files.get(check_id)
        if rel is None:
            return None
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def columns(self, check_id: str) -> list[str]:
        path = self._path(check_id)
        if path is None:
            return []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [csvsafe.restore(c) for c in next(csv.reader(handle), [])]

    def iter_rows(self, check_id: str, limit: int | None = None) -> Iterator[list[str]]:
        path = self._path(check_id)
        if path is None:
            return
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for cells in islice(reader, limit):  # the values the checks produced (see csvsafe)
                yield [csvsafe.restore(c) for c in cells]


def read_inspection(result_dir: Path) -> tuple[InspectionReport, str]:
    path = result_dir / FINDINGS
    if not path.is_file():
        raise ReportError(f"{result_dir} is not an inspection result folder (no {FINDINGS})")
    raw = path.read_bytes()
    try:
        report = InspectionReport.model_validate_json(raw)
    except ValidationError as exc:
        raise ReportError(f"{path} does not match the findings.json contract: {exc}") from exc
    _check_dates(path, report)
    _check_one_run(result_dir, report)
    return report, hashlib.sha256(raw).hexdigest()


def _check_one_run(result_dir: Path, report: InspectionReport) -> None:
    """findings.json and evidence/manifest.json must come from the same inspection run."""
    path = result_dir / "evidence" / "manifest.json"
    if not path.is_file():
        return  # findings.json alone (another tool wrote it): nothing to compare with
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise ReportError(f"{path} is not an evidence manifest: {exc}") from None
    mixed = result_folder.mixed_runs(result_dir, report, manifest)
    if mixed:
        raise ReportError(f"{mixed}; inspect the evidence again into a new folder")


def load(result_dir: Path, settings: Settings, previous: Path | None = None) -> ReportInput:
    report, digest = read_inspection(result_dir)
    labels, warnings = load_labels(settings, report.catalog, report.catalog_version)
    data = build(report, digest, result_dir.resolve().name, labels)
    data.warnings.extend(warnings)
    if previous is not None:
        last, _ = read_inspection(previous)
        data.previous = previous_summary(last)
        before = {f.requirement_id: Result.of(f.status) for f in last.findings}
        for row in data.requirements:
            row.previous_result = before.get(row.id)
    return ReportInput(data, ResultDirRows(result_dir, _offending_files(result_dir, report)),
                       evidence_dirs=(result_dir / "evidence" / "blobs",))


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _check_dates(path: Path, report: InspectionReport) -> None:
    """The dates every format prints (and the JSON Schema types as dates), refused before any is written."""
    dates = [("as_of", report.as_of), ("catalog_effective_from", report.catalog_effective_from)]
    dates += [(f"effective_date of {e.original_name}", e.effective_date) for e in report.evidence
              if e.effective_date is not None]
    for name, value in dates:
        if not _is_date(value):
            raise ReportError(f"{path}: {name} is {value!r}, not a date like 2026-11-30")
    try:
        dt.datetime.fromisoformat(report.generated_at.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"{path}: generated_at is {report.generated_at!r}, not an ISO timestamp") from None


def _is_date(value: str) -> bool:
    try:
        return _DATE.fullmatch(value) is not None and dt.date.fromisoformat(value) is not None
    except ValueError:  # 2026-02-30
        return False


def _offending_files(result_dir: Path, report: InspectionReport) -> dict[str, str]:
    """Each check's offending-row file: one that findings.json names but the folder lacks is an error,
    never a check silently shown without its rows."""
    root = result_dir.resolve()
    files: dict[str, str] = {}
    for finding in report.findings:
        for c in finding.checks:
            if not c.offending_file:
                continue
            path = (root / c.offending_file).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                where = "lies outside the result folder" if not path.is_relative_to(root) else "is missing"
                raise ReportError(f"{result_dir / FINDINGS} names {c.offending_file} for the offending rows of "
                                  f"{c.check_id}, but that file {where}")
            files[c.check_id] = c.offending_file
    return files


def previous_summary(report: InspectionReport) -> PreviousSummary:
    return PreviousSummary(label=report.as_of[:4], as_of=report.as_of, counts=dict(report.counts))


def build(report: InspectionReport, findings_sha256: str, ref: str, labels: Labels) -> ReportData:
    cat = labels.catalog
    offending: dict[str, OffendingSet] = {}
    rows = []
    for finding in report.findings:
        checks = [_check(c, labels) for c in finding.checks]
        rows.append(_requirement(finding, checks, cat))
        for c, summary in zip(finding.checks, checks, strict=True):
            if c.offending_count and c.offending_file:
                entry = offending.setdefault(c.check_id, OffendingSet(
                    check_id=c.check_id, title=summary.title, count=c.offending_count, requirement_ids=[]))
                entry.requirement_ids.append(finding.requirement_id)
    return ReportData(
        firm=report.firm,
        firm_id=report.firm_id,
        year=int(report.as_of[:4]),
        as_of=report.as_of,
        catalog=CatalogRef(
            id=report.catalog, version=report.catalog_version, effective_from=report.catalog_effective_from,
            urn=cat.urn if cat else None,
            title=Texts(en=cat.title.en, zh=cat.title.zh_tw) if cat else None,
        ),
        source=Source(kind=SourceKind.RESULT_DIR, ref=ref, findings_sha256=findings_sha256),
        generated_at=report.generated_at,
        ccaudit_version=report.ccaudit_version,
        engine=report.engine.name if report.engine else None,
        areas=catalog_areas(cat),
        requirements=rows,
        evidence=[_evidence(e) for e in report.evidence],
        offending=list(offending.values()),
        warnings=list(report.warnings),
    )


def catalog_areas(cat: Catalog | None) -> list[Area]:
    if cat is None:
        return []
    areas: dict[str, Area] = {}
    for req in cat.requirements:
        # the heading of an area is its first non-assessable requirement (12.1 Cloud services)
        if req.area and req.area not in areas and not req.assessable:
            areas[req.area] = Area(id=req.area, title=Texts(en=_heading(req.text.en, ":"),
                                                             zh=_heading(req.text.zh_tw, "：")))
    return list(areas.values())


def _heading(text: str, colon: str) -> str:
    """'物聯網：應訂定…' -> '物聯網': an area heading that also states a duty keeps its name only."""
    head = text.split(colon, 1)[0].strip()
    return head if head and colon in text else text


def _evidence(ref: EvidenceRef) -> EvidenceItem:
    return EvidenceItem(dataset=ref.dataset, sha256=ref.sha256, name=ref.original_name, rows=ref.rows,
                        effective_date=ref.effective_date)


def _check(c: CheckFinding, labels: Labels) -> CheckSummary:
    label = labels.checks.get(c.check_id)
    words = messages()
    samples = []
    for i, sentence in enumerate(c.sample_sentences):
        # the zh sentence is rendered again from the stored row, its codes and stock phrases labelled
        zh = render(label.sentence_zh, words.row(c.sample[i], "zh-TW")) if label and i < len(c.sample) else sentence
        samples.append(Texts(en=sentence, zh=zh))
    return CheckSummary(
        **c.model_dump(include=set(CheckCounts.model_fields)),
        title=label.title if label else Texts(en=c.title, zh=c.title),
        samples=samples, evidence=[e.sha256 for e in c.evidence],
        remediation=label.remediation if label else None,
    )


def _requirement(finding: Finding, checks: list[CheckSummary], cat: Catalog | None) -> RequirementRow:
    evidence: dict[str, EvidenceItem] = {}
    for c in finding.checks:
        for e in c.evidence:
            evidence.setdefault(e.sha256, _evidence(e))
    parent = None
    if cat is not None:
        try:
            parent = cat.requirement(finding.requirement_id).parent
        except KeyError:
            parent = None
    att = finding.attestation
    return RequirementRow(
        id=finding.requirement_id,
        parent=parent,
        area=finding.area,
        text=Texts(en=finding.title, zh=finding.title_zh),
        obligation=finding.obligation,
        result=Result.of(finding.status),
        reasons=list(finding.reasons),
        # findings.json 1.0 kept reasons as English text only: shown as written
        reason_codes=list(finding.reason_codes) or [
            Reason(code="legacy_text", params={"text": r}) for r in finding.reasons],
        checks=checks,
        evidence=list(evidence.values()),
        compensating_measures=sorted({m for c in finding.checks for m in c.compensating_measures}),
        attestation=AttestationNote(result=att.result, by=att.attested_by, on=att.attested_on,
                                    document_ref=att.document_ref, note=att.note) if att else None,
    )


def dumps_canonical(data: ReportData) -> str:
    """The model as canonical JSON (sorted keys), e.g. to compare two reports."""
    return json.dumps(data.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
