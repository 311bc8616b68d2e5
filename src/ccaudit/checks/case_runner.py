"""Runs a check's cases.yaml: "given these evidence rows, these keys fail".

Each case writes its rows as CSV files and goes through the real importer, so a case exercises the
same parsing (ROC dates, booleans, time zones) that a firm's files do. Check packs outside ccaudit
use the same runner.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ccaudit.checks.engines import DuckDBEngine
from ccaudit.checks.models import Check, CheckOutcome
from ccaudit.checks.params import InspectionParams
from ccaudit.checks.runner import CheckResult, offending_table, run_checks
from ccaudit.content import load_yaml
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.readers import quote_ident
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.settings import Settings

CASES_FILE = "cases.yaml"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    as_of: dt.date | None = None
    review_interval_months: int = 12
    evidence: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    # key values joined with '|'; strict, so an unquoted YAML ON/NO/YES (a boolean) is a clear error
    expect_failing: list[StrictStr] = Field(default_factory=list)
    expect_outcome: CheckOutcome | None = None
    expect_compensated: list[str] | None = None


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: str
    as_of: dt.date
    requirements: list[str] = Field(default_factory=list)
    cases: list[Case]


def load_cases(check: Check) -> CaseFile | None:
    path = check.folder / CASES_FILE
    if not path.exists():
        return None
    return CaseFile.model_validate(load_yaml(path.read_text(encoding="utf-8")))


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def run_case(
    check: Check, case_file: CaseFile, case: Case, registry: TemplateRegistry
) -> tuple[CheckResult, list[str]]:
    """Run one case; returns the result and the failing keys it produced."""
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="ccaudit-case-") as tmp:
        root = Path(tmp)
        evidence = root / "evidence"
        evidence.mkdir()
        for dataset, rows in case.evidence.items():
            if rows:
                _write_csv(evidence / f"{dataset}.csv", rows)
            else:  # an empty dataset that was supplied: headers only
                columns = [f.name for f in registry[dataset].fields]
                (evidence / f"{dataset}.csv").write_text(",".join(columns) + "\n", encoding="utf-8")
        manifest = import_folder(evidence, root / "ws.duckdb", EvidenceStore(root / "store"), registry, settings)
        con = open_workspace(root / "ws.duckdb", settings)
        try:
            engine = DuckDBEngine(con)
            engine.set_params(InspectionParams(case.as_of or case_file.as_of, case.review_interval_months))
            reqs = {check.id: case_file.requirements}
            result = run_checks(engine, [check], reqs, manifest.datasets(), sample_rows=5)[check.id]
            keys: list[str] = []
            if result.table:
                cols = ", ".join(quote_ident(k) for k in check.meta.key)
                found = con.execute(f"SELECT {cols} FROM {quote_ident(offending_table(check.id))}").fetchall()
                keys = sorted("|".join(_key_text(v) for v in row) for row in found)
            return result, keys
        finally:
            con.close()


def _key_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)
