"""What the audit commands share: the --db and --lang options, settings, the service for one command, dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.settings import Settings, normalise_lang

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ccaudit.audit.service import AuditService

# Every command that opens the audit database declares `db: DbOpt = None` (those that print tables also
# `lang: LangOpt = None`), so `--db URL` sits in the same place on every command; settings_of() reads
# both from the command's parsed parameters.
DbOpt = Annotated[
    str | None,
    typer.Option("--db", metavar="URL", help="audit database URL (default: CCAUDIT_DB, else SQLite in the data dir)"),
]
LangOpt = Annotated[str | None, typer.Option("--lang", help="en or zh-TW (default: CCAUDIT_LANG, else en)")]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="your private key (default: CCAUDIT_KEY_PATH)")]


def load_settings(db: str | None, lang: str | None = None) -> Settings:
    update: dict[str, str] = {"db": db} if db else {}
    if lang:
        try:
            update["lang"] = normalise_lang(lang)
        except ValueError as exc:
            raise typer.BadParameter(f"--lang: {exc}") from None
    settings = Settings().model_copy(update=update)
    COMMAND_LANG[:] = [settings.lang]
    return settings


# The language of the command running (its --lang, else CCAUDIT_LANG), once its settings are read: main() says
# a refusal in it. Emptied by main() before each command (the tests run many in one process).
COMMAND_LANG: list[str] = []


def settings_of(ctx: typer.Context) -> Settings:
    """The settings with this command's --db and --lang (and `audit run`'s --engine options) applied."""
    from ccaudit.cli.engines import with_engine

    settings = load_settings(ctx.params.get("db"), ctx.params.get("lang"))
    return with_engine(settings, ctx.params.get("engine"), ctx.params.get("engine_url"),
                       bool(ctx.params.get("keep_schema")))


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
