"""The requirement page: its text, the automated result with every offending row (paged, filtered,
exported as CSV), the evidence files, and the auditor's work on it (assess or override, defer, attest,
compensating measures, remediation items), with its history from the audit trail.

Every change is one AuditService call with `actor=user.id`; a refusal (role, frozen audit, a version
someone else changed, a missing justification) is shown on the page with the service's own message."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from ccaudit import csvsafe
from ccaudit.audit.workflow.runs import RowQuery
from ccaudit.cli.audit import texts as tx
from ccaudit.cli.audit.texts import ENTITY
from ccaudit.dates import format_date
from ccaudit.errors import CcauditError
from ccaudit.findings.messages import messages
from ccaudit.web.deps import CurrentUser, Service, WebUser, date_style_for, lang_for, web
from ccaudit.web.pages.cache import read_cache
from ccaudit.web.pages.forms import date_field, done, int_field, refusal, requirement_url, status_of
from ccaudit.web.pages.rowsview import RowShaper
from ccaudit.web.pages.views import (
    ASSESS,
    ATTEST,
    MEASURE,
    PAGE_ROWS,
    REMEDIATION,
    cell,
    change_text,
    day,
    instant,
    offending_rows,
    requirement_page,
)
from ccaudit.web.render import fragment, render

router = APIRouter(include_in_schema=False)
DONE = frozenset({"assessed", "deferred", "attested", "measure", "remediation"})
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


def _query(run: int | None, q: str, open_only: bool, page: int) -> RowQuery:
    return RowQuery(run_id=run, text=q[:200], open_only=open_only, offset=max(page - 1, 0) * PAGE_ROWS, limit=PAGE_ROWS)


def _shaper(request: Request) -> Callable[[str], RowShaper]:
    """How a check's offending rows are shown to this user: their language and date style."""
    ctx = web(request)
    lang = lang_for(request)
    style = date_style_for(request)
    yes_no = (ctx.texts.say("pg_yes", lang), ctx.texts.say("pg_no", lang))
    blank = ctx.texts.say("pg_blank", lang)
    return lambda check_id: RowShaper(check_id, lang, style, ctx.settings.content_paths, yes_no, blank)


def _render(
    request: Request, svc: Service, user: WebUser, audit_id: int, requirement_id: str, *,
    check: str | None = None, query: RowQuery | None = None, error: str | None = None, status: int = 200,
    done_key: str | None = None, failed_action: str | None = None,
) -> Response:
    reads = read_cache(request)
    lang, style = lang_for(request), date_style_for(request)
    page = requirement_page(svc, user.id, user.is_superuser, audit_id, requirement_id, lang, query, check, reads,
                            _shaper(request), style)
    if failed_action in page.actions:  # a refused change: its form stays open, the message above it
        page.next_action = failed_action
    context: dict[str, object] = {
        "p": page, "error": error, "done": done_key if done_key in DONE else None, "day": day,
        "instant": instant, "cell": cell, "change_text": _changes(request),
        "dataset_title": lambda name: messages().dataset_title(name, lang),
        "entity": lambda name: ENTITY.get(name, name) if lang == "zh-TW" else name,
        "base": requirement_url(audit_id, requirement_id), "zone": web(request).settings.firm_timezone,
    }  # fmt: skip
    # What every reader sees alike is rendered once per trail head; the forms between the parts follow the user's
    # roles and are rendered for each request (pages/_work.html)
    rows = (page.rows.check_id, page.rows.query) if page.rows else None
    for part, key in (("intro", ()), ("result", ()), ("body", (rows,)), ("history", ())):
        context[part] = reads.fragment(
            user.id, audit_id, (f"requirement-{part}", requirement_id, lang, style, *key),
            partial(fragment, request, f"pages/_requirement_{part}.html", context))
    return render(request, "pages/requirement.html", context, status_code=status)


def _changes(request: Request) -> Callable[[object], str]:
    """The history's old and new values for this user: UTC times in the firm's zone and the user's date style."""
    ctx = web(request)
    lang = lang_for(request)
    style = date_style_for(request)
    zone = ZoneInfo(ctx.settings.firm_timezone)

    def when(text: str) -> str | None:
        if len(text) < 10 or not text[:4].isdigit() or text[4:5] != "-":
            return None
        try:
            if len(text) == 10:
                return format_date(dt.date.fromisoformat(text), style)
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        local = moment.astimezone(zone)
        return f"{format_date(local.date(), style)} {local:%H:%M}"

    def said(value: object, entity: str = "", field: str = "") -> str:
        return change_text(tx.code_value(entity, field, value, lang), lang, when)

    return said


def _typed_title(given: str, shown: str) -> str | None:
    """The auditor's own title, or None when the form came back with the title as shown (spaces aside, and
    as far as the field's 500 characters reach)."""
    typed, said = " ".join(given.split()), " ".join(shown.split())
    return typed if typed and typed not in (said, said[:500], said[:500].rstrip()) else None


def _refused(request: Request, svc: Service, user: WebUser, audit_id: int, requirement_id: str,
             exc: CcauditError, action: str) -> Response:
    return _render(request, svc, user, audit_id, requirement_id, error=refusal(request, exc), status=status_of(exc),
                   failed_action=action)


@router.get("/audits/{audit_id}/requirements")
def requirements(request: Request, audit_id: int, user: CurrentUser, svc: Service) -> Response:
    """Every requirement of the audit with its result, each linking to its page."""
    snap = read_cache(request).snapshot(user.id, audit_id)
    return render(request, "pages/requirements.html", {"snap": snap, "day": day, "instant": instant})


@router.get("/audits/{audit_id}/requirements/{requirement_id}")
def requirement(
    request: Request, audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    check: Annotated[str | None, Query(max_length=100)] = None, q: Annotated[str, Query(max_length=200)] = "",
    open: bool = False, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1, run: int | None = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _render(request, svc, user, audit_id, requirement_id, check=check, query=_query(run, q, open, page),
                   done_key=done)


@router.get("/audits/{audit_id}/requirements/{requirement_id}/rows")
def rows_fragment(
    request: Request, audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    check: Annotated[str, Query(max_length=100)], q: Annotated[str, Query(max_length=200)] = "",
    open: bool = False, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1, run: int | None = None,
) -> Response:
    """The offending-rows table alone (htmx swaps it in when the filter or the page changes)."""
    snap = read_cache(request).snapshot(user.id, audit_id)
    req = next((r for r in snap.requirements if r.requirement_id == requirement_id), None)
    compensated = req is not None and any(c.compensated_count for c in req.checks if c.check_id == check)
    rows = offending_rows(svc, user.id, audit_id, check, _query(run, q, open, page), read_cache(request),
                          _shaper(request)(check), compensated)
    context = {"rows": rows, "cell": cell, "base": requirement_url(audit_id, requirement_id)}
    return render(request, "pages/_rows.html", context)


@router.get("/audits/{audit_id}/requirements/{requirement_id}/rows.csv")
def rows_csv(
    audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    check: Annotated[str, Query(max_length=100)], q: Annotated[str, Query(max_length=200)] = "",
    open: bool = False, run: int | None = None,
) -> Response:
    """Every offending row the filter matches, as CSV (UTF-8 with BOM; cells made safe for spreadsheets)."""
    query = RowQuery(run_id=run, text=q, open_only=open)
    records = svc.offending_export(user.id, audit_id, check, query)
    first = next(records, None)  # the permission and the check are checked before the response starts
    columns = list(first["data"]) if first else []

    def lines() -> Iterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out)
        fixed = ["row_no", "subject", "source_file", "source_row", "source_sha256", "compensated_by",
                 "expired_measure"]
        writer.writerow(csvsafe.row([*fixed, *columns]))
        yield "\ufeff".encode() + out.getvalue().encode("utf-8")
        for rec in ([first] if first else []):
            yield _line(rec, fixed, columns)
        for rec in records:
            yield _line(rec, fixed, columns)

    name = f"ccaudit-audit{int(audit_id)}-{_ascii(requirement_id)}-{_ascii(check)}-rows.csv"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _line(rec: dict[str, object], fixed: list[str], columns: list[str]) -> bytes:
    out = io.StringIO()
    data = rec["data"] if isinstance(rec["data"], dict) else {}
    values = [cell(rec.get(k)) for k in fixed] + [cell(data.get(c)) for c in columns]
    csv.writer(out).writerow(csvsafe.row(values))
    return out.getvalue().encode("utf-8")


def _ascii(text: str) -> str:
    """A piece of a download's file name: letters, digits, dot, dash and underscore only."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in text)[:80] or "x"


@router.post("/audits/{audit_id}/requirements/{requirement_id}/assess")
def assess(
    request: Request, audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    action: Annotated[str, Form(max_length=20)], result: Short = "", justification: Text = "", version: Short = "",
) -> Response:
    """Confirm the derived result, override it (a result and a justification), or defer (a justification)."""
    try:
        expected = int_field(version, "version")
        if action == "defer":
            svc.defer(user.id, audit_id, requirement_id, justification, expected)
        elif action == "override":
            svc.assess(user.id, audit_id, requirement_id, result or None, justification or None, expected)
        else:
            svc.assess(user.id, audit_id, requirement_id, None, None, expected)
    except CcauditError as exc:
        return _refused(request, svc, user, audit_id, requirement_id, exc, ASSESS)
    return done(requirement_url(audit_id, requirement_id), "deferred" if action == "defer" else "assessed", "result")


@router.post("/audits/{audit_id}/requirements/{requirement_id}/attest")
def attest(
    request: Request, audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    result: Short, attested_by: Short, attested_on: Short, document_ref: Short = "", note: Text = "",
) -> Response:
    try:
        on = date_field(attested_on, "attested on")
        assert on is not None
        svc.attest(user.id, audit_id, requirement_id, result, attested_by, on, document_ref or None, note or None)
    except CcauditError as exc:
        return _refused(request, svc, user, audit_id, requirement_id, exc, ATTEST)
    return done(requirement_url(audit_id, requirement_id), "attested", "attestations")


@router.post("/audits/{audit_id}/requirements/{requirement_id}/measures")
def add_measure(
    request: Request, audit_id: int, requirement_id: str, user: CurrentUser, svc: Service,
    ref: Short, description: Text, approver: Short, approved_on: Short, review_by: Short,
    scope: Annotated[str, Form(max_length=20)] = "checks", checks: Annotated[list[str] | None, Form()] = None,
    subjects: Text = "",
) -> Response:
    """A compensating measure for the named checks (and, within them, subjects) or the whole requirement."""
    try:
        approved = date_field(approved_on, "approved on")
        review = date_field(review_by, "review by")
        assert approved is not None and review is not None
        whole = scope == "whole"
        names = [s.strip() for s in subjects.replace("\n", ",").split(",") if s.strip()]
        svc.add_measure(user.id, audit_id, ref, description, [requirement_id], approver, approved, review,
                        checks=[] if whole else (checks or []), subjects=[] if whole else names,
                        whole_requirement=whole)  # fmt: skip
    except CcauditError as exc:
        return _refused(request, svc, user, audit_id, requirement_id, exc, MEASURE)
    return done(requirement_url(audit_id, requirement_id), "measure", "measures")


@router.post("/audits/{audit_id}/requirements/{requirement_id}/remediation/{item_id}")
def update_remediation(
    request: Request, audit_id: int, requirement_id: str, item_id: int, user: CurrentUser, svc: Service,
    owner: Short = "", due_date: Short = "", status: Short = "", note: Text = "", title: Text = "",
) -> Response:
    try:
        item = next((i for i in svc.snapshot(audit_id, user.id).remediation if i.item_id == item_id), None)
        if item is None or item.requirement_id != requirement_id:
            from ccaudit.audit.errors import NotFoundError

            raise NotFoundError(f"{requirement_id} of audit {audit_id} has no remediation item {item_id}")
        due = date_field(due_date, "due date", required=False)
        svc.update_remediation(
            user.id, item_id,
            owner=owner.strip() or None if owner.strip() != (item.owner or "") else None,
            due_date=due if due is not None and due.isoformat() != item.due_date else None,
            status=status if status and status != item.status.value else None,
            note=note.strip() or None,
            title=_typed_title(title, item.say_title(lang_for(request))),
        )  # fmt: skip
    except CcauditError as exc:
        return _refused(request, svc, user, audit_id, requirement_id, exc, REMEDIATION)
    return done(requirement_url(audit_id, requirement_id), "remediation", "remediation")
