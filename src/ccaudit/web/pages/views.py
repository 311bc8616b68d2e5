"""Read models of the audit work pages: what a page shows, assembled from AuditService calls (the
snapshot, the trail, the offending rows) and the content's texts. Nothing here decides a result: the
service's snapshot already holds every verdict, reason and coverage the page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.audit.integrity.changes import TrailStep
from ccaudit.audit.people.access import Role, matrix
from ccaudit.audit.service import AuditService
from ccaudit.audit.snapshot import (
    AssessmentStatus,
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
from ccaudit.audit.titles import RecordedTitle
from ccaudit.audit.workflow.runs import OffendingPage, RowQuery
from ccaudit.catalog.models import Catalog, Requirement
from ccaudit.cli.audit import texts as tx
from ccaudit.errors import CcauditError
from ccaudit.findings.models import Status
from ccaudit.reports.texts import L
from ccaudit.web.pages.cache import RequestReads
from ccaudit.web.pages.rowsview import Column, RowShaper, ShownRow, check_texts

PAGE_ROWS = 50
# The forms of the requirement page (templates/pages/_work.html), one <details> each.
ASSESS, ATTEST, MEASURE, REMEDIATION = "assess", "attest", "measure", "remediation"
DEFICIENT = frozenset({Status.NON_COMPLIANT, Status.OBSERVATION})


@dataclass(frozen=True)
class Can:
    """What the user's roles on the audit's firm allow, to decide which forms to render: the access matrix
    the service enforces (content/access/matrix.yaml); nothing may change a signed-off audit."""

    prepare: bool
    review: bool
    accept_risk: bool
    owner_of: frozenset[str]  # the user's own remediation items, as a control owner (their ID as owner)
    user_id: str
    # a control owner (and no preparer): attestations about their controls are recorded by the auditor
    # naming them, never by themselves (docs/web.md, "Who may do what")
    owns_controls: bool = False

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
            owns_controls=draft and may("update_own_remediation") and not may("prepare"),
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
    columns: list[Column]  # the data columns of the rows shown, in first-seen order, under their labels
    rows: list[ShownRow] = field(default_factory=list)  # the page's rows as shown (labels, dates, reasons)
    compensated: bool = False  # a measure covers some of the check's rows: the column is worth its width
    error: str | None = None

    @property
    def pages(self) -> int:
        if self.page is None:
            return 0
        return max(1, -(-self.page.matched // self.query.limit))

    @property
    def number(self) -> int:
        return self.query.offset // self.query.limit + 1

    @property
    def first(self) -> int:
        """The position (1-based) of the first row shown among the matching rows."""
        return self.query.offset + 1 if self.page and self.page.rows else 0

    @property
    def last(self) -> int:
        return self.query.offset + len(self.page.rows) if self.page else 0

    @property
    def filtered(self) -> bool:
        return bool(self.query.text.strip()) or self.query.open_only


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
    area_title: str = ""
    actions: list[str] = field(default_factory=list)  # the forms the user may use here, most called-for first
    next_action: str | None = None  # the one shown open: what the user's role and the audit's state call for


def check_title(svc: AuditService, check: CheckSnap, lang: str) -> str:
    texts = check_texts(tuple(svc.settings.content_paths)).get(check.check_id)
    return texts[0].get(lang) if texts else check.title


def requirement_page(
    svc: AuditService, user_id: str, is_superuser: bool, audit_id: int, requirement_id: str, lang: str,
    query: RowQuery | None, check_id: str | None, cache: RequestReads | None = None,
    shaper: Callable[[str], RowShaper] | None = None, style: str = "iso",
) -> RequirementPage:
    """The page's read model. With the request's cache, what every reader sees alike is built once per trail
    head (keyed by requirement, language, date style, chosen check and rows query) and only what the user's
    roles allow (`can`, the forms and the one shown open) is worked out for each request. `style` names the
    date style `shaper` shows the rows in."""
    if cache is None:
        return _requirement_page(svc, user_id, is_superuser, audit_id, requirement_id, lang, query, check_id,
                                 None, shaper)
    shared = cache.fragment(user_id, audit_id, ("requirement-page", requirement_id, lang, style, query, check_id),
                            lambda: _requirement_page(svc, user_id, is_superuser, audit_id, requirement_id, lang,
                                                      query, check_id, cache, shaper))  # fmt: skip
    can = Can.of(svc, user_id, is_superuser, shared.snap, set(cache.access(user_id, audit_id).roles))
    actions, next_action = plan_work(can, shared.req, shared.attestations, shared.remediation, shared.frozen)
    return replace(shared, can=can, actions=actions, next_action=next_action)


def _requirement_page(
    svc: AuditService, user_id: str, is_superuser: bool, audit_id: int, requirement_id: str, lang: str,
    query: RowQuery | None, check_id: str | None, cache: RequestReads | None = None,
    shaper: Callable[[str], RowShaper] | None = None,
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
    rows = (offending_rows(svc, user_id, audit_id, chosen, query or RowQuery(run_id=req.run_id), cache,
                           shaper(chosen) if shaper else None, _compensated(req, chosen))
            if chosen else None)
    can = Can.of(svc, user_id, is_superuser, snap, set(cache.access(user_id, audit_id).roles) if cache else None)
    frozen = snap.status == AuditStatus.SIGNED
    attestations = [a for a in snap.attestations if a.requirement_id == requirement_id]
    remediation = [i for i in snap.remediation if i.requirement_id == requirement_id]
    actions, next_action = plan_work(can, req, attestations, remediation, frozen)
    return RequirementPage(
        snap=snap, req=req, catalog_req=creq,
        title=req.title_zh if zh else req.title, other_title=req.title if zh else req.title_zh,
        text=creq.text.get(lang) if creq else "", other_text=creq.text.get("en" if zh else "zh-TW") if creq else "",
        guidance=creq.guidance.get(lang) if creq and creq.guidance else None,
        checks=checks, evidence=evidence, run=run,
        attestations=attestations, measures=measures, remediation=remediation,
        history=list(reversed(cache.history(user_id, audit_id, requirement_id) if cache
                              else svc.history(user_id, audit_id, requirement_id))),
        version=(cache.assessment_versions(user_id, audit_id) if cache
                 else svc.assessment_versions(audit_id)).get(requirement_id),
        reasons=req.reason_texts(lang), rows=rows, can=can, frozen=frozen,
        check_ids=[c.check_id for c in req.checks], area_title=area_title(catalog, req.area, lang),
        actions=actions, next_action=next_action,
    )  # fmt: skip


def _compensated(req: RequirementSnap, check_id: str) -> bool:
    return any(c.compensated_count for c in req.checks if c.check_id == check_id)


def area_title(catalog: Catalog, area: str | None, lang: str) -> str:
    """An area by its heading in the catalog (12.5 遠距辦公 -> 遠距辦公), as the reports name it."""
    from ccaudit.reports.from_result_dir import catalog_areas

    if not area:
        return ""
    found = next((a for a in catalog_areas(catalog) if a.id == area), None)
    return (found.title.zh if lang == "zh-TW" else found.title.en) if found else area


def plan_work(
    can: Can, req: RequirementSnap, attestations: list[AttestationSnap], remediation: list[RemediationSnap],
    frozen: bool,
) -> tuple[list[str], str | None]:
    """The forms this user may use on this requirement, the most called-for first, and the one to show open.

    The rights are the access matrix's (Can); which step comes next is read from the requirement's state:
    not yet assessed, an attestation the catalog asks for (or the only evidence) comes first, else the
    assessment (confirm, override or defer); once assessed, a deficiency's remediation. A control owner
    is shown the remediation items they own, a reviewer the items whose risk they may accept. A signed-off
    audit has no forms."""
    if frozen:
        return [], None
    items = [i for i in remediation if can.edit_item(i)]
    deficient = req.result in DEFICIENT or req.automated_status in DEFICIENT
    if not can.prepare:
        return ([REMEDIATION], REMEDIATION) if items else ([], None)
    open_ = req.status in (AssessmentStatus.TO_DO, AssessmentStatus.IN_PROGRESS)
    attest_first = req.attestation_mode == "only" or not req.checks or (
        req.attestation_mode == "required" and not attestations)
    if deficient:  # a deficiency: confirm or override it, a compensating measure, its remediation
        order = [ASSESS, MEASURE, REMEDIATION, ATTEST]
    elif attest_first:
        order = [ATTEST, ASSESS, MEASURE, REMEDIATION]
    else:
        order = [ASSESS, ATTEST, MEASURE, REMEDIATION]
    actions = [a for a in order if a != REMEDIATION or items]
    if open_:
        chosen: str | None = actions[0]
    elif deficient and items and any(i.owner is None or i.due_date is None for i in items):
        chosen = REMEDIATION  # assessed: the item still needs its owner and due date
    else:
        chosen = None
    return actions, chosen


def offending_rows(
    svc: AuditService, user_id: str, audit_id: int, check_id: str, query: RowQuery, cache: RequestReads | None = None,
    shaper: RowShaper | None = None, compensated: bool = False,
) -> RowsView:
    try:
        page = (cache.offending_page(user_id, audit_id, check_id, query) if cache
                else svc.offending_page(user_id, audit_id, check_id, query))
    except PermissionDeniedError:
        raise  # 403, never a table saying so
    except CcauditError as exc:  # no run yet, or a run without this check
        return RowsView(check_id, query, None, [], error=str(exc))
    if shaper is None:
        shaper = RowShaper(check_id, "en", "iso", svc.settings.content_paths, ("yes", "no"), "")
    columns = shaper.columns(page.rows)
    lines = _raw_exports(svc, user_id, audit_id, page.run_id, cache)
    shown = [shaper.row(r, columns, lines) for r in page.rows]
    compensated = compensated or any(r.compensated_by or r.expired_measure for r in shown)
    return RowsView(check_id, query, page, columns, shown, compensated)


def _raw_exports(svc: AuditService, user_id: str, audit_id: int, run_id: int | None,
                 cache: RequestReads | None) -> frozenset[str]:
    """The SHA-256 of the run's raw exports (a gateway's log, an Entra download): a row derived from one names the
    line of that file it came from, not a row of a table."""
    from ccaudit.evidence.store import RAW_EXPORT

    snap = cache.snapshot(user_id, audit_id) if cache else svc.snapshot(audit_id, user_id)
    run = next((r for r in snap.runs if r.run_id == run_id), None)
    return frozenset(e.sha256 for e in (run.evidence if run else []) if e.dataset == RAW_EXPORT)


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


def change_text(value: Any, lang: str = "en", when: Callable[[str], str | None] | None = None) -> str:
    """A field's old or new value in the history, on one line and short (as `ccaudit audit history`):
    reasons in the user's words, times through `when` (the firm's zone, the user's date style)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, RecordedTitle):  # a remediation item's title: in the user's language
        text = value.say(lang)
    elif isinstance(value, list):
        if value and all(isinstance(v, dict) and "code" in v for v in value):
            text = "; ".join(_reason_texts(value, lang))
        elif all(isinstance(v, str | int | bool) for v in value):
            text = ", ".join(map(str, value)) or "[]"
        else:
            return f"[{len(value)}]"
    elif isinstance(value, dict):
        return f"{{{len(value)}}}"
    elif isinstance(value, str) and when is not None and (shown := when(value)) is not None:
        text = shown
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:159] + "…"


def _reason_texts(values: list[dict[str, Any]], lang: str) -> list[str]:
    from ccaudit.findings.messages import messages
    from ccaudit.findings.models import Reason

    out = []
    for v in values:
        try:
            out.append(messages().reason(Reason.model_validate(v), lang))
        except ValueError:
            out.append(str(v.get("code")))
    return out
