"""A synthetic inspection result folder (what `ccaudit inspect --out` writes), so the audit tests do
not depend on every check and demo area being finished: the real catalog's assessable requirements,
each with one check per catalog check ID, and as many offending rows as a test asks for."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.evidence.store import EvidenceStore, Manifest, ManifestEntry
from ccaudit.findings.models import CheckFinding, EvidenceRef, Finding, InspectionReport, Status

AS_OF = dt.date(2026, 11, 30)


def make_result_dir(
    out: Path,
    offending: dict[str, int] | None = None,
    as_of: dt.date = AS_OF,
    firm_id: str | None = "9A00",
    statuses: dict[str, Status] | None = None,
    evidence_text: str = "account_id,mfa\nA-1,false\n",
) -> Path:
    """offending: check_id -> failing rows; statuses: requirement -> status (default: failed checks make
    the requirement non_compliant, else compliant)."""
    offending = offending or {}
    statuses = statuses or {}
    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, as_of)
    out.mkdir(parents=True)
    source = out / "source.csv"
    source.write_text(evidence_text, encoding="utf-8")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    store = EvidenceStore(out / "evidence")
    store.put(source, sha)
    source.unlink()
    entry = ManifestEntry(
        dataset="remote_sessions",
        original_name="遠端連線紀錄.csv",
        sha256=sha,
        size_bytes=len(evidence_text.encode()),
        rows=1,
        format="csv",
        encoding="utf-8",
        effective_date=None,
        imported_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    store.write_manifest(Manifest(files=[entry]))
    ref = EvidenceRef(dataset="remote_sessions", sha256=sha, original_name=entry.original_name, rows=1)
    (out / "offending").mkdir()
    findings = []
    for req in catalog.assessable():
        checks = []
        for check_id in req.checks:
            n = offending.get(check_id, 0)
            checks.append(
                CheckFinding(
                    check_id=check_id,
                    title=check_id.replace("_", " "),
                    outcome="failed" if n else "passed",
                    obligation=(req.obligation or "shall"),
                    severity="high",
                    offending_count=n,
                    offending_file=f"offending/{check_id}.csv" if n else None,
                    evidence=[ref],
                )
            )
            if n:
                _write_offending(out / "offending" / f"{check_id}.csv", n, sha)
        failed = any(c.offending_count for c in checks)
        status = statuses.get(req.id, Status.NON_COMPLIANT if failed else Status.COMPLIANT)
        reasons = [
            f"{c.check_id}: {c.offending_count} offending row(s) not compensated" for c in checks if c.offending_count
        ] or ["every check passed"]
        findings.append(
            Finding(
                requirement_id=req.id,
                area=req.area,
                title=req.text.en,
                title_zh=req.text.zh_tw,
                obligation=(req.obligation or "shall"),
                status=status,
                summary="; ".join(reasons),
                reasons=reasons,
                checks=checks,
            )
        )
    report = InspectionReport(
        firm="範例證券",
        firm_id=firm_id,
        as_of=as_of.isoformat(),
        catalog=catalog.id,
        catalog_version=catalog.version,
        catalog_effective_from=catalog.effective_from.isoformat(),
        generated_at="2026-12-01T00:00:00+00:00",
        ccaudit_version="test",
        counts={s.value: sum(1 for f in findings if f.status is s) for s in Status},
        findings=findings,
        evidence=[ref],
    )
    (out / "findings.json").write_text(json.dumps(report.model_dump(mode="json"), ensure_ascii=False), "utf-8")
    return out


def _write_offending(path: Path, n: int, sha: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "subject",
                "login_at",
                "problem",
                "source_file",
                "source_row",
                "source_sha256",
                "compensated_by",
                "expired_measure",
            ]
        )
        for i in range(n):
            writer.writerow(
                [
                    f"user{i:06d}",
                    f"2026-0{1 + i % 9}-1{i % 10}T08:00:00",
                    "no MFA 多因子",
                    "遠端連線紀錄.csv",
                    i + 2,
                    sha,
                    "",
                    "",
                ]
            )
