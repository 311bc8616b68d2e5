"""`ccaudit audit sign-digest`: sign an audit's sign-off digest (or the anchor of that sign-off) with
your own key, on your own machine, for the web application's "sign on my machine" sign-off. It reads
no database: what it signs is exactly what it is given, and it prints only the signature."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.audit.common import KeyOpt, load_settings
from ccaudit.cli.console import err_console
from ccaudit.cli.texts import os_problem, say
from ccaudit.textsafe import visible

DIGEST = re.compile(r"^[0-9a-f]{64}$")


def sign_digest(
    digest: Annotated[str | None, typer.Argument(help="the sign-off digest the page shows (64 hex digits)")] = None,
    anchor: Annotated[
        Path | None, typer.Option("--anchor", help="an anchor request file the page offers (instead of a digest)")
    ] = None,
    key: KeyOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="also write the signature to this file")] = None,
) -> None:
    """Sign a sign-off digest (or, with --anchor, the sign-off's trail anchor) with your key; prints the
    signature to paste or upload on the sign-off page."""
    from ccaudit.audit.integrity import anchors
    from ccaudit.audit.integrity.signing import fingerprint, load_private_key
    from ccaudit.audit.integrity.signing import sign_digest as sign

    settings = load_settings(None)
    lang = settings.lang
    if (digest is None) == (anchor is None):
        raise typer.BadParameter(say("digest_or_anchor", lang))
    path = key or settings.signing_key_path()
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    try:
        encrypted = b"ENCRYPTED" in path.read_bytes()[:200]
    except OSError:
        encrypted = False  # load_private_key names the problem
    if encrypted and passphrase is None:
        passphrase = typer.prompt(say("passphrase_of", lang, path=path), hide_input=True)
    private = load_private_key(path, passphrase)
    if digest is not None:
        value = digest.strip().lower()
        if not DIGEST.match(value):
            raise typer.BadParameter(say("not_a_digest", lang, value=repr(digest)))
        signature = sign(private, value)
        said = say("signed_digest", lang, digest=value, fingerprint=fingerprint(private.public_key()))
    else:
        assert anchor is not None
        try:
            request = anchors.parse(anchor.read_bytes())
        except OSError as exc:
            raise typer.BadParameter(say("anchor_unreadable", lang, path=visible(str(anchor)),
                                         problem=os_problem(exc, lang))) from None
        except ValueError as exc:
            raise typer.BadParameter(say("anchor_not_request", lang, path=visible(str(anchor)),
                                         problem=visible(str(exc)))) from None
        if request.fingerprint != fingerprint(private.public_key()):
            raise typer.BadParameter(say("anchor_other_key", lang, requested=request.fingerprint,
                                         this=fingerprint(private.public_key())))
        signature = request.signed_with(private).signature
        said = say("signed_anchor", lang, seq=request.seq, audit=request.audit_id,
                   fingerprint=fingerprint(private.public_key()))
    if out is not None:
        out.write_text(signature + "\n", encoding="ascii")
    err_console.print(said, highlight=False, soft_wrap=True)
    print(signature)  # alone on stdout: `ccaudit audit sign-digest … > sig.txt` is the file to upload
