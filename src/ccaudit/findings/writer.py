"""Writes an inspection's results: findings.json, findings.csv and offending/<check_id>.csv.

Every CSV cell goes through ccaudit.csvsafe (formula injection); findings.json keeps the values."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from ccaudit import csvsafe
from ccaudit.checks.engines import CheckEngine
from ccaudit.checks.runner import CheckResult
from ccaudit.evidence.readers import quote_ident
from ccaudit.findings.models import InspectionReport

OFFENDING_DIR = "offending"


def export_offending(
    engine: CheckEngine, results: dict[str, CheckResult], out_dir: Path, parquet_threshold: int
) -> dict[str, str]:
    """Every offending row of every failed check, in full; returns check_id -> relative path."""
    folder = out_dir / OFFENDING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*"):
        stale.unlink()
    written: dict[str, str] = {}
    for check_id, result in results.items():
        if not result.table or not result.offending:
            continue
        columns = [c for c in engine.columns(result.table) if c not in ("_file", "_row", "source_file")]
        key = [k for k in result.check.meta.key if k in columns]
        order = ", ".join(quote_ident(c) for c in [*key, "_row"])
        select = (
            f"SELECT {', '.join(quote_ident(c) for c in columns)}, source_file, _row AS source_row, "
            f"_file AS source_sha256 FROM {quote_ident(result.table)} ORDER BY {order}"
        )
        path = folder / f"{check_id}.csv"
        engine.export_csv(select, path)  # cells neutralised there (csvsafe); Parquet keeps the values
        if result.offending >= parquet_threshold:
            engine.export_parquet(select, folder / f"{check_id}.parquet")
        written[check_id] = f"{OFFENDING_DIR}/{check_id}.csv"
    return written


def write_report(report: InspectionReport, out_dir: Path) -> None:
    _atomic_text(out_dir / "findings.json", json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    tmp = out_dir / "findings.csv.part"
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["requirement_id", "area", "obligation", "status", "title", "title_zh",
                         "offending_rows", "checks_failed", "summary"])
        for f in report.findings:
            writer.writerow(csvsafe.row([
                f.requirement_id, f.area or "", f.obligation, f.status.value, f.title, f.title_zh,
                sum(c.offending_count for c in f.checks),
                ";".join(c.check_id for c in f.checks if c.outcome == "failed"),
                f.summary,
            ]))
    os.replace(tmp, out_dir / "findings.csv")


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
