"""A realistic inspection result folder, built from the real catalog and written by the real writer.

Every status appears, failing checks have offending CSVs (UTF-8 with BOM, as export_offending writes
them) holding Chinese text, a formula-looking value and a control character, and one check has more
rows than any appendix prints.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.evidence.store import EvidenceStore, Manifest, ManifestEntry
from ccaudit.findings.models import (
    AttestationRef,
    CheckFinding,
    EvidenceRef,
    Finding,
    InspectionReport,
    Status,
)
from ccaudit.findings.writer import OFFENDING_DIR, write_report
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
CYCLE = [Status.NON_COMPLIANT, Status.COMPLIANT, Status.COMPENSATED, Status.NEEDS_REVIEW,
         Status.OBSERVATION, Status.NOT_APPLICABLE, Status.COMPLIANT]
BIG_CHECK_ROWS = 1200


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _evidence(dataset: str) -> EvidenceRef:
    return EvidenceRef(dataset=dataset, sha256=_sha(dataset), original_name=f"{dataset}.csv", rows=120,
                       effective_date="2026-11-01")


def _write_offending(folder: Path, check_id: str, rows: int) -> str:
    path = folder / OFFENDING_DIR / f"{check_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "person_id", "problem", "source_file", "source_row", "source_sha256"])
        for i in range(rows):
            problem = "未使用多因子驗證" if i % 3 else "=cmd|' /C calc'!A0"
            if i == 1:
                problem = "bad\x07char"
            writer.writerow([f"設備-{i:05d}", f"P{i:05d}", problem, "遠端連線.csv", i + 2, _sha(check_id)])
    return f"{OFFENDING_DIR}/{check_id}.csv"


def build_result_dir(folder: Path, *, big: int = BIG_CHECK_ROWS, firm: str = "範例證券股份有限公司",
                     firm_id: str = "9A00", shift: int = 0, as_of: dt.date = AS_OF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, as_of)
    findings: list[Finding] = []
    first_failing = True
    for n, req in enumerate(catalog.assessable()):
        status = CYCLE[(n + shift) % len(CYCLE)]
        checks: list[CheckFinding] = []
        for k, check_id in enumerate(req.checks):
            failing = status in (Status.NON_COMPLIANT, Status.OBSERVATION, Status.COMPENSATED) and k == 0
            count = (big if first_failing else 7 + n) if failing else 0
            offending_file = _write_offending(folder, check_id, count) if failing else None
            first_failing = first_failing and not failing
            missing = status is Status.NEEDS_REVIEW and k == 0
            checks.append(CheckFinding(
                check_id=check_id, title=f"{check_id} title", obligation=req.obligation or "shall",
                outcome="missing_evidence" if missing else ("failed" if failing else "passed"),
                severity="high", offending_count=count,
                compensated_count=count if status is Status.COMPENSATED else 0,
                missing_datasets=[req.evidence[0]] if missing and req.evidence else [],
                offending_file=offending_file,
                sample=[{"person_id": f"P{i:05d}", "session_id": f"S{i}", "start_time": "2026-10-01T09:00:00"}
                        for i in range(min(count, 2))],
                sample_sentences=[f"row {i} of {check_id} fails" for i in range(min(count, 2))],
                compensating_measures=["CM-2026-03"] if status is Status.COMPENSATED else [],
                evidence=[_evidence(d) for d in req.evidence[:2]],
            ))
        if status is Status.NOT_APPLICABLE:
            checks = []
        findings.append(Finding(
            requirement_id=req.id, area=req.area, title=req.text.en, title_zh=req.text.zh_tw,
            obligation=req.obligation.value if req.obligation else "shall", status=status,
            summary=f"{status.value} for {req.id}", reasons=[f"{status.value} for {req.id}"], checks=checks,
            attestation=AttestationRef(result="met", attested_by="王小明", attested_on="2026-10-15",
                                       document_ref="DOC-1") if req.attestation.value != "none" else None,
        ))
    datasets = sorted({d for r in catalog.assessable() for d in r.evidence})
    report = InspectionReport(
        firm=firm, firm_id=firm_id, as_of=as_of.isoformat(), catalog=catalog.id,
        catalog_version=catalog.version, catalog_effective_from=catalog.effective_from.isoformat(),
        generated_at=f"{as_of.isoformat()}T08:00:00+00:00", ccaudit_version="0.1.0",
        counts={s.value: sum(1 for f in findings if f.status is s) for s in Status},
        findings=findings, evidence=[_evidence(d) for d in datasets], warnings=["a warning kept from import"],
    )
    write_report(report, folder)
    _write_evidence_store(folder, datasets, as_of)
    return folder


def _write_evidence_store(folder: Path, datasets: list[str], as_of: dt.date) -> None:
    """Blobs whose SHA-256 are the ones findings.json names, so an audit can attach the folder."""
    store = EvidenceStore(folder / "evidence")
    entries = []
    for dataset in datasets:
        source = folder / f"{dataset}.src"
        source.write_bytes(dataset.encode())
        store.put(source, _sha(dataset))
        source.unlink()
        entries.append(ManifestEntry(
            dataset=dataset, original_name=f"{dataset}.csv", sha256=_sha(dataset), size_bytes=len(dataset),
            rows=120, format="csv", encoding="utf-8", effective_date=dt.date(2026, 11, 1),
            imported_at=dt.datetime.combine(as_of, dt.time(8), dt.UTC)))
    store.write_manifest(Manifest(files=entries))


@pytest.fixture(scope="session")
def result_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_result_dir(tmp_path_factory.mktemp("results"))


@pytest.fixture(scope="session")
def previous_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_result_dir(tmp_path_factory.mktemp("previous"), shift=3, big=5, as_of=dt.date(2025, 11, 30))


@pytest.fixture
def make_result_dir(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "r", **kwargs: object) -> Path:
        return build_result_dir(tmp_path / name, **kwargs)  # type: ignore[arg-type]
    return make


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()
