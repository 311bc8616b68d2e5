"""`ccaudit firm …` and `ccaudit user …`: firms, users, roles per firm, passwords and signing keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from ccaudit.cli.audit import texts as tx
from ccaudit.cli.audit.common import DbOpt, LangOpt, day, service, settings_of
from ccaudit.cli.console import console

firm_app = typer.Typer(help="Firms audited in this database.", no_args_is_help=True)
user_app = typer.Typer(help="Users, their roles per firm, passwords and signing keys.", no_args_is_help=True)


@firm_app.command("add")
def firm_add(
    ctx: typer.Context,
    firm_id: str,
    name: str,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Add a firm (superuser)."""
    with service(ctx) as (svc, actor):
        svc.add_firm(actor, firm_id, name)
    console.print(tx.say("firm_added", settings_of(ctx).lang, firm=firm_id))


@firm_app.command("list")
def firm_list(
    ctx: typer.Context,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """List the firms."""
    with service(ctx) as (svc, _):
        for firm_id, name in svc.list_firms():
            console.print(f"{firm_id}\t{name}")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    user_id: str,
    name: Annotated[str, typer.Option(help="full name")],
    password: Annotated[bool, typer.Option("--password", help="prompt for a password (for the web app)")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Add a user. The first user of a new database adds themselves and is the superuser."""
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    with service(ctx) as (svc, actor):
        info = svc.add_user(actor, user_id, name, secret)
    lang = settings_of(ctx).lang
    console.print(tx.say("user_added", lang, user=info.id) + (tx.say("superuser", lang) if info.is_superuser else ""))


@user_app.command("grant")
def user_grant(
    ctx: typer.Context,
    user_id: str,
    firm_id: str,
    role: str,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Give a user a role for a firm: admin, auditor, reviewer, control_owner or viewer."""
    with service(ctx) as (svc, actor):
        svc.grant(actor, user_id, firm_id, role)
    lang = settings_of(ctx).lang
    console.print(tx.say("granted", lang, user=user_id, role=tx.role(role, lang), firm=firm_id))


@user_app.command("revoke")
def user_revoke(
    ctx: typer.Context,
    user_id: str,
    firm_id: str,
    role: str,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Take a role away."""
    with service(ctx) as (svc, actor):
        svc.revoke(actor, user_id, firm_id, role)
    lang = settings_of(ctx).lang
    console.print(tx.say("role_revoked", lang, user=user_id, role=tx.role(role, lang), firm=firm_id))


@user_app.command("inspector")
def user_inspector(
    ctx: typer.Context,
    user_id: str,
    firm_id: Annotated[str, typer.Option("--firm", help="the firm to inspect (you are its admin)")],
    until: Annotated[str | None, typer.Option(
        "--until", help="last day of access, 2027-03-31 or ROC 116/03/31 (through that day)")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="end the user's access to the firm now")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Give a user read-only access to a firm until a date (an inspector), or take it back; in the trail."""
    settings = settings_of(ctx)
    if revoke == (until is not None):
        raise typer.BadParameter("give --until DATE to grant, or --revoke to end the access")
    with service(ctx) as (svc, actor):
        if revoke:
            svc.revoke_inspector(actor, user_id, firm_id)
            console.print(tx.say("inspector_revoked", settings.lang, user=user_id, firm=firm_id))
            return
        last = day(until or "")
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), ZoneInfo(settings.firm_timezone))
        svc.grant_inspector(actor, user_id, firm_id, end.astimezone(dt.UTC))
    console.print(tx.say("inspector_granted", settings.lang, user=user_id, firm=firm_id, until=last.isoformat()))


@user_app.command("mfa-reset")
def user_mfa_reset(
    ctx: typer.Context,
    user_id: str,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Forget a user's web second factor (a lost phone) and end their web sessions; they enrol again."""
    with service(ctx) as (svc, actor):
        had = svc.reset_mfa(actor, user_id)
    console.print(tx.say("mfa_reset" if had else "mfa_none", settings_of(ctx).lang, user=user_id))


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """List users, their roles and key fingerprints."""
    lang = settings_of(ctx).lang
    table = Table(*(tx.header(k, lang) for k in ("user", "name", "roles", "password", "key")))
    with service(ctx) as (svc, _):
        for u in svc.list_users():
            roles = "; ".join(f"{firm}: {', '.join(tx.role(x, lang) for x in r)}" for firm, r in u.roles.items())
            roles = (f"{tx.say('superuser_role', lang)}; " if u.is_superuser else "") + roles
            password = tx.say("set", lang) if u.has_password else ""
            table.add_row(u.id, u.name, roles, password, u.key_fingerprint or "")
    console.print(table)


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    user_id: Annotated[str | None, typer.Argument()] = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Set a password (argon2-hashed) for yourself, or for another user as superuser."""
    lang = settings_of(ctx).lang
    secret = typer.prompt(tx.say("new_password", lang), hide_input=True,
                          confirmation_prompt=tx.say("repeat_password", lang))
    with service(ctx) as (svc, actor):
        svc.set_password(actor, user_id or actor or "", secret)
    console.print(tx.say("password_set", settings_of(ctx).lang))


@user_app.command("key")
def user_key(
    ctx: typer.Context,
    user_id: Annotated[
        str | None, typer.Argument(help="another user whose key you (a firm admin) register, replace or revoke")
    ] = None,
    public_key: Annotated[Path | None, typer.Option(help="register this public key (PEM)")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="revoke the user's key (firm admin)")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Register your first signing key (created at CCAUDIT_KEY_PATH unless --public-key); a firm admin
    registers, replaces or revokes another user's key (recorded in the trail of each of their firms)."""
    from ccaudit.audit.integrity.signing import generate_key, public_pem, read_public_pem

    settings = settings_of(ctx)
    lang = settings.lang
    other = user_id is not None and user_id != settings.user
    if other and public_key is None and not revoke:
        raise typer.BadParameter(f"give {user_id}'s public key (--public-key FILE) or --revoke")
    if public_key is not None and revoke:
        raise typer.BadParameter("--public-key and --revoke do not go together")
    if revoke and user_id is None:
        raise typer.BadParameter("--revoke needs the user whose key to revoke: ccaudit user key USER --revoke")
    with service(ctx) as (svc, actor):
        if user_id is not None and (other or revoke):
            if revoke:
                change = svc.revoke_key(actor, user_id)
                done = tx.say("key_revoked", lang, fingerprint=change.previous)
            else:
                change = svc.assign_key(actor, user_id, read_public_pem(public_key or Path()))
                was = tx.say("key_was", lang, fingerprint=change.previous) if change.previous else ""
                done = tx.say("key_registered", lang, fingerprint=change.fingerprint) + was
            firms = ", ".join(change.firms) or tx.say("no_firm", lang)
            console.print(tx.say("key_recorded", lang, user=change.user_id, done=done, firms=firms))
            return
        if public_key is not None:
            pem = read_public_pem(public_key)
        else:
            svc.check_first_key(actor)  # before a key file is written for nothing
            path = settings.signing_key_path()
            passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
            pem = public_pem(generate_key(path, passphrase).public_key())
            console.print(tx.say("key_written", lang, path=path))
        fingerprint = svc.register_key(actor, pem)
    console.print(tx.say("key_registered", lang, fingerprint=fingerprint))
