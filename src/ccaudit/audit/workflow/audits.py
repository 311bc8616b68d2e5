"""Opening audits (fresh, or carried over from last year), listing them, and reading one whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.context import AuditContext
from ccaudit.audit.errors import AuditError, NotFoundError, WorkflowError
from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.people.access import PREPARE, READ, get_user, require, roles_of
from ccaudit.audit.snapshot import AssessmentStatus, AuditSnapshot, AuditStatus, storable
from ccaudit.audit.storage.assemble import build_snapshot
from ccaudit.audit.storage.models import Assessment, Audit, Firm, User
from ccaudit.audit.workflow.carryover import CarryOver, carry_over
from ccaudit.audit.workflow.guard import load_audit
from ccaudit.audit.workflow.refresh import Results
from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.catalog.models import Catalog
from ccaudit.errors import CatalogError
from ccaudit.findings.models import Reason

NO_RUN_YET = canonical(storable([Reason(code="no_run_yet")]))


@dataclass(frozen=True)
class AuditSummary:
    id: int
    firm_id: str
    year: int
    as_of: dt.date
    catalog: str
    status: str
    preparer: str | None
    reviewer: str | None
    digest: str | None


def next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class Audits:
    """Opening an audit (fresh or carried over), listing audits, reading one whole."""

    def __init__(self, ctx: AuditContext, recorder: Recorder, results: Results) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.results = results

    def open_audit(
        self,
        actor: str | None,
        firm_id: str,
        year: int,
        as_of: dt.date,
        catalog_id: str = DEFAULT_CATALOG,
        catalog_version: int | None = None,
    ) -> int:
        """Open the firm's audit for a year, following the catalog version in force on the as-of date."""
        with self.ctx.db.transaction() as s:
            user = get_user(s, actor)
            audit = self._create(s, user, firm_id, year, as_of, catalog_id, catalog_version, None)
            return audit.id

    def carry_over(
        self, actor: str | None, from_audit_id: int, as_of: dt.date | None = None, year: int | None = None
    ) -> tuple[int, CarryOver]:
        """Open the following year's audit with last year's open remediation items, the compensating
        measures still valid on the new as-of date, and attestations marked for re-confirmation."""
        with self.ctx.db.transaction() as s:
            user = get_user(s, actor)
            source = load_audit(s, from_audit_id, lock=True)
            require(s, user, source.firm_id, PREPARE, "open audits")
            if source.status != AuditStatus.SIGNED:
                raise WorkflowError(f"audit {source.id} is {source.status}: carry over from a signed-off audit only")
            new_year = year if year is not None else source.year + 1
            if new_year <= source.year:
                raise AuditError(f"carry-over goes forward: year {new_year} is not after {source.year}")
            new_as_of = as_of or next_year(source.as_of)
            target = self._create(s, user, source.firm_id, new_year, new_as_of, source.catalog_id, None, source.id)
            carried = carry_over(s, source, target, user.id, self.ctx.clock(), self.recorder.log_audit)
            self.results.refresh(s, target, user.id)
            return target.id, carried

    def list_audits(self, actor: str | None, firm_id: str | None = None) -> list[AuditSummary]:
        with self.ctx.db.read() as s:
            user = get_user(s, actor)
            query = select(Audit).order_by(Audit.firm_id, Audit.year)
            if firm_id is not None:
                query = query.where(Audit.firm_id == firm_id)
            return [
                AuditSummary(
                    a.id,
                    a.firm_id,
                    a.year,
                    a.as_of,
                    f"{a.catalog_id} v{a.catalog_version}",
                    a.status,
                    a.preparer,
                    a.reviewer,
                    a.digest,
                )
                for a in s.scalars(query)
                if user.is_superuser or roles_of(s, user.id, a.firm_id)
            ]

    def snapshot(self, audit_id: int, actor: str | None = None) -> AuditSnapshot:
        """The whole audit as plain data (what reports are made from and the digest is computed over)."""
        with self.ctx.db.read() as s:
            audit = load_audit(s, audit_id)
            if actor is not None:
                require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
            return build_snapshot(s, audit)

    # --- helpers ----------------------------------------------------------------------------------

    def _pick_catalog(self, catalog_id: str, version: int | None, as_of: dt.date) -> Catalog:
        if version is None:
            return self.ctx.catalogs.in_force(catalog_id, as_of)
        catalog = self.ctx.catalog_version(catalog_id, version)
        if catalog.effective_from > as_of:
            raise CatalogError(f"{catalog.label} takes effect only after the as-of date {as_of}")
        return catalog

    def _create(
        self,
        s: Session,
        user: User,
        firm_id: str,
        year: int,
        as_of: dt.date,
        catalog_id: str,
        catalog_version: int | None,
        carried_from: int | None,
    ) -> Audit:
        if s.get(Firm, firm_id) is None:
            raise NotFoundError(f"unknown firm {firm_id!r}")
        require(s, user, firm_id, PREPARE, "open audits")
        if not (year - 1 <= as_of.year <= year + 1):
            raise AuditError(f"as-of date {as_of} does not fall in or next to the audit year {year}")
        existing = s.scalar(select(Audit.id).where(Audit.firm_id == firm_id, Audit.year == year))
        if existing is not None:
            raise AuditError(f"firm {firm_id} already has an audit for {year} (audit {existing})")
        catalog = self._pick_catalog(catalog_id, catalog_version, as_of)
        audit = Audit(
            firm_id=firm_id,
            year=year,
            as_of=as_of,
            catalog_id=catalog.id,
            catalog_version=catalog.version,
            status=AuditStatus.DRAFT.value,
            opened_by=user.id,
            opened_at=self.ctx.clock(),
            carried_from=carried_from,
        )
        s.add(audit)
        s.flush()
        self.recorder.log_audit(s, user.id, "audit.open", audit, None, audit)
        for position, req in enumerate(catalog.assessable()):
            assessment = Assessment(
                audit_id=audit.id,
                requirement_id=req.id,
                position=position,
                area=req.area,
                title=req.text.en,
                title_zh=req.text.zh_tw,
                obligation=(req.obligation.value if req.obligation else "shall"),
                attestation_mode=req.attestation.value,
                status=AssessmentStatus.TO_DO.value,
                reasons=NO_RUN_YET,
            )
            s.add(assessment)
            self.recorder.log_audit(s, user.id, "assessment.open", assessment, None, audit)
        return audit
