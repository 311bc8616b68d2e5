"""Compensating measures recorded in an audit. A measure covers only what it names: checks of its
requirements, and within a check the subjects (a device, person, cloud service) whose offending rows
it covers, or every row of the check; or it says explicitly that it covers its requirements whole.
Each change locks the audit, is logged, and re-derives the requirements the measure names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from ccaudit.audit.errors import AuditError, NotFoundError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import state
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Audit, Measure, MeasureCheck, MeasureRequirement
from ccaudit.audit.workflow.guard import assessment_of, expect_version, open_for_work
from ccaudit.audit.workflow.refresh import Results
from ccaudit.catalog.models import Catalog

if TYPE_CHECKING:
    from ccaudit.audit.context import Clock

CatalogOf = Callable[[str, int], Catalog]  # (catalog ID, version) -> the catalog the audit follows


class Measures:
    def __init__(self, db: Database, clock: Clock, recorder: Recorder, results: Results, catalogs: CatalogOf) -> None:
        self.db = db
        self.clock = clock
        self.recorder = recorder
        self.results = results
        self.catalogs = catalogs

    def add_measure(
        self,
        actor: str | None,
        audit_id: int,
        ref: str,
        description: str,
        requirement_ids: list[str],
        approver: str,
        approved_on: dt.date,
        review_by: dt.date,
        *,
        checks: Sequence[str] = (),
        subjects: Sequence[str] = (),
        whole_requirement: bool = False,
    ) -> int:
        """Record a measure covering `checks` (only the rows of `subjects`, if given) of its
        requirements, or, with `whole_requirement`, the requirements whole."""
        with self.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "record compensating measures")
            reqs = sorted(set(requirement_ids))
            if not reqs:
                raise AuditError("a compensating measure names at least one requirement")
            for req in reqs:
                assessment_of(s, audit, req)
            if not description.strip() or not approver.strip():
                raise AuditError("a compensating measure needs a description and an approver")
            if review_by < approved_on:
                raise AuditError(f"review date {review_by} is before the approval date {approved_on}")
            if s.scalar(select(Measure.id).where(Measure.audit_id == audit.id, Measure.ref == ref)):
                raise AuditError(f"measure {ref} is already recorded in audit {audit.id}")
            scope = self._scope(audit, ref, reqs, checks, subjects, whole_requirement)
            measure = Measure(
                audit_id=audit.id, ref=ref, description=description.strip(), approver=approver.strip(),
                approved_on=approved_on, review_by=review_by, recorded_by=user.id, recorded_at=self.clock(),
                whole_requirement=whole_requirement,
                requirements=[MeasureRequirement(requirement_id=r) for r in reqs],
                checks=[MeasureCheck(check_id=c, subject=x) for c, x in scope],
            )  # fmt: skip
            s.add(measure)
            self.recorder.log_audit(s, user.id, "measure.add", measure, None, audit)
            self.results.refresh(s, audit, user.id, set(reqs))
            return measure.id

    def _scope(
        self,
        audit: Audit,
        ref: str,
        reqs: list[str],
        checks: Sequence[str],
        subjects: Sequence[str],
        whole: bool,
    ) -> list[tuple[str, str | None]]:
        """(check, subject) pairs, subject None for every row of the check; refused unless the measure
        says what it covers and every check belongs to one of its requirements."""
        named_checks = sorted({c.strip() for c in checks if c.strip()})
        named_subjects = sorted({x.strip() for x in subjects if x.strip()})
        if whole:
            if named_checks or named_subjects:
                raise AuditError(f"measure {ref}: --whole-requirement covers every check; name no --check or --subject")
            return []
        if not named_checks:
            raise AuditError(
                f"measure {ref} must say what it covers: the checks (--check, with --subject for only some "
                f"devices, people or services) or, explicitly, the whole requirement (--whole-requirement)"
            )
        catalog = self.catalogs(audit.catalog_id, audit.catalog_version)
        known = {c for r in reqs for c in catalog.requirement(r).checks}
        unknown = [c for c in named_checks if c not in known]
        if unknown:
            raise AuditError(
                f"measure {ref}: {', '.join(unknown)} is not a check of {', '.join(reqs)} "
                f"(its checks: {', '.join(sorted(known)) or 'none'})"
            )
        per_check: list[str | None] = [*named_subjects] or [None]
        return [(c, x) for c in named_checks for x in per_check]

    def update_measure(
        self, actor: str | None, measure_id: int, review_by: dt.date, expected_version: int | None = None
    ) -> None:
        """Move a measure's review (expiry) date, e.g. after management re-approved it."""
        with self.db.transaction() as s:
            measure = s.get(Measure, measure_id)
            if measure is None:
                raise NotFoundError(f"unknown measure {measure_id}")
            user, audit = open_for_work(s, actor, measure.audit_id, "change compensating measures")
            expect_version(measure, expected_version, f"measure {measure.ref}")
            if review_by < measure.approved_on:
                raise AuditError(f"review date {review_by} is before the approval date {measure.approved_on}")
            before = state(s, measure)
            measure.review_by = review_by
            self.recorder.log_audit(s, user.id, "measure.review_date", measure, before, audit)
            self.results.refresh(s, audit, user.id, set(measure.requirement_ids))
