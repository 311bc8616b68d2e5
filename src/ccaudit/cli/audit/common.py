"""What the audit commands share: the --db option, settings, the service for one command, dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ccaudit.audit.service import AuditService

DbOpt = Annotated[str | None, typer.Option("--db", help="database URL (default: CCAUDIT_DB, else SQLite)")]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="your private key (default: CCAUDIT_KEY_PATH)")]


def load_settings(db: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"db": db}) if db else settings


def settings_of(ctx: typer.Context) -> Settings:
    """The settings with the group's --db applied (the group callback stores it in ctx.obj)."""
    return load_settings(ctx.obj)


def keep_db(ctx: typer.Context, db: DbOpt = None) -> None:
    """Group callback: remember --db for the command that follows."""
    ctx.obj = db


@contextmanager
def service(ctx: typer.Context) -> Iterator[tuple[AuditService, str | None]]:
    """The audit service for one command, and the acting user (CCAUDIT_USER)."""
    from ccaudit.audit.service import AuditService

    settings = settings_of(ctx)
    svc = AuditService.open(settings)
    try:
        yield svc, settings.user
    finally:
        svc.close()


def signing_key(ctx: typer.Context, path: Path | None) -> Ed25519PrivateKey:
    """The acting user's private key: --key, else CCAUDIT_KEY_PATH, else DATA_DIR/keys/<user>.pem."""
    from ccaudit.audit.integrity.signing import load_private_key

    settings = settings_of(ctx)
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    return load_private_key(path or settings.signing_key_path(), passphrase)


def day(value: str) -> dt.date:
    """A typed date, Gregorian or ROC (ccaudit.dates: the evidence import's rules)."""
    try:
        return parse_user_date(value)
    except DateInputError as exc:
        raise typer.BadParameter(str(exc)) from None
