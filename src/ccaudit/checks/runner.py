"""Runs checks: each query's failing rows become a table, annotated with the compensating measure
that covers each row (if any) and the file it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from ccaudit.checks.engines import CheckEngine, transpile
from ccaudit.checks.models import Check, CheckOutcome, SharedRelation
from ccaudit.errors import CatalogError
from ccaudit.evidence.readers import quote_ident, quote_literal

REQUIRED_COLUMNS = ("subject", "_file", "_row")
MEASURES = "compensating_measures"
CHECK_REQUIREMENTS = "__check_requirements"  # an all-firm run's (firm, check_id, requirement_id)


@dataclass
class CheckResult:
    check: Check
    outcome: CheckOutcome
    offending: int = 0
    compensated: int = 0
    expired_only: int = 0  # rows whose only measure has expired
    missing: list[str] = field(default_factory=list)
    empty: dict[str, list[str]] = field(default_factory=dict)  # of `missing`: too few records -> files
    table: str | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    expired_measures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uncovered(self) -> int:
        return self.offending - self.compensated


def offending_table(check_id: str) -> str:
    return f"offending__{check_id}"


def _measure_filter(requirements: Iterable[str] | None, check_id: str, valid: bool) -> str:
    """`requirements` None: each firm's own, from CHECK_REQUIREMENTS (an all-firm run)."""
    window = "m.approved_on <= p.as_of AND m.review_by >= p.as_of" if valid else "m.review_by < p.as_of"
    check = quote_literal(check_id)
    if requirements is None:
        named = (f"EXISTS (SELECT 1 FROM {CHECK_REQUIREMENTS} cr WHERE cr.check_id = {check} "
                 "AND cr.requirement_id = m.requirement_id)")
    else:
        named = f"m.requirement_id IN ({', '.join(quote_literal(r) for r in requirements)})"
    return f"{named} AND (m.check_id IS NULL OR m.check_id = {check}) AND {window}"


def _first(a: str, b: str) -> str:
    """The smaller of two measure IDs, either of which may be NULL (LEAST's NULL rule is not portable)."""
    return f"CASE WHEN {a} IS NULL OR {b} < {a} THEN {b} ELSE {a} END"


def wrap(check: Check, requirements: list[str] | None) -> str:
    """The check's query plus compensation and provenance columns, still portable SQL. `requirements`
    None: the requirements the check serves are each firm's rows of CHECK_REQUIREMENTS (the form an
    all-firm run transforms, ccaudit.checks.all_firms).

    A measure covers a row when it names no subject or the row's subject. The measures that apply to
    the check are found once (a handful of rows); each failing row then takes the first measure naming
    no subject and the first naming its own, by one equi-join on subject (a correlated subquery with
    `subject IS NULL OR subject = q.subject` was evaluated per failing row)."""
    parts = []
    for name, valid in (("cm_valid__", True), ("cm_expired__", False)):
        parts.append(
            f"{name} AS (SELECT m.subject, min(m.measure_id) AS measure_id FROM {MEASURES} m CROSS JOIN params p "
            f"WHERE {_measure_filter(requirements, check.id, valid)} GROUP BY m.subject)"
        )
    return (
        f"WITH {', '.join(parts)} "
        "SELECT q.*, f.original_name AS source_file, "
        f"{_first('va.measure_id', 'vs.measure_id')} AS compensated_by, "
        f"{_first('ea.measure_id', 'es.measure_id')} AS expired_measure "
        f"FROM ({check.sql}) q LEFT JOIN evidence_files f ON f.sha256 = q._file "
        "LEFT JOIN cm_valid__ va ON va.subject IS NULL "
        "LEFT JOIN cm_valid__ vs ON vs.subject = q.subject "
        "LEFT JOIN cm_expired__ ea ON ea.subject IS NULL "
        "LEFT JOIN cm_expired__ es ON es.subject = q.subject"
    )


def run_checks(
    engine: CheckEngine,
    checks: Iterable[Check],
    requirements_of: Mapping[str, list[str]],
    supplied: set[str],
    sample_rows: int,
    progress: Callable[[str], None] | None = None,
    empty: Mapping[str, list[str]] | None = None,
) -> dict[str, CheckResult]:
    """Run each check whose required datasets were supplied. A dataset in `empty` was supplied with
    fewer records than a firm in scope has (templates' min_rows), with its files: it counts as missing
    evidence, so an empty register never makes a check pass."""
    empty = empty or {}
    results: dict[str, CheckResult] = {}
    created: list[str] = []  # shared relations, each made before the first check that reads it
    try:
        for check in checks:
            if progress:
                progress(check.id)
            missing = [d for d in check.meta.datasets if d not in supplied or d in empty]
            if missing:
                results[check.id] = CheckResult(check, CheckOutcome.MISSING_EVIDENCE, missing=missing,
                                                 empty={d: empty[d] for d in missing if d in empty})
                continue
            for relation in check.shared:
                if relation.name not in created:
                    _create_shared(engine, relation)
                    created.append(relation.name)
            results[check.id] = _run_one(engine, check, requirements_of.get(check.id, []), sample_rows)
    except BaseException:
        with suppress(Exception):  # the first error is the one to report
            _drop(engine, created)
        raise
    _drop(engine, created)
    return results


def _create_shared(engine: CheckEngine, relation: SharedRelation) -> None:
    try:
        engine.create_shared(relation.name, transpile(relation.sql, engine.dialect))
    except Exception as exc:  # as for a check: a defect in the content, not in the evidence
        raise CatalogError(f"shared relation {relation.name} failed to build: {str(exc).splitlines()[0]}") from exc


def _drop(engine: CheckEngine, names: list[str]) -> None:
    for name in names:
        engine.drop_shared(name)


def _run_one(engine: CheckEngine, check: Check, requirements: list[str], sample_rows: int) -> CheckResult:
    table = offending_table(check.id)
    try:
        engine.create_table(table, transpile(wrap(check, requirements), engine.dialect))
    except Exception as exc:  # an engine error here is a defect in the check, not in the evidence
        raise CatalogError(f"check {check.id} failed to run: {str(exc).splitlines()[0]}") from exc
    columns = engine.columns(table)
    absent = [c for c in REQUIRED_COLUMNS if c not in columns]
    if absent:
        raise CatalogError(f"check {check.id}: its query must return column(s) {', '.join(absent)}")
    groups = engine.query(_tally_sql(table))
    offending = sum(int(g["n"]) for g in groups)
    result = CheckResult(check, CheckOutcome.FAILED if offending else CheckOutcome.PASSED, offending=offending,
                         table=table)
    _tally(result, groups)
    if offending:
        order = ", ".join(quote_ident(k) for k in (*check.meta.key, "_row") if k in columns)
        result.sample = engine.query(f"SELECT * FROM {quote_ident(table)} ORDER BY {order} LIMIT {sample_rows}")
    return result


def _tally_sql(table: str) -> str:
    """One pass over a check's failing rows for everything the finding counts: the rows per pair of
    (measure covering it, expired measure that would have), with the expired measure's review date.
    A handful of groups whatever the number of rows; measure_id is the register's key, so the join
    adds no rows."""
    return (
        "SELECT o.compensated_by, o.expired_measure, m.review_by, count(*) AS n "
        f"FROM {quote_ident(table)} o LEFT JOIN {MEASURES} m ON m.measure_id = o.expired_measure "
        "GROUP BY o.compensated_by, o.expired_measure, m.review_by"
    )


def _tally(result: CheckResult, groups: list[dict[str, Any]]) -> None:
    """Counts, measures and expired measures of a check from its _tally_sql groups."""
    expired: dict[tuple[Any, Any], int] = {}
    for g in groups:
        n = int(g["n"])
        if g["compensated_by"] is not None:
            result.compensated += n
        elif g["expired_measure"] is not None:
            result.expired_only += n
            key = (g["expired_measure"], g["review_by"])
            expired[key] = expired.get(key, 0) + n
    result.measures = sorted({g["compensated_by"] for g in groups if g["compensated_by"] is not None})
    result.expired_measures = [
        {"measure_id": m, "review_by": review_by, "rows": n}
        for (m, review_by), n in sorted(expired.items(), key=lambda kv: str(kv[0][0]))
    ]
