"""`ccaudit audit …`: open, run, assess, attest, compensate, remediate, review, sign off, export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.cli.audit import texts as tx
from ccaudit.cli.audit.common import DbOpt, KeyOpt, LangOpt, day, service, settings_of, signing_key
from ccaudit.cli.console import STATUS_STYLE, console, print_line, progress_bar, styled
from ccaudit.cli.engines import EngineOpt, EngineUrlOpt, KeepSchemaOpt
from ccaudit.errortexts import say_error
from ccaudit.reports.texts import L
from ccaudit.textsafe import visible, visible_lines

if TYPE_CHECKING:
    from ccaudit.audit.snapshot import AuditSnapshot

audit_app = typer.Typer(help="The annual audit: open, run, assess, review, sign off, export.", no_args_is_help=True)

AuditArg = Annotated[int, typer.Argument(help="audit ID (see `ccaudit audit list`)")]
DATE = "2026-11-30 or ROC 115/11/30"
DateOpt = Annotated[str, typer.Option(help=f"date: {DATE}")]
VersionOpt = Annotated[int | None, typer.Option("--if-version", help="refuse if the record moved past this version")]


@audit_app.command("open")
def audit_open(
    ctx: typer.Context,
    firm_id: str,
    year: int,
    as_of: Annotated[str, typer.Option("--as-of", help=f"the audit's as-of date: {DATE}")],
    catalog_id: Annotated[str, typer.Option("--catalog")] = DEFAULT_CATALOG,
    catalog_version: Annotated[int | None, typer.Option(help="default: the version in force on --as-of")] = None,
    db: DbOpt = None,
) -> None:
    """Open a firm's audit for a year."""
    with service(ctx) as (svc, actor):
        audit_id = svc.open_audit(actor, firm_id, year, day(as_of), catalog_id, catalog_version)
        snap = svc.snapshot(audit_id)
    console.print(tx.say("opened", settings_of(ctx).lang, audit=audit_id, firm=firm_id, year=year, as_of=snap.as_of,
                         catalog=snap.catalog_id, version=snap.catalog_version, count=len(snap.requirements)))


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    firm: Annotated[str | None, typer.Option()] = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """List the audits you may read."""
    lang = settings_of(ctx).lang
    keys = ("id", "firm", "year", "as_of", "catalog", "audit_status", "preparer", "reviewer", "digest")
    table = Table(*(tx.header(k, lang) for k in keys))
    with service(ctx) as (svc, actor):
        for a in svc.list_audits(actor, firm):
            table.add_row(
                str(a.id),
                a.firm_id,
                str(a.year),
                a.as_of.isoformat(),
                a.catalog,
                tx.audit_status(a.status, lang),
                a.preparer or "",
                a.reviewer or "",
                (a.digest or "")[:16],
            )
    console.print(table)


@audit_app.command("show")
def audit_show(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement: Annotated[str | None, typer.Option(help="show one requirement in full")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the whole snapshot as JSON")] = False,
    open_only: Annotated[
        bool, typer.Option("--open", help="only the IDs of requirements not yet settled (assessed or deferred)")
    ] = False,
    reconfirm: Annotated[
        bool, typer.Option("--reconfirm", help="only the IDs of carried-over attestations to re-confirm")
    ] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Show an audit: each requirement's result and why, and the version to quote with --if-version."""
    if open_only:
        with service(ctx) as (svc, actor):
            print("\n".join(o.requirement_id for o in svc.open_requirements(actor, audit_id)))
        return
    with service(ctx) as (svc, actor):
        snap = svc.snapshot(audit_id, actor)
        versions = svc.assessment_versions(audit_id)
    if reconfirm:  # ATTESTATION_IDs for `ccaudit audit reconfirm`, one a line
        print("\n".join(str(a.attestation_id) for a in snap.attestations if a.needs_reconfirmation))
        return
    if as_json:
        print(json.dumps(snap.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    s = snap.signoff
    settings = settings_of(ctx)
    lang, zone = settings.lang, settings.firm_timezone
    console.print(
        Text.assemble(
            (f"{tx.ENTITY['audit'] if lang.startswith('zh') else 'audit'} {snap.audit_id}", "bold"),
            visible_lines(
                f" {snap.firm_name} ({snap.firm_id}) {snap.year} · {tx.header('as_of', lang)} {snap.as_of}"
                f" · {snap.catalog_id} v{snap.catalog_version} · "
            ),
            (tx.audit_status(snap.status.value, lang), "bold"),
        )
    )
    if snap.runs:
        run = snap.runs[-1]
        when = tx.local_time(run.attached_at, zone)
        print_line(tx.say("run_line", lang, run=run.run_id, when=when, engine=tx.engine(run.engine, lang)))
    if s.preparer:
        console.print(tx.say("prepared_by", lang, who=s.preparer, when=tx.local_time(s.submitted_at, zone)))
    if s.reviewer:
        console.print(tx.say("signed_off_by", lang, who=s.reviewer, when=tx.local_time(s.signed_at, zone),
                             fingerprint=s.key_fingerprint, digest=s.digest))
    if requirement is not None:
        _show_requirement(snap, requirement, versions.get(requirement), lang)
        return
    table = Table(*(tx.header(k, lang) for k in ("requirement", "result", "work", "version", "why")))
    for r in snap.requirements:
        result = tx.result(r.result, lang)
        style = STATUS_STYLE.get(r.result) if r.result else None
        mark = "*" if r.assessed_result else ""
        reasons = r.reason_texts(lang)
        why = r.justification if r.assessed_result else (reasons[0] if reasons else "")
        more = tx.more(len(reasons) - 1, lang)
        extra = more if not r.assessed_result and len(reasons) > 1 else ""
        if r.status.value == "deferred":
            why, extra = f"{tx.work_status('deferred', lang)}: {r.justification}", ""
        table.add_row(
            r.requirement_id,
            Text(result, style=style or "") + mark,
            tx.work_status(r.status.value, lang),
            str(versions.get(r.requirement_id, "")),
            f"{why}{extra}",
        )
    console.print(table)
    console.print(" · ".join(f"{tx.result(k, lang)}: {v}" for k, v in snap.counts().items() if v))
    pending = [a for a in snap.attestations if a.needs_reconfirmation]
    if pending:
        ids = ", ".join(f"#{a.attestation_id} ({a.requirement_id})" for a in pending)
        console.print(tx.say("to_reconfirm", lang, ids=ids))


def _result(x: Any, lang: str) -> str:
    return tx.result(x.value, lang) if x is not None else "-"


def _show_requirement(snap: AuditSnapshot, requirement_id: str, version: int | None, lang: str) -> None:
    """One requirement in full; per check, what the audit's measures cover and what they leave."""
    from ccaudit.findings.messages import is_zh
    from ccaudit.reports.texts import t

    try:
        r = snap.requirement(requirement_id)
    except KeyError:
        raise typer.BadParameter(tx.say("not_a_requirement", lang, requirement=requirement_id)) from None
    zh = is_zh(lang)
    obligation = tx.obligation(r.obligation, lang) if r.obligation else ""
    title = f"（{obligation}）{r.title_zh}" if zh else f" ({obligation}) {r.title}\n{r.title_zh}"
    console.print(styled(r.requirement_id, "bold", title))
    parts = [("result", r.result), ("automated", r.automated_status), ("derived", r.derived_result),
             ("assessed", r.assessed_result)]
    line = [f"{tx.header(k, lang)} {_result(v, lang)}" for k, v in parts]
    line += [f"{tx.header('work', lang)} {tx.work_status(r.status.value, lang)}",
             f"{tx.header('version', lang)} {version}"]
    console.print(" · ".join(line))
    if r.assessed_by:
        deferred = r.status.value == "deferred"
        if zh:
            said = f"{r.assessed_by} {tx.work_status('deferred', lang) if deferred else tx.header('assessed', lang)}"
        else:
            said = f"{'deferred' if deferred else 'assessed'} by {r.assessed_by}"
        console.print(said + (f"{'：' if zh else ': '}{r.justification}" if r.justification else ""))
    for reason in r.reason_texts(lang):
        console.print(f"  - {reason}")
    mine = [m for m in snap.measures if requirement_id in m.requirement_ids]
    every = L["every_row"][1] if zh else L["every_row"][0]
    for c in r.checks:
        covering = [tx.say("whole_requirement", lang, ref=m.ref) for m in mine if not m.checks] + [
            tx.say("measure_for", lang, ref=m.ref, subjects=("、" if zh else ", ").join(scope.subjects) or every)
            for m in mine
            if (scope := m.covers(c.check_id)) is not None
        ]
        command = f"ccaudit audit rows {snap.audit_id} {c.check_id}"
        offending = t("check_offending", lang, count=c.offending_count, compensated=c.compensated_count)
        console.print(
            "  " + tx.say("check_line", lang, check=c.check_id, outcome=tx.outcome(c.outcome, lang),
                          count=c.offending_count, compensated=c.compensated_count, offending=offending,
                          command=command)
            + (tx.say("audit_measures", lang, measures=("；" if zh else "; ").join(covering))
               if covering and c.offending_count else "")
        )
    for a in snap.attestations:
        if a.requirement_id == requirement_id:
            console.print("  " + tx.say("attestation_line", lang, id=a.attestation_id,
                                        result=tx.attestation(a.result.value, lang), by=a.attested_by,
                                        on=a.attested_on))
    for m in snap.measures:
        if requirement_id in m.requirement_ids:
            if not m.checks:
                covers = tx.say("the_whole_requirement", lang)
            elif zh:
                covers = "；".join(f"{c.check_id}（{'、'.join(c.subjects) or every}）" for c in m.checks)
            else:
                covers = "; ".join(c.says() for c in m.checks)
            console.print("  " + tx.say("measure_line", lang, ref=m.ref, covers=covers, review_by=m.review_by,
                                        valid=tx.say("valid" if m.valid else "not_valid", lang)))
    for i in snap.remediation:
        if i.requirement_id == requirement_id:
            console.print("  " + tx.say("remediation_line", lang, id=i.item_id,
                                        status=tx.remediation_status(i.status.value, lang),
                                        owner=i.owner or tx.say("no_owner", lang), due=i.due_date or "-"))


@audit_app.command("run")
def audit_run(
    ctx: typer.Context,
    audit_id: AuditArg,
    evidence_dir: Annotated[str, typer.Argument(
        help="folder of the firm's evidence files, or an object-store folder s3://bucket/prefix/")],
    db: DbOpt = None,
    engine: EngineOpt = None,
    engine_url: EngineUrlOpt = None,
    keep_schema: KeepSchemaOpt = False,
) -> None:
    """Inspect an evidence folder (or s3://bucket/prefix/) on the audit's as-of date and attach the run
    (checks on --engine)."""
    from ccaudit.evidence.object_store import is_remote

    evidence: Path | str = evidence_dir if is_remote(evidence_dir) else Path(evidence_dir)
    with service(ctx) as (svc, actor), progress_bar(settings_of(ctx).lang) as progress:
        info = svc.run_inspection(actor, audit_id, evidence, progress)  # type: ignore[arg-type]
    _print_run(info, settings_of(ctx).lang)


@audit_app.command("attach")
def audit_attach(
    ctx: typer.Context,
    audit_id: AuditArg,
    result_dir: Path,
    db: DbOpt = None,
) -> None:
    """Attach the result folder of `ccaudit inspect --out DIR` made elsewhere."""
    with service(ctx) as (svc, actor):
        info = svc.attach_run(actor, audit_id, result_dir)
    _print_run(info, settings_of(ctx).lang)


def _print_run(info: Any, lang: str) -> None:
    for path in info.cleaned:
        print_line(tx.say("run_cleaned", lang, path=path))
    counts = " · ".join(f"{tx.result(k, lang)}: {v}" for k, v in info.counts.items() if v)
    print_line(tx.say("run_attached", lang, run=info.run_id, rows=info.offending_rows,
                      seconds=f"{info.record_seconds:.1f}", counts=counts, folder=info.folder))


@audit_app.command("rows")
def audit_rows(
    ctx: typer.Context,
    audit_id: AuditArg,
    check_id: str,
    run: Annotated[int | None, typer.Option(help="run ID (default: the latest)")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, with each file's SHA-256")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """A check's offending rows, each traced to its evidence file and row."""
    with service(ctx) as (svc, actor):
        run_id, total, rows = svc.offending_rows(actor, audit_id, check_id, run, limit)
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    lang = settings_of(ctx).lang
    keys = ("seq", "subject", "file", "row", "compensated_by", "details")
    table = Table(*(tx.header(k, lang) for k in keys), title=tx.say("rows_title", lang, check=check_id, run=run_id))
    for r in rows:
        expired = tx.say("expired", lang, ref=r["expired_measure"]) if r["expired_measure"] else ""
        comp = r["compensated_by"] or expired
        details = ", ".join(f"{k}={v}" for k, v in r["data"].items() if v is not None)
        table.add_row(
            str(r["row_no"]),
            r["subject"] or "",
            r["source_file"] or "",
            str(r["source_row"] or ""),
            comp,
            details,
        )
    console.print(table)
    console.print(tx.say("rows_shown", lang, shown=len(rows), total=total))


@audit_app.command("assess")
def audit_assess(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: Annotated[str | None, typer.Argument(help="requirement ID (omit with --all-derived)")] = None,
    result: Annotated[str | None, typer.Option(help="your verdict; omit to confirm the derived result")] = None,
    justification: Annotated[str | None, typer.Option(help="required when --result differs")] = None,
    all_derived: Annotated[
        bool, typer.Option("--all-derived", help="confirm every derived result not yet assessed, one by one")
    ] = False,
    if_version: VersionOpt = None,
    db: DbOpt = None,
) -> None:
    """Confirm a requirement's derived result, or assess it differently with a written justification."""
    if all_derived:
        if requirement_id or result or justification:
            raise typer.BadParameter("--all-derived confirms derived results: give no requirement, --result or text")
        with service(ctx) as (svc, actor):
            confirmed, left = svc.confirm_derived(actor, audit_id)
        lang = settings_of(ctx).lang
        sep = "、" if lang.startswith("zh") else ", "
        listed = f"{'：' if lang.startswith('zh') else ': '}{sep.join(confirmed)}" if confirmed else ""
        console.print(tx.say("derived_confirmed", lang, count=len(confirmed), listed=listed))
        if left:
            console.print(tx.say("derived_left", lang, left=sep.join(left)))
        return
    if requirement_id is None:
        raise typer.BadParameter("name the requirement to assess, or give --all-derived")
    with service(ctx) as (svc, actor):
        version = svc.assess(actor, audit_id, requirement_id, result, justification, if_version)
    console.print(tx.say("assessed", settings_of(ctx).lang, requirement=requirement_id, version=version))


@audit_app.command("defer")
def audit_defer(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    justification: Annotated[str, typer.Option(help="why it is left open; shown in the reports")],
    if_version: VersionOpt = None,
    db: DbOpt = None,
) -> None:
    """Defer a requirement's assessment with a written justification (it no longer blocks sign-off)."""
    with service(ctx) as (svc, actor):
        version = svc.defer(actor, audit_id, requirement_id, justification, if_version)
    console.print(tx.say("deferred", settings_of(ctx).lang, requirement=requirement_id, version=version))


@audit_app.command("attest")
def audit_attest(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    result: Annotated[str, typer.Option(help="met, not_met or not_applicable")],
    by: Annotated[str, typer.Option("--by", help="who attested (name, title)")],
    on: Annotated[str, typer.Option("--on", help=f"date attested: {DATE}")],
    doc: Annotated[str | None, typer.Option("--doc", help="document reference")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    db: DbOpt = None,
) -> None:
    """Record a manual attestation."""
    with service(ctx) as (svc, actor):
        att_id = svc.attest(actor, audit_id, requirement_id, result, by, day(on), doc, note)
    console.print(tx.say("attested", settings_of(ctx).lang, id=att_id, requirement=requirement_id))


@audit_app.command("reconfirm")
def audit_reconfirm(
    ctx: typer.Context,
    attestation_id: Annotated[
        int,
        typer.Argument(
            metavar="ATTESTATION_ID",
            help="the carried-over attestation's ID (not the audit's): `ccaudit audit show AUDIT --reconfirm`",
        ),
    ],
    by: Annotated[str, typer.Option("--by", help="who attested (name, title)")],
    on: Annotated[str, typer.Option("--on", help=f"date re-confirmed: {DATE}")],
    doc: Annotated[str | None, typer.Option("--doc")] = None,
    db: DbOpt = None,
) -> None:
    """Re-confirm an attestation carried over from last year."""
    with service(ctx) as (svc, actor):
        svc.reconfirm_attestation(actor, attestation_id, by, day(on), doc)
    console.print(tx.say("reconfirmed", settings_of(ctx).lang, id=attestation_id))


@audit_app.command("measure")
def audit_measure(
    ctx: typer.Context,
    audit_id: AuditArg,
    ref: Annotated[str, typer.Argument(help="the firm's ID of the measure, e.g. CM-2026-03")],
    description: Annotated[str, typer.Option()],
    requirement: Annotated[list[str], typer.Option("--requirement", help="requirement ID (repeat for several)")],
    approver: Annotated[str, typer.Option()],
    approved_on: Annotated[str, typer.Option(help=f"date approved: {DATE}")],
    review_by: Annotated[str, typer.Option(help=f"review / expiry date: {DATE}")],
    check: Annotated[
        list[str] | None, typer.Option("--check", help="a check it covers (repeat for several)")
    ] = None,
    subject: Annotated[
        list[str] | None,
        typer.Option("--subject", help="only these subjects' rows of the checks (device, person, service; repeat)"),
    ] = None,
    whole_requirement: Annotated[
        bool, typer.Option("--whole-requirement", help="it covers every check of its requirements (say so explicitly)")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Record a compensating measure for the checks (and subjects) it names, or the whole requirement."""
    with service(ctx) as (svc, actor):
        measure_id = svc.add_measure(
            actor, audit_id, ref, description, requirement, approver, day(approved_on), day(review_by),
            checks=check or [], subjects=subject or [], whole_requirement=whole_requirement,
        )  # fmt: skip
        measure = next(m for m in svc.snapshot(audit_id, actor).measures if m.measure_id == measure_id)
    lang = settings_of(ctx).lang
    if whole_requirement:
        covers = tx.say("the_whole_requirement", lang)
    elif lang.startswith("zh"):
        covers = "；".join(f"{c.check_id}（{'、'.join(c.subjects) or L['every_row'][1]}）" for c in measure.checks)
    else:
        covers = "; ".join(c.says() for c in measure.checks)
    console.print(tx.say("measure_recorded", lang, ref=ref, id=measure_id, covers=covers))


@audit_app.command("measure-review")
def audit_measure_review(
    ctx: typer.Context,
    measure_id: Annotated[
        int,
        typer.Argument(
            metavar="MEASURE_ID",
            help="the measure's ID as `audit measure` printed it (id N), not the firm's reference or the audit's ID",
        ),
    ],
    review_by: DateOpt,
    if_version: VersionOpt = None,
    db: DbOpt = None,
) -> None:
    """Move a measure's review (expiry) date."""
    new_date = day(review_by)
    with service(ctx) as (svc, actor):
        svc.update_measure(actor, measure_id, new_date, if_version)
    console.print(tx.say("measure_review", settings_of(ctx).lang, id=measure_id, day=new_date))


@audit_app.command("remediation")
def audit_remediation(
    ctx: typer.Context,
    audit_id: AuditArg,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="only the IDs of items without an owner")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """List the audit's remediation items."""
    with service(ctx) as (svc, actor):
        snap = svc.snapshot(audit_id, actor)
    if unassigned:
        # open items only: one closed by an override or accepted needs no owner any more
        ids = [i.item_id for i in snap.remediation if i.owner is None and i.status.value in ("open", "in_progress")]
        print("\n".join(map(str, ids)))
        return
    today = dt.date.today()
    lang = settings_of(ctx).lang
    keys = ("item", "requirement", "result", "owner", "due", "remediation_status", "title")
    table = Table(*(tx.header(k, lang) for k in keys))
    for i in snap.remediation:
        late = f"{i.due_date} {tx.header('overdue', lang)}"
        due = Text(late, style="red") if i.overdue(today) else Text(i.due_date or "")
        table.add_row(
            str(i.item_id),
            i.requirement_id,
            tx.result(i.finding_result, lang),
            Text(i.owner) if i.owner else Text("-", style="red"),
            due,
            tx.remediation_status(i.status.value, lang),
            Text(visible(i.say_title(lang))),
        )
    console.print(table)


@audit_app.command("remediate")
def audit_remediate(
    ctx: typer.Context,
    item_id: Annotated[
        int,
        typer.Argument(
            metavar="ITEM_ID",
            help="the remediation item's ID (not the audit's): `ccaudit audit remediation AUDIT` lists them",
        ),
    ],
    owner: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help=f"due date: {DATE}")] = None,
    status: Annotated[str | None, typer.Option(help="open, in_progress, done or accepted")] = None,
    note: Annotated[str | None, typer.Option(help="appended to the item's notes")] = None,
    title: Annotated[
        str | None, typer.Option(help="the item's title in your own words (shown as typed in every language)")
    ] = None,
    if_version: VersionOpt = None,
    db: DbOpt = None,
) -> None:
    """Update a remediation item: owner, due date, status, notes, title."""
    with service(ctx) as (svc, actor):
        version = svc.update_remediation(
            actor,
            item_id,
            owner=owner,
            due_date=day(due) if due else None,
            status=status,
            note=note,
            expected_version=if_version,
            title=title,
        )
    console.print(tx.say("remediated", settings_of(ctx).lang, id=item_id, version=version))


@audit_app.command("overdue")
def audit_overdue(
    ctx: typer.Context,
    firm: Annotated[str | None, typer.Option()] = None,
    on: Annotated[str | None, typer.Option(help=f"the day to judge on: {DATE} (default: today)")] = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """List open remediation items past their due date."""
    when = day(on) if on else dt.date.today()
    lang = settings_of(ctx).lang
    keys = ("audit", "item", "requirement", "owner", "due", "remediation_status", "title")
    table = Table(*(tx.header(k, lang) for k in keys))
    with service(ctx) as (svc, actor):
        items = svc.overdue(actor, when, firm)
    for audit_id, i in items:
        table.add_row(
            str(audit_id),
            str(i.item_id),
            i.requirement_id,
            i.owner or "-",
            i.due_date or "",
            tx.remediation_status(i.status.value, lang),
            Text(visible(i.say_title(lang))),
        )
    console.print(table)
    console.print(tx.say("overdue_count", settings_of(ctx).lang, n=len(items), day=when))


@audit_app.command("submit")
def audit_submit(
    ctx: typer.Context,
    audit_id: AuditArg,
    db: DbOpt = None,
) -> None:
    """Submit the audit for review (you become its preparer)."""
    with service(ctx) as (svc, actor):
        svc.submit(actor, audit_id)
    console.print(tx.say("submitted", settings_of(ctx).lang, audit=audit_id))


@audit_app.command("return")
def audit_return(
    ctx: typer.Context,
    audit_id: AuditArg,
    note: Annotated[str, typer.Option()],
    db: DbOpt = None,
) -> None:
    """Return a submitted audit to draft, saying why."""
    with service(ctx) as (svc, actor):
        svc.return_to_draft(actor, audit_id, note)
    console.print(tx.say("returned", settings_of(ctx).lang, audit=audit_id))


@audit_app.command("signoff")
def audit_signoff(
    ctx: typer.Context,
    audit_id: AuditArg,
    key: Annotated[Path | None, typer.Option(help="private key (default: CCAUDIT_KEY_PATH)")] = None,
    db: DbOpt = None,
) -> None:
    """Sign off (reviewer, not the preparer): freezes the audit and prints its digest."""
    from ccaudit.audit.integrity.signing import load_private_key

    settings = settings_of(ctx)
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    private = load_private_key(key or settings.signing_key_path(), passphrase)
    with service(ctx) as (svc, actor):
        digest = svc.signoff(actor, audit_id, private)
    console.print(tx.say("signed_off", settings.lang, audit=audit_id, digest=digest))
    print_line(tx.say("anchored_in", settings.lang, path=settings.anchor_path()))


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    audit_id: AuditArg,
    out: Annotated[Path, typer.Option(help="ARCHIVE.zip, or a folder")],
    key: KeyOpt = None,
    db: DbOpt = None,
) -> None:
    """Write the signed audit's read-only archive, its index signed with your key (`ccaudit verify ARCHIVE`)."""
    if not out.parent.is_dir():
        raise typer.BadParameter(f"--out: the folder {out.parent} does not exist")
    private = signing_key(ctx, key)
    with service(ctx) as (svc, actor):
        path = svc.export(actor, audit_id, out, private)
    print_line(tx.say("archive_written", settings_of(ctx).lang, path=path))


@audit_app.command("anchor")
def audit_anchor(
    ctx: typer.Context,
    key: KeyOpt = None,
    db: DbOpt = None,
) -> None:
    """Sign the trail's head with your key into CCAUDIT_ANCHOR_DIR (`ccaudit verify --anchors DIR`)."""
    private = signing_key(ctx, key)
    with service(ctx) as (svc, actor):
        done = svc.anchor(actor, private)
    lang = settings_of(ctx).lang
    for audit_id, path in done.signoffs:
        print_line(tx.say("anchor_signoff", lang, audit=audit_id, path=path))
    for audit_id, reviewer in done.others:
        print_line(tx.say("anchor_other", lang, audit=audit_id, reviewer=reviewer))
    print_line(tx.say("anchored_at", lang, seq=done.head.seq, hash=done.head.hash, path=done.path))


@audit_app.command("carryover")
def audit_carryover(
    ctx: typer.Context,
    audit_id: Annotated[int, typer.Argument(help="last year's signed audit")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=f"{DATE} (default: a year after last year's)")
    ] = None,
    year: Annotated[int | None, typer.Option()] = None,
    db: DbOpt = None,
) -> None:
    """Open next year's audit, carrying over open remediation, valid measures and attestations."""
    with service(ctx) as (svc, actor):
        new_id, carried = svc.carry_over(actor, audit_id, day(as_of) if as_of else None, year)
    lang = settings_of(ctx).lang
    console.print(tx.say("carried_over", lang, audit=new_id, source=audit_id, remediation=len(carried.remediation),
                         measures=len(carried.measures), attestations=len(carried.attestations)))
    for line in carried.left_behind:  # the service's English note, in the reader's words (errors catalog)
        console.print(tx.say("not_carried", lang, line=say_error(line, lang)))


@audit_app.command("diff")
def audit_diff(
    ctx: typer.Context,
    old: int,
    new: int,
    all_rows: Annotated[bool, typer.Option("--all")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """What improved or regressed between two audits, and why."""
    from ccaudit.audit.workflow.diff import Change

    lang = settings_of(ctx).lang
    with service(ctx) as (svc, actor):
        result = svc.diff(actor, old, new, lang)
    keys = ("requirement", "change", "before", "after", "reason")
    table = Table(*(tx.header(k, lang) for k in keys), title=f"{result.old} → {result.new}")
    for r in result.requirements:
        if r.change is Change.UNCHANGED and not all_rows:
            continue
        style = {"improved": "green", "regressed": "bold red"}.get(r.change.value, "")
        table.add_row(
            r.requirement_id,
            Text(tx.change(r.change.value, lang), style=style),
            tx.result(r.before, lang),
            tx.result(r.after, lang),
            "; ".join(r.why),
        )
    console.print(table)
    console.print(" · ".join(f"{tx.change(c.value, lang)}: {result.count(c)}" for c in Change if result.count(c)))


