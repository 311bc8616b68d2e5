"""`ccaudit firm|user|audit …` and `ccaudit verify`: thin commands over ccaudit.audit.service.

The acting user comes from the setting CCAUDIT_USER; the database from --db or CCAUDIT_DB (default:
SQLite in CCAUDIT_DATA_DIR). Bad input exits 2 with nothing changed; a failed verification exits 1.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.cli.console import STATUS_STYLE, console, err_console, progress_bar
from ccaudit.settings import Settings

if TYPE_CHECKING:
    from ccaudit.audit.service import AuditService
    from ccaudit.audit.snapshot import AuditSnapshot
    from ccaudit.audit.verify import VerifyReport

firm_app = typer.Typer(help="Firms audited in this database.", no_args_is_help=True)
user_app = typer.Typer(help="Users, their roles per firm, passwords and signing keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The annual audit: open, run, assess, review, sign off, export.", no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="database URL (default: CCAUDIT_DB, else SQLite)")]
AuditArg = Annotated[int, typer.Argument(help="audit ID (see `ccaudit audit list`)")]
DateOpt = Annotated[str, typer.Option(help="YYYY-MM-DD")]
VersionOpt = Annotated[int | None, typer.Option("--if-version", help="refuse if the record moved past this version")]


def register(app: typer.Typer) -> None:
    """Add the audit command groups and `verify` to the main app."""
    app.add_typer(firm_app, name="firm")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
    app.command("verify")(verify)


def _load_settings(db: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"db": db}) if db else settings


def _settings(ctx: typer.Context) -> Settings:
    return _load_settings(ctx.obj)


@contextmanager
def _service(ctx: typer.Context) -> Iterator[tuple[AuditService, str | None]]:
    from ccaudit.audit.service import AuditService

    settings = _settings(ctx)
    service = AuditService.open(settings)
    try:
        yield service, settings.user
    finally:
        service.close()


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-30") from None


@firm_app.callback()
@user_app.callback()
@audit_app.callback()
def _group(ctx: typer.Context, db: DbOpt = None) -> None:
    ctx.obj = db


# --- firms and users --------------------------------------------------------------------------------


@firm_app.command("add")
def firm_add(ctx: typer.Context, firm_id: str, name: str) -> None:
    """Add a firm (superuser)."""
    with _service(ctx) as (svc, actor):
        svc.add_firm(actor, firm_id, name)
    console.print(f"firm {firm_id} added")


@firm_app.command("list")
def firm_list(ctx: typer.Context) -> None:
    """List the firms."""
    with _service(ctx) as (svc, _):
        for firm_id, name in svc.list_firms():
            console.print(f"{firm_id}\t{name}")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    user_id: str,
    name: Annotated[str, typer.Option(help="full name")],
    password: Annotated[bool, typer.Option("--password", help="prompt for a password (for the web app)")] = False,
) -> None:
    """Add a user. The first user of a new database adds themselves and is the superuser."""
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    with _service(ctx) as (svc, actor):
        info = svc.add_user(actor, user_id, name, secret)
    console.print(f"user {info.id} added" + (" (superuser)" if info.is_superuser else ""))


@user_app.command("grant")
def user_grant(ctx: typer.Context, user_id: str, firm_id: str, role: str) -> None:
    """Give a user a role for a firm: admin, auditor, reviewer, control_owner or viewer."""
    with _service(ctx) as (svc, actor):
        svc.grant(actor, user_id, firm_id, role)
    console.print(f"{user_id} is {role} for {firm_id}")


@user_app.command("revoke")
def user_revoke(ctx: typer.Context, user_id: str, firm_id: str, role: str) -> None:
    """Take a role away."""
    with _service(ctx) as (svc, actor):
        svc.revoke(actor, user_id, firm_id, role)
    console.print(f"{user_id} is no longer {role} for {firm_id}")


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List users, their roles and key fingerprints."""
    table = Table("user", "name", "roles", "password", "key")
    with _service(ctx) as (svc, _):
        for u in svc.list_users():
            roles = "; ".join(f"{firm}: {', '.join(r)}" for firm, r in u.roles.items())
            roles = ("superuser; " if u.is_superuser else "") + roles
            table.add_row(u.id, u.name, roles, "set" if u.has_password else "", (u.key_fingerprint or "")[:16])
    console.print(table)


@user_app.command("passwd")
def user_passwd(ctx: typer.Context, user_id: Annotated[str | None, typer.Argument()] = None) -> None:
    """Set a password (argon2-hashed) for yourself, or for another user as superuser."""
    secret = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    with _service(ctx) as (svc, actor):
        svc.set_password(actor, user_id or actor or "", secret)
    console.print("password set")


@user_app.command("key")
def user_key(
    ctx: typer.Context,
    public_key: Annotated[Path | None, typer.Option(help="register this public key (PEM) instead")] = None,
) -> None:
    """Create your Ed25519 signing key (at CCAUDIT_KEY_PATH) and register its public half."""
    from ccaudit.audit.signing import generate_key, public_pem

    settings = _settings(ctx)
    if public_key is not None:
        pem = public_key.read_text(encoding="ascii")
    else:
        path = settings.signing_key_path()
        passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        pem = public_pem(generate_key(path, passphrase).public_key())
        console.print(f"private key written to {path} (keep it to yourself); public key {path}.pub")
    with _service(ctx) as (svc, actor):
        print_fp = svc.register_key(actor, pem)
    console.print(f"registered key fingerprint {print_fp}")


# --- the audit ----------------------------------------------------------------------------------------


@audit_app.command("open")
def audit_open(
    ctx: typer.Context,
    firm_id: str,
    year: int,
    as_of: Annotated[str, typer.Option("--as-of", help="the audit's as-of date, YYYY-MM-DD")],
    catalog_id: Annotated[str, typer.Option("--catalog")] = DEFAULT_CATALOG,
    catalog_version: Annotated[int | None, typer.Option(help="default: the version in force on --as-of")] = None,
) -> None:
    """Open a firm's audit for a year."""
    with _service(ctx) as (svc, actor):
        audit_id = svc.open_audit(actor, firm_id, year, _day(as_of), catalog_id, catalog_version)
        snap = svc.snapshot(audit_id)
    console.print(
        f"audit {audit_id} opened: {firm_id} {year}, as of {as_of}, {snap.catalog_id} "
        f"v{snap.catalog_version}, {len(snap.requirements)} requirements"
    )


@audit_app.command("list")
def audit_list(ctx: typer.Context, firm: Annotated[str | None, typer.Option()] = None) -> None:
    """List the audits you may read."""
    table = Table("ID", "firm", "year", "as of", "catalog", "status", "preparer", "reviewer", "digest")
    with _service(ctx) as (svc, actor):
        for a in svc.list_audits(actor, firm):
            table.add_row(
                str(a.id),
                a.firm_id,
                str(a.year),
                a.as_of.isoformat(),
                a.catalog,
                a.status,
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
) -> None:
    """Show an audit: each requirement's result and why, and the version to quote with --if-version."""
    with _service(ctx) as (svc, actor):
        snap = svc.snapshot(audit_id, actor)
        versions = svc.assessment_versions(audit_id)
    if as_json:
        print(json.dumps(snap.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    s = snap.signoff
    console.print(
        f"[bold]audit {snap.audit_id}[/] {snap.firm_name} ({snap.firm_id}) {snap.year} · as of {snap.as_of}"
        f" · {snap.catalog_id} v{snap.catalog_version} · [bold]{snap.status.value}[/]"
    )
    if s.preparer:
        console.print(f"prepared by {s.preparer} {s.submitted_at or ''}")
    if s.reviewer:
        console.print(f"signed off by {s.reviewer} {s.signed_at or ''}\ndigest {s.digest}")
    if requirement is not None:
        _show_requirement(snap, requirement, versions.get(requirement))
        return
    table = Table("ID", "result", "status", "v", "why (* = auditor's assessment)")
    for r in snap.requirements:
        result = r.result.value if r.result else "-"
        style = STATUS_STYLE.get(r.result) if r.result else None
        mark = "*" if r.assessed_result else ""
        why = r.justification if r.assessed_result else (r.reasons[0] if r.reasons else "")
        extra = f" (+{len(r.reasons) - 1} more)" if not r.assessed_result and len(r.reasons) > 1 else ""
        table.add_row(
            r.requirement_id,
            (f"[{style}]{result}[/]" if style else result) + mark,
            r.status.value,
            str(versions.get(r.requirement_id, "")),
            f"{why}{extra}",
        )
    console.print(table)
    console.print(" · ".join(f"{k}: {v}" for k, v in snap.counts().items() if v))
    pending = [a for a in snap.attestations if a.needs_reconfirmation]
    if pending:
        ids = ", ".join(f"#{a.attestation_id} ({a.requirement_id})" for a in pending)
        console.print(f"carried-over attestations to re-confirm: {ids}")


def _value(x: Any) -> str:
    return str(x.value) if x is not None else "-"


def _show_requirement(snap: AuditSnapshot, requirement_id: str, version: int | None) -> None:
    try:
        r = snap.requirement(requirement_id)
    except KeyError:
        raise typer.BadParameter(f"{requirement_id} is not a requirement of this audit") from None
    console.print(f"[bold]{r.requirement_id}[/] ({r.obligation}) {r.title}\n{r.title_zh}")
    console.print(
        f"result [bold]{_value(r.result)}[/] · automated {_value(r.automated_status)} · derived "
        f"{_value(r.derived_result)} · assessed {_value(r.assessed_result)} · status {r.status.value} · "
        f"version {version}"
    )
    if r.assessed_by:
        console.print(f"assessed by {r.assessed_by}" + (f": {r.justification}" if r.justification else ""))
    for reason in r.reasons:
        console.print(f"  - {reason}")
    for c in r.checks:
        console.print(
            f"  check {c.check_id}: {c.outcome}, {c.offending_count} offending, "
            f"{c.compensated_count} compensated (rows: ccaudit audit rows {snap.audit_id} {c.check_id})"
        )
    for a in snap.attestations:
        if a.requirement_id == requirement_id:
            console.print(f"  attestation #{a.attestation_id}: {a.result.value} by {a.attested_by} on {a.attested_on}")
    for m in snap.measures:
        if requirement_id in m.requirement_ids:
            console.print(f"  measure {m.ref}: review by {m.review_by}, {'valid' if m.valid else 'NOT valid'}")
    for i in snap.remediation:
        if i.requirement_id == requirement_id:
            console.print(f"  remediation #{i.item_id}: {i.status.value}, {i.owner or 'no owner'}, due {i.due_date}")


@audit_app.command("run")
def audit_run(ctx: typer.Context, audit_id: AuditArg, evidence_dir: Path) -> None:
    """Inspect an evidence folder on the audit's as-of date and attach the run."""
    with _service(ctx) as (svc, actor), progress_bar() as progress:
        info = svc.run_inspection(actor, audit_id, evidence_dir, progress)  # type: ignore[arg-type]
    _print_run(info)


@audit_app.command("attach")
def audit_attach(ctx: typer.Context, audit_id: AuditArg, result_dir: Path) -> None:
    """Attach the result folder of `ccaudit inspect --out DIR` made elsewhere."""
    with _service(ctx) as (svc, actor):
        info = svc.attach_run(actor, audit_id, result_dir)
    _print_run(info)


def _print_run(info: Any) -> None:
    counts = " · ".join(f"{k}: {v}" for k, v in info.counts.items() if v)
    console.print(
        f"run {info.run_id} attached ({info.offending_rows} offending rows recorded in "
        f"{info.record_seconds:.1f}s): {counts}\nfiles: {info.folder}"
    )


@audit_app.command("rows")
def audit_rows(
    ctx: typer.Context,
    audit_id: AuditArg,
    check_id: str,
    run: Annotated[int | None, typer.Option(help="run ID (default: the latest)")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, with each file's SHA-256")] = False,
) -> None:
    """A check's offending rows, each traced to its evidence file and row."""
    with _service(ctx) as (svc, actor):
        run_id, total, rows = svc.offending_rows(actor, audit_id, check_id, run, limit)
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table("#", "subject", "file", "row", "compensated by", "details", title=f"{check_id}, run {run_id}")
    for r in rows:
        comp = r["compensated_by"] or (f"expired: {r['expired_measure']}" if r["expired_measure"] else "")
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
    console.print(f"{len(rows)} of {total} row(s); --json adds each source file's SHA-256")


@audit_app.command("assess")
def audit_assess(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    result: Annotated[str | None, typer.Option(help="your verdict; omit to confirm the derived result")] = None,
    justification: Annotated[str | None, typer.Option(help="required when --result differs")] = None,
    if_version: VersionOpt = None,
) -> None:
    """Confirm a requirement's derived result, or assess it differently with a written justification."""
    with _service(ctx) as (svc, actor):
        version = svc.assess(actor, audit_id, requirement_id, result, justification, if_version)
    console.print(f"{requirement_id} assessed (version {version})")


@audit_app.command("attest")
def audit_attest(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    result: Annotated[str, typer.Option(help="met, not_met or not_applicable")],
    by: Annotated[str, typer.Option("--by", help="who attested (name, title)")],
    on: Annotated[str, typer.Option("--on", help="date attested, YYYY-MM-DD")],
    doc: Annotated[str | None, typer.Option("--doc", help="document reference")] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record a manual attestation."""
    with _service(ctx) as (svc, actor):
        att_id = svc.attest(actor, audit_id, requirement_id, result, by, _day(on), doc, note)
    console.print(f"attestation {att_id} recorded for {requirement_id}")


@audit_app.command("reconfirm")
def audit_reconfirm(
    ctx: typer.Context,
    attestation_id: int,
    by: Annotated[str, typer.Option("--by")],
    on: Annotated[str, typer.Option("--on")],
    doc: Annotated[str | None, typer.Option("--doc")] = None,
) -> None:
    """Re-confirm an attestation carried over from last year."""
    with _service(ctx) as (svc, actor):
        svc.reconfirm_attestation(actor, attestation_id, by, _day(on), doc)
    console.print(f"attestation {attestation_id} re-confirmed")


@audit_app.command("measure")
def audit_measure(
    ctx: typer.Context,
    audit_id: AuditArg,
    ref: Annotated[str, typer.Argument(help="the firm's ID of the measure, e.g. CM-2026-03")],
    description: Annotated[str, typer.Option()],
    requirement: Annotated[list[str], typer.Option("--requirement", help="requirement ID (repeat for several)")],
    approver: Annotated[str, typer.Option()],
    approved_on: Annotated[str, typer.Option()],
    review_by: Annotated[str, typer.Option(help="review / expiry date")],
) -> None:
    """Record a compensating measure; it compensates until its review date."""
    with _service(ctx) as (svc, actor):
        measure_id = svc.add_measure(
            actor, audit_id, ref, description, requirement, approver, _day(approved_on), _day(review_by)
        )
    console.print(f"measure {ref} recorded (id {measure_id})")


@audit_app.command("measure-review")
def audit_measure_review(
    ctx: typer.Context, measure_id: int, review_by: DateOpt, if_version: VersionOpt = None
) -> None:
    """Move a measure's review (expiry) date."""
    with _service(ctx) as (svc, actor):
        svc.update_measure(actor, measure_id, _day(review_by), if_version)
    console.print(f"measure {measure_id}: review by {review_by}")


@audit_app.command("remediation")
def audit_remediation(
    ctx: typer.Context,
    audit_id: AuditArg,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="only the IDs of items without an owner")] = False,
) -> None:
    """List the audit's remediation items."""
    with _service(ctx) as (svc, actor):
        snap = svc.snapshot(audit_id, actor)
    if unassigned:
        print("\n".join(str(i.item_id) for i in snap.remediation if i.owner is None))
        return
    today = dt.date.today()
    table = Table("item", "requirement", "result", "owner", "due", "status", "title")
    for i in snap.remediation:
        due = f"[red]{i.due_date} overdue[/]" if i.overdue(today) else (i.due_date or "")
        table.add_row(
            str(i.item_id),
            i.requirement_id,
            i.finding_result.value,
            i.owner or "[red]-[/]",
            due,
            i.status.value,
            i.title,
        )
    console.print(table)


@audit_app.command("remediate")
def audit_remediate(
    ctx: typer.Context,
    item_id: int,
    owner: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="due date, YYYY-MM-DD")] = None,
    status: Annotated[str | None, typer.Option(help="open, in_progress, done or accepted")] = None,
    note: Annotated[str | None, typer.Option(help="appended to the item's notes")] = None,
    if_version: VersionOpt = None,
) -> None:
    """Update a remediation item: owner, due date, status, notes."""
    with _service(ctx) as (svc, actor):
        version = svc.update_remediation(
            actor,
            item_id,
            owner=owner,
            due_date=_day(due) if due else None,
            status=status,
            note=note,
            expected_version=if_version,
        )
    console.print(f"remediation item {item_id} updated (version {version})")


@audit_app.command("overdue")
def audit_overdue(
    ctx: typer.Context,
    firm: Annotated[str | None, typer.Option()] = None,
    on: Annotated[str | None, typer.Option(help="default: today")] = None,
) -> None:
    """List open remediation items past their due date."""
    day = _day(on) if on else dt.date.today()
    table = Table("audit", "item", "requirement", "owner", "due", "status", "title")
    with _service(ctx) as (svc, actor):
        items = svc.overdue(actor, day, firm)
    for audit_id, i in items:
        table.add_row(
            str(audit_id),
            str(i.item_id),
            i.requirement_id,
            i.owner or "-",
            i.due_date or "",
            i.status.value,
            i.title,
        )
    console.print(table)
    console.print(f"{len(items)} overdue item(s) on {day}")


@audit_app.command("submit")
def audit_submit(ctx: typer.Context, audit_id: AuditArg) -> None:
    """Submit the audit for review (you become its preparer)."""
    with _service(ctx) as (svc, actor):
        svc.submit(actor, audit_id)
    console.print(f"audit {audit_id} submitted for review")


@audit_app.command("return")
def audit_return(ctx: typer.Context, audit_id: AuditArg, note: Annotated[str, typer.Option()]) -> None:
    """Return a submitted audit to draft, saying why."""
    with _service(ctx) as (svc, actor):
        svc.return_to_draft(actor, audit_id, note)
    console.print(f"audit {audit_id} returned to draft")


@audit_app.command("signoff")
def audit_signoff(
    ctx: typer.Context,
    audit_id: AuditArg,
    key: Annotated[Path | None, typer.Option(help="private key (default: CCAUDIT_KEY_PATH)")] = None,
) -> None:
    """Sign off (reviewer, not the preparer): freezes the audit and prints its digest."""
    from ccaudit.audit.signing import load_private_key

    settings = _settings(ctx)
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    private = load_private_key(key or settings.signing_key_path(), passphrase)
    with _service(ctx) as (svc, actor):
        digest = svc.signoff(actor, audit_id, private)
    console.print(f"audit {audit_id} signed off and frozen\ndigest (SHA-256): {digest}")


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    audit_id: AuditArg,
    out: Annotated[Path, typer.Option(help="ARCHIVE.zip, or a folder")],
) -> None:
    """Write the signed audit's read-only archive (check it with `ccaudit verify ARCHIVE`)."""
    with _service(ctx) as (svc, actor):
        path = svc.export(actor, audit_id, out)
    console.print(f"archive written to {path}")


@audit_app.command("carryover")
def audit_carryover(
    ctx: typer.Context,
    audit_id: Annotated[int, typer.Argument(help="last year's signed audit")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="default: a year after last year's")] = None,
    year: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Open next year's audit, carrying over open remediation, valid measures and attestations."""
    with _service(ctx) as (svc, actor):
        new_id, carried = svc.carry_over(actor, audit_id, _day(as_of) if as_of else None, year)
    console.print(
        f"audit {new_id} opened from audit {audit_id}: {len(carried.remediation)} remediation item(s), "
        f"{len(carried.measures)} measure(s), {len(carried.attestations)} attestation(s) to re-confirm"
    )
    for line in carried.left_behind:
        console.print(f"  not carried: {line}")


@audit_app.command("diff")
def audit_diff(
    ctx: typer.Context, old: int, new: int, all_rows: Annotated[bool, typer.Option("--all")] = False
) -> None:
    """What improved or regressed between two audits, and why."""
    from ccaudit.audit.diff import Change

    with _service(ctx) as (svc, actor):
        result = svc.diff(actor, old, new)
    table = Table("requirement", "change", "before", "after", "why", title=f"{result.old} → {result.new}")
    for r in result.requirements:
        if r.change is Change.UNCHANGED and not all_rows:
            continue
        style = {"improved": "green", "regressed": "bold red"}.get(r.change.value, "")
        table.add_row(
            r.requirement_id,
            f"[{style}]{r.change.value}[/]" if style else r.change.value,
            r.before.value if r.before else "-",
            r.after.value if r.after else "-",
            "; ".join(r.why),
        )
    console.print(table)
    console.print(" · ".join(f"{c.value}: {result.count(c)}" for c in Change if result.count(c)))


@audit_app.command("trail")
def audit_trail(ctx: typer.Context, audit_id: AuditArg) -> None:
    """The audit's trail: who changed what, when."""
    from ccaudit.audit import trail

    with _service(ctx) as (svc, actor):
        svc.snapshot(audit_id, actor)  # permission check
        with svc.db.read() as s:
            entries = list(trail.iter_entries(s, audit_id))
    table = Table("#", "when", "who", "action", "entity")
    for e in entries:
        table.add_row(str(e["seq"]), e["at"], e["actor"], e["action"], f"{e['entity']} {e['entity_id'] or ''}")
    console.print(table)


def verify(
    archive: Annotated[Path | None, typer.Argument(help="an exported archive; omit to verify the database")] = None,
    db: DbOpt = None,
    no_files: Annotated[bool, typer.Option("--no-files", help="skip re-hashing the run folders' files")] = False,
) -> None:
    """Verify the trail's chain and every frozen audit's digest, or an exported archive offline."""
    if archive is not None:
        from ccaudit.audit.archive_verify import verify_archive

        report = verify_archive(archive)
        what = str(archive)
    else:
        from ccaudit.audit.service import AuditService

        service = AuditService.open(_load_settings(db))
        try:
            report = service.verify(check_files=not no_files)
        finally:
            service.close()
        what = "the audit database"
    _print_verify(what, report)
    if not report.ok:
        raise typer.Exit(1)


def _print_verify(what: str, report: VerifyReport) -> None:
    checked = ", ".join(f"{v} {k}" for k, v in report.checked.items())
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}")
    if report.ok:
        console.print(f"[green]verified[/] {what}: {checked}")
        return
    err_console.print(f"[bold red]verification failed[/] for {what}; first mismatch: {report.problems[0]}")
    for problem in report.problems[1:]:
        err_console.print(f"  - {problem}")
    err_console.print(f"({len(report.problems)} problem(s); checked {checked})")
