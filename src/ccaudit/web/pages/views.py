"""Read models of the audit work pages: what a page shows, assembled from AuditService calls (the
snapshot, the trail, the offending rows) and the content's texts. Nothing here decides a result: the
service's snapshot already holds every verdict, reason and coverage the page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.audit.integrity.changes import TrailStep
from ccaudit.audit.people.access import Role, matrix
from ccaudit.audit.service import AuditService
from ccaudit.audit.snapshot import (
    AttestationSnap,
    AuditSnapshot,
    AuditStatus,
    CheckSnap,
    EvidenceFileSnap,
    MeasureSnap,
    RemediationSnap,
    RequirementSnap,
    RunSnap,
)
from ccaudit.audit.workflow.runs import OffendingPage, RowQuery
from ccaudit.catalog.models import Requirement
from ccaudit.checks.loader import CheckLibrary
from ccaudit.cli.audit import texts as tx
from ccaudit.errors import CcauditError
from ccaudit.evidence.models import Text
from ccaudit.reports.texts import L
from ccaudit.web.pages.cache import RequestReads

PAGE_ROWS = 50


@dataclass(frozen=True)
class Can:
    """What the user's roles on the audit's firm allow, to decide which forms to render: the access matrix
    the service enforces (content/access/matrix.yaml); nothing may change a signed-off audit."""

    prepare: bool
    review: bool
    accept_risk: bool
    owner_of: frozenset[str]  # the user's own remediation items, as a control owner (their ID as owner)
    user_id: str

    @classmethod
    def of(
        cls, svc: AuditService, user_id: str, is_superuser: bool, snap: AuditSnapshot,
        roles: set[Role] | None = None,
    ) -> Can:
        """`roles`: the user's roles on the audit's firm when already read in this request (else asked)."""
        if roles is None:
            roles = svc.roles(user_id, snap.firm_id)
        open_ = snap.status != AuditStatus.SIGNED
        draft = snap.status == AuditStatus.DRAFT
        rules = matrix()

        def may(action: str) -> bool:
            return rules.may(roles, action, is_superuser)

        own = frozenset(str(i.item_id) for i in snap.remediation if i.owner == user_id)
        return cls(
            prepare=draft and may("prepare"),
            review=open_ and may("review"),
            accept_risk=draft and may("accept_risk"),
            owner_of=own if draft and may("update_own_remediation") else frozenset(),
            user_id=user_id,
        )

    def edit_item(self, item: RemediationSnap) -> bool:
        return self.prepare or self.accept_risk or str(item.item_id) in self.owner_of


@dataclass(frozen=True)
class CheckView:
    snap: CheckSnap
    title: str
    coverage: list[str]  # measure refs (and the subjects they name) covering this check's rows


@dataclass(frozen=True)
class RowsView:
    check_id: str
    query: RowQuery
    page: OffendingPage | None
    columns: list[str]  # the data columns of the rows shown, in first-seen order
    error: str | None = None

    @property
    def pages(self) -> int:
        if self.page is None:
            return 0
        return max(1, -(-self.page.matched // self.query.limit))

    @property
    def number(self) -> int:
        return self.query.offset // self.query.limit + 1


@dataclass
class RequirementPage:
    snap: AuditSnapshot
    req: RequirementSnap
    catalog_req: Requirement | None
    title: str
    other_title: str
    text: str
    other_text: str
    guidance: str | None
    checks: list[CheckView]
    evidence: list[EvidenceFileSnap]
    run: RunSnap | None
    attestations: list[AttestationSnap]
    measures: list[MeasureSnap]
    remediation: list[RemediationSnap]
    history: list[TrailStep]
    version: int | None
    reasons: list[str]
    rows: RowsView | None
    can: Can
    frozen: bool
    check_ids: list[str] = field(default_factory=list)


@lru_cache(maxsize=4)
def _check_titles(paths: tuple[Path, ...]) -> dict[str, Text]:
    try:
        return {c.meta.id: c.meta.title for c in CheckLibrary.load(list(paths))}
    except CcauditError:
        return {}


def check_title(svc: AuditService, check: CheckSnap, lang: str) -> str:
    text = _check_titles(tuple(svc.settings.content_paths)).get(check.check_id)
    return text.get(lang) if text else check.title


def requirement_page(
    svc: AuditService, user_id: str, is_superuser: bool, audit_id: int, requirement_id: str, lang: str,
    query: RowQuery | None, check_id: str | None, cache: RequestReads | None = None,
) -> RequirementPage:
    """The page's read model. With the request's cache, what every reader sees alike is built once per trail
    head (keyed by requirement, language, chosen check and rows query) and only `can`, the forms the user's
    roles allow, is worked out for each request."""
    if cache is None:
        return _requirement_page(svc, user_id, is_superuser, audit_id, requirement_id, lang, query, check_id)
    shared = cache.fragment(user_id, audit_id, ("requirement-page", requirement_id, lang, query, check_id),
                            lambda: _requirement_page(svc, user_id, is_superuser, audit_id, requirement_id, lang,
                                                      query, check_id, cache))  # fmt: skip
    roles = set(cache.access(user_id, audit_id).roles)
    return replace(shared, can=Can.of(svc, user_id, is_superuser, shared.snap, roles))


def _requirement_page(
    svc: AuditService, user_id: str, is_superuser: bool, audit_id: int, requirement_id: str, lang: str,
    query: RowQuery | None, check_id: str | None, cache: RequestReads | None = None,
) -> RequirementPage:
    snap = cache.snapshot(user_id, audit_id) if cache else svc.snapshot(audit_id, user_id)
    try:
        req = snap.requirement(requirement_id)
    except KeyError:
        from ccaudit.audit.errors import NotFoundError

        raise NotFoundError(f"{requirement_id} is not a requirement of audit {audit_id}") from None
    catalog = svc.catalog_version(snap.catalog_id, snap.catalog_version)
    creq = next((r for r in catalog.requirements if r.id == requirement_id), None)
    zh = lang == "zh-TW"
    measures = [m for m in snap.measures if requirement_id in m.requirement_ids]
    checks = [CheckView(c, check_title(svc, c, lang), _coverage(c, measures, lang)) for c in req.checks]
    run = next((r for r in snap.runs if r.run_id == req.run_id), None)
    used = {sha for c in req.checks for sha in c.evidence}
    evidence = [e for e in (run.evidence if run else []) if e.sha256 in used]
    failing = [c.check_id for c in req.checks if c.offending_count]
    chosen = check_id if check_id in {c.check_id for c in req.checks} else (failing[0] if failing else None)
    rows = (offending_rows(svc, user_id, audit_id, chosen, query or RowQuery(run_id=req.run_id), cache)
            if chosen else None)
    return RequirementPage(
        snap=snap, req=req, catalog_req=creq,
        title=req.title_zh if zh else req.title, other_title=req.title if zh else req.title_zh,
        text=creq.text.get(lang) if creq else "", other_text=creq.text.get("en" if zh else "zh-TW") if creq else "",
        guidance=creq.guidance.get(lang) if creq and creq.guidance else None,
        checks=checks, evidence=evidence, run=run,
        attestations=[a for a in snap.attestations if a.requirement_id == requirement_id],
        measures=measures,
        remediation=[i for i in snap.remediation if i.requirement_id == requirement_id],
        history=list(reversed(cache.history(user_id, audit_id, requirement_id) if cache
                              else svc.history(user_id, audit_id, requirement_id))),
        version=(cache.assessment_versions(user_id, audit_id) if cache
                 else svc.assessment_versions(audit_id)).get(requirement_id),
        reasons=req.reason_texts(lang), rows=rows,
        can=Can.of(svc, user_id, is_superuser, snap, set(cache.access(user_id, audit_id).roles) if cache else None),
        frozen=snap.status == AuditStatus.SIGNED,
        check_ids=[c.check_id for c in req.checks],
    )  # fmt: skip


def offending_rows(
    svc: AuditService, user_id: str, audit_id: int, check_id: str, query: RowQuery, cache: RequestReads | None = None,
) -> RowsView:
    try:
        page = (cache.offending_page(user_id, audit_id, check_id, query) if cache
                else svc.offending_page(user_id, audit_id, check_id, query))
    except PermissionDeniedError:
        raise  # 403, never a table saying so
    except CcauditError as exc:  # no run yet, or a run without this check
        return RowsView(check_id, query, None, [], str(exc))
    columns: list[str] = []
    for row in page.rows:
        for key in row["data"]:
            if key not in columns:
                columns.append(key)
    return RowsView(check_id, query, page, columns)


def _coverage(check: CheckSnap, measures: list[MeasureSnap], lang: str) -> list[str]:
    """The CLI's words (`audit show --requirement`): which measure covers which of the check's subjects."""
    zh = lang == "zh-TW"
    every = L["every_row"][1] if zh else L["every_row"][0]
    out = []
    for m in measures:
        if not m.checks:
            out.append(tx.say("whole_requirement", lang, ref=m.ref))
        elif (scope := m.covers(check.check_id)) is not None:
            subjects = ("、" if zh else ", ").join(scope.subjects) or every
            out.append(tx.say("measure_for", lang, ref=m.ref, subjects=subjects))
    return out


def day(value: str | None) -> dt.date | None:
    """A snapshot's ISO date as a date, for the templates' d() (ISO or ROC as the user prefers)."""
    return dt.date.fromisoformat(value[:10]) if value else None


def instant(value: str | None) -> dt.datetime | None:
    """A snapshot's UTC time as a datetime, for the templates' ts() (in the firm's zone)."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def cell(value: Any) -> str:
    """A value of an offending row as text (the template escapes it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def change_text(value: Any) -> str:
    """A field's old or new value in the history, on one line and short (as `ccaudit audit history`)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        if all(isinstance(v, str | int | bool) for v in value):
            text = ", ".join(map(str, value)) or "[]"
        else:
            return f"[{len(value)}]"
    elif isinstance(value, dict):
        return f"{{{len(value)}}}"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:119] + "…"
