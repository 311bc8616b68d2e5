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

    if (digest is None) == (anchor is None):
        raise typer.BadParameter("give either the digest or --anchor FILE")
    settings = load_settings(None)
    path = key or settings.signing_key_path()
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    try:
        encrypted = b"ENCRYPTED" in path.read_bytes()[:200]
    except OSError:
        encrypted = False  # load_private_key names the problem
    if encrypted and passphrase is None:
        passphrase = typer.prompt(f"passphrase of {path}", hide_input=True)
    private = load_private_key(path, passphrase)
    if digest is not None:
        value = digest.strip().lower()
        if not DIGEST.match(value):
            raise typer.BadParameter(f"a sign-off digest is 64 hex digits, not {digest!r}")
        signature = sign(private, value)
        what = f"sign-off digest {value}"
    else:
        assert anchor is not None
        try:
            request = anchors.parse(anchor.read_bytes())
        except OSError as exc:
            raise typer.BadParameter(f"--anchor: cannot read {anchor}: {exc.strerror}") from None
        except ValueError as exc:
            raise typer.BadParameter(f"--anchor: {anchor} is not an anchor request ({exc})") from None
        if request.fingerprint != fingerprint(private.public_key()):
            raise typer.BadParameter(
                f"--anchor: the request is for key {request.fingerprint}, not this key "
                f"({fingerprint(private.public_key())}); sign with the key you signed off with"
            )
        signature = request.signed_with(private).signature
        what = f"anchor of trail entry #{request.seq} (audit {request.audit_id})"
    if out is not None:
        out.write_text(signature + "\n", encoding="ascii")
    err_console.print(f"signed the {what} with key {fingerprint(private.public_key())}", highlight=False,
                      soft_wrap=True)
    print(signature)  # alone on stdout: `ccaudit audit sign-digest … > sig.txt` is the file to upload
