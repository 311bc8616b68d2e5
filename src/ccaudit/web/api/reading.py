"""Reading: who am I, firms, audits (list, open, show), a requirement, offending rows, the trail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request

from ccaudit.audit.integrity.changes import TrailStep
from ccaudit.audit.snapshot import AuditSnapshot
from ccaudit.audit.workflow.audits import AuditSummary
from ccaudit.audit.workflow.runs import RowQuery
from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.web.api.auth import Audit, Service, Who
from ccaudit.web.api.lang import api_lang
from ccaudit.web.api.models import (
    ONE_LINE,
    AuditOut,
    AuditSummaryOut,
    CarriedOut,
    CarryOverIn,
    CheckId,
    FirmId,
    FirmOut,
    Me,
    OffendingPage,
    OffendingRowOut,
    OpenAuditIn,
    OpenOut,
    RemediationItemOut,
    RequirementId,
    RequirementOut,
    RequirementStatusOut,
    TokenScope,
    TrailStepOut,
)
from ccaudit.web.api.routing import api_router

router = api_router(["reading"])

Lang = Annotated[
    Literal["en", "zh-TW"],
    Query(description="language of reasons_text and title_text (default: Accept-Language, else your setting)"),
]


def summary_out(a: AuditSummary) -> AuditSummaryOut:
    return AuditSummaryOut(
        audit_id=a.id, firm_id=a.firm_id, year=a.year, as_of=a.as_of, catalog=a.catalog, status=a.status,
        preparer=a.preparer, reviewer=a.reviewer, digest=a.digest,
    )  # fmt: skip


@router.get("/me", response_model=Me, summary="The calling user, how they authenticated, their roles")
def me(who: Who, svc: Service) -> Me:
    info = next(u for u in svc.list_users() if u.id == who.user_id)
    roles = {f: list(r) for f, r in info.roles.items() if who.sees_firm(f)}
    for firm_id, _until in svc.inspector_firms(who.user_id):  # live inspector grants
        if who.sees_firm(firm_id):
            roles.setdefault(firm_id, []).append("inspector")
    scope = TokenScope(token_id=who.token_id, firm_id=who.firm_id, read_only=who.read_only) if who.token_id else None
    return Me(user_id=info.id, name=info.name, is_superuser=info.is_superuser, authenticated_by=who.via,
              token=scope, roles=roles)  # fmt: skip


@router.get("/firms", response_model=list[FirmOut], summary="Firms the caller may read")
def firms(who: Who, svc: Service) -> list[FirmOut]:
    superuser = next(u for u in svc.list_users() if u.id == who.user_id).is_superuser
    readable = {a.firm_id for a in svc.list_audits(who.user_id)}
    out = []
    for firm_id, name in svc.list_firms():
        if not who.sees_firm(firm_id):
            continue
        roles = sorted(r.value for r in svc.roles(who.user_id, firm_id))
        if roles or superuser or firm_id in readable:
            out.append(FirmOut(firm_id=firm_id, name=name, roles=roles))
    return out


@router.get("/audits", response_model=list[AuditSummaryOut], summary="Audits the caller may read")
def list_audits(who: Who, svc: Service, firm_id: Annotated[FirmId | None, Query()] = None) -> list[AuditSummaryOut]:
    return [summary_out(a) for a in svc.list_audits(who.user_id, firm_id) if who.sees_firm(a.firm_id)]


@router.post("/audits", response_model=AuditSummaryOut, status_code=201, summary="Open a firm's audit for a year")
def open_audit(body: OpenAuditIn, who: Who, svc: Service) -> AuditSummaryOut:
    who.require_firm(body.firm_id)
    audit_id = svc.open_audit(who.user_id, body.firm_id, body.year, body.as_of, DEFAULT_CATALOG, body.catalog_version)
    return next(summary_out(a) for a in svc.list_audits(who.user_id, body.firm_id) if a.id == audit_id)


@router.post(
    "/audits/{audit_id}/carry-over",
    response_model=CarriedOut,
    status_code=201,
    summary="Open next year's audit from this signed-off one (open remediation, valid measures, attestations)",
)
def carry_over(audit: Audit, body: CarryOverIn, svc: Service) -> CarriedOut:
    new_id, carried = svc.carry_over(audit.actor, audit.id, body.as_of, body.year)
    summary = next(summary_out(a) for a in svc.list_audits(audit.actor, audit.firm_id) if a.id == new_id)
    return CarriedOut(audit=summary, remediation=carried.remediation, measures=carried.measures,
                      attestations=carried.attestations, left_behind=carried.left_behind)  # fmt: skip


def _status_rows(snap: AuditSnapshot, versions: dict[str, int]) -> list[RequirementStatusOut]:
    return [
        RequirementStatusOut(
            requirement_id=r.requirement_id,
            area=r.area,
            title=r.title,
            title_zh=r.title_zh,
            obligation=r.obligation,
            status=r.status,
            automated_status=r.automated_status,
            derived_result=r.derived_result,
            assessed_result=r.assessed_result,
            result=r.result,
            version=versions.get(r.requirement_id, 1),
        )
        for r in snap.requirements
    ]


@router.get("/audits/{audit_id}", response_model=AuditOut, summary="An audit with its status by requirement")
def show_audit(audit: Audit, svc: Service) -> AuditOut:
    snap = svc.snapshot(audit.id, audit.actor)
    versions = svc.assessment_versions(audit.id)
    open_ = [OpenOut.model_validate(o) for o in svc.open_requirements(audit.actor, audit.id)]
    return AuditOut(
        audit_id=snap.audit_id, firm_id=snap.firm_id, firm_name=snap.firm_name, year=snap.year,
        as_of=snap.as_of, catalog_id=snap.catalog_id, catalog_version=snap.catalog_version,
        status=snap.status, opened_by=snap.opened_by, opened_at=snap.opened_at, carried_from=snap.carried_from,
        counts=snap.counts(), requirements=_status_rows(snap, versions), open=open_, runs=snap.runs,
        signoff=snap.signoff,
    )  # fmt: skip


@router.get(
    "/audits/{audit_id}/requirements/{requirement_id}",
    response_model=RequirementOut,
    summary="One requirement: result, reasons, checks, evidence, attestations, measures, remediation",
)
def show_requirement(
    request: Request, audit: Audit, requirement_id: RequirementId, svc: Service, lang: Lang | None = None
) -> RequirementOut:
    from ccaudit.audit.errors import NotFoundError

    said = lang or api_lang(request)

    snap = svc.snapshot(audit.id, audit.actor)
    try:
        req = snap.requirement(requirement_id)
    except KeyError:
        raise NotFoundError(
            f"requirement {requirement_id!r} is not an assessable requirement of {snap.catalog_id} "
            f"v{snap.catalog_version}"
        ) from None
    text = svc.catalog_version(snap.catalog_id, snap.catalog_version).requirement(requirement_id).text
    read = {sha for c in req.checks for sha in c.evidence}
    run = next((r for r in snap.runs if r.run_id == req.run_id), None)
    evidence = [e for e in run.evidence if e.sha256 in read] if run else []
    return RequirementOut(
        audit_id=audit.id, requirement=req, version=svc.assessment_versions(audit.id).get(requirement_id, 1),
        text_en=text.en, text_zh=text.zh_tw, reasons_text=req.reason_texts(said), evidence=evidence,
        attestations=[a for a in snap.attestations if a.requirement_id == requirement_id],
        measures=[m for m in snap.measures if requirement_id in m.requirement_ids],
        remediation=[RemediationItemOut.of(i, said) for i in snap.remediation if i.requirement_id == requirement_id],
    )  # fmt: skip


@router.get(
    "/audits/{audit_id}/checks/{check_id}/rows",
    response_model=OffendingPage,
    summary="A check's offending rows (paged, filtered), each with its source file, row and SHA-256",
)
def offending_rows(
    audit: Audit,
    check_id: CheckId,
    svc: Service,
    run_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="default: the latest run")] = None,
    text: Annotated[str, Query(max_length=200, pattern=ONE_LINE, description="rows containing this text")] = "",
    open_only: Annotated[bool, Query(description="only rows no measure compensates")] = False,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> OffendingPage:
    query = RowQuery(run_id=run_id, text=text, open_only=open_only, offset=offset, limit=limit)
    page = svc.offending_page(audit.actor, audit.id, check_id, query)
    return OffendingPage(
        audit_id=audit.id, run_id=page.run_id, check_id=check_id, total=page.total, matched=page.matched,
        offset=offset, limit=limit, rows=[OffendingRowOut.model_validate(r) for r in page.rows],
    )  # fmt: skip


@router.get("/audits/{audit_id}/open", response_model=list[OpenOut], summary="Requirements not yet settled")
def open_requirements(audit: Audit, svc: Service) -> list[OpenOut]:
    return [OpenOut.model_validate(o) for o in svc.open_requirements(audit.actor, audit.id)]


def _steps(steps: list[TrailStep]) -> list[TrailStepOut]:
    return [TrailStepOut.model_validate(t) for t in steps]


@router.get("/audits/{audit_id}/trail", response_model=list[TrailStepOut], summary="The audit's trail, oldest first")
def trail(audit: Audit, svc: Service) -> list[TrailStepOut]:
    return _steps(svc.trail(audit.actor, audit.id))


@router.get(
    "/audits/{audit_id}/requirements/{requirement_id}/history",
    response_model=list[TrailStepOut],
    summary="One requirement's story from the trail",
)
def history(audit: Audit, requirement_id: RequirementId, svc: Service) -> list[TrailStepOut]:
    return _steps(svc.history(audit.actor, audit.id, requirement_id))
