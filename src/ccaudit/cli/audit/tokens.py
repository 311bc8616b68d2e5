"""`ccaudit token create|list|revoke`: API tokens for automation, acting as the user who makes them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from ccaudit.cli.audit.common import DbOpt, LangOpt, day, service, settings_of
from ccaudit.cli.audit.texts import local_time
from ccaudit.cli.console import console, print_line
from ccaudit.findings.messages import is_zh

if TYPE_CHECKING:  # the token store brings SQLAlchemy; only the commands' bodies open it
    from ccaudit.audit.people.tokens import TokenInfo

token_app = typer.Typer(
    help="API tokens for the REST API (e.g. a pipeline uploading logs nightly): each acts as you, never more.",
    no_args_is_help=True,
)

DEFAULT_DAYS = 90

# (en, zh-TW)
WORDS: dict[str, tuple[str, str]] = {
    "created": (
        "token {id} '{name}' for {user}: {scope}; {expiry}",
        "權杖 {id}「{name}」（{user}）：{scope}；{expiry}",
    ),
    "shown_once": (
        "the token is shown this once; keep it in your pipeline's secret store (it is stored only as a hash):",
        "此權杖僅顯示這一次，請存放於排程系統之機密儲存（系統僅保存其雜湊值）：",
    ),
    "every_firm": ("every firm of the user's", "使用者有角色之所有公司"),
    "firm": ("firm {firm} only", "僅限公司 {firm}"),
    "read_only": ("read-only", "唯讀"),
    "read_write": ("read and write (as the user's roles allow)", "可讀寫（依使用者角色）"),
    "expires": ("expires {at}", "到期 {at}"),
    "never": ("never expires", "永不到期"),
    "revoked": ("token {id} '{name}' revoked", "權杖 {id}「{name}」已撤銷"),
    "none": ("no tokens", "無權杖"),
    "active": ("active", "有效"),
    "expired": ("expired", "已到期"),
    "revoked_state": ("revoked", "已撤銷"),
}
HEADERS: dict[str, tuple[str, str]] = {
    "id": ("ID", "編號"),
    "name": ("name", "名稱"),
    "user": ("user", "使用者"),
    "firm": ("firm", "公司"),
    "access": ("access", "權限"),
    "expires": ("expires", "到期"),
    "last_used": ("last used", "最近使用"),
    "state": ("state", "狀態"),
}
STATE_WORD = {"active": "active", "expired": "expired", "revoked": "revoked_state"}


def _w(key: str, lang: str, **values: object) -> str:
    pair = WORDS[key]
    return (pair[1] if is_zh(lang) else pair[0]).format(**values)


def _h(key: str, lang: str) -> str:
    pair = HEADERS[key]
    return pair[1] if is_zh(lang) else pair[0]


def _when(value: dt.datetime | None, zone: str) -> str:
    return local_time(value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), zone) if value else ""


def _expiry(expires: str | None, days: int | None, no_expiry: bool, zone: str, today: dt.date) -> dt.datetime | None:
    """--expires DAY (valid through that day, in the firm's zone), --days N (from now) or --no-expiry."""
    given = sum(x is not None and x is not False for x in (expires, days, no_expiry or None))
    if given > 1:
        raise typer.BadParameter("give one of --expires, --days and --no-expiry")
    if no_expiry:
        return None
    if expires is not None:
        last = day(expires)
        if last < today:
            raise typer.BadParameter(f"--expires {expires}: that day has passed")
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), ZoneInfo(zone))
    n = DEFAULT_DAYS if days is None else days
    if not 1 <= n <= 3660:
        raise typer.BadParameter(f"--days takes 1 to 3660, not {n}")
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=n)


def _scope(info: TokenInfo, lang: str) -> str:
    firm = _w("firm", lang, firm=info.firm_id) if info.firm_id else _w("every_firm", lang)
    return f"{firm}{'，' if lang.startswith('zh') else ', '}{_w('read_only' if info.read_only else 'read_write', lang)}"


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="what uses the token, e.g. 'nightly VPN upload'")],
    firm: Annotated[str | None, typer.Option("--firm", help="only this firm (default: every firm of yours)")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="reads only: every change is refused")] = False,
    expires: Annotated[
        str | None, typer.Option("--expires", metavar="DAY", help="last valid day, ISO or ROC (firm's zone)")
    ] = None,
    days: Annotated[int | None, typer.Option("--days", help=f"valid for N days (default {DEFAULT_DAYS})")] = None,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="never expires (revoke it when done)")] = False,
    user: Annotated[str | None, typer.Option("--user", help="make it for another user (superuser)")] = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Make an API token acting as you (your roles, never more); it is shown once."""
    settings = settings_of(ctx)
    zone = settings.firm_timezone
    expires_at = _expiry(expires, days, no_expiry, zone, dt.datetime.now(ZoneInfo(zone)).date())
    with service(ctx) as (svc, actor):
        token, info = svc.tokens.create(actor, name, user_id=user, firm_id=firm, read_only=read_only,
                                        expires_at=expires_at)  # fmt: skip
    lang_ = settings.lang
    expiry = _w("expires", lang_, at=_when(info.expires_at, zone)) if info.expires_at else _w("never", lang_)
    print_line(_w("created", lang_, id=info.id, name=info.name, user=info.user_id, scope=_scope(info, lang_),
                  expiry=expiry))  # fmt: skip
    print_line(_w("shown_once", lang_))
    print_line(token)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    every_user: Annotated[bool, typer.Option("--all", help="every user's tokens (superuser)")] = False,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Your tokens (never the tokens themselves): scope, expiry, last use, state."""
    settings = settings_of(ctx)
    lang_, zone = settings.lang, settings.firm_timezone
    with service(ctx) as (svc, actor):
        tokens = svc.tokens.list_tokens(actor, every_user)
        now = svc.clock()
    if not tokens:
        print_line(_w("none", lang_))
        return
    table = Table(*(_h(k, lang_) for k in HEADERS))
    for t in tokens:
        access = _w("read_only" if t.read_only else "read_write", lang_)
        table.add_row(str(t.id), t.name, t.user_id, t.firm_id or _w("every_firm", lang_), access,
                      _when(t.expires_at, zone) or _w("never", lang_), _when(t.last_used_at, zone),
                      _w(STATE_WORD[t.state_on(now)], lang_))  # fmt: skip
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="the token's ID (ccaudit token list)")],
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """End one of your tokens now (a superuser: anyone's); recorded in the trail."""
    with service(ctx) as (svc, actor):
        info = svc.tokens.revoke(actor, token_id)
    print_line(_w("revoked", settings_of(ctx).lang, id=info.id, name=info.name))
