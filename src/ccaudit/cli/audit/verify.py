"""`ccaudit verify`: the audit database (trail, records, digests, signatures, files) or an archive."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccaudit.cli.audit import texts as tx
from ccaudit.cli.audit.common import DbOpt, LangOpt, load_settings
from ccaudit.cli.console import console, err_console, styled

if TYPE_CHECKING:
    from ccaudit.audit.integrity.verify import VerifyReport


def verify(
    archive: Annotated[Path | None, typer.Argument(help="an exported archive; omit to verify the database")] = None,
    db: DbOpt = None,
    no_files: Annotated[bool, typer.Option("--no-files", help="skip re-hashing the run folders' files")] = False,
    trusted_keys: Annotated[
        Path | None,
        typer.Option("--trusted-keys", help="public keys (PEM) or fingerprints to require of every signer"),
    ] = None,
    anchors: Annotated[
        Path | None,
        typer.Option("--anchors", help="trail anchors to check the database against (default: CCAUDIT_ANCHOR_DIR)"),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Verify the trail's chain and every frozen audit's digest, or an exported archive offline."""
    from ccaudit.audit.integrity.trusted import TrustedKeys

    language = load_settings(None, lang).lang
    trusted = TrustedKeys.load(trusted_keys) if trusted_keys is not None else None
    unchecked_anchors: Path | None = None  # the default anchor folder, when it is missing
    if archive is not None and anchors is not None:
        raise typer.BadParameter("--anchors checks a database's trail; an archive's sign-off anchor is checked anyway")
    if archive is not None:
        from ccaudit.audit.integrity.archive_verify import verify_archive

        report = verify_archive(archive, trusted)
        what = str(archive)
    else:
        from ccaudit.audit.service import AuditService

        settings = load_settings(db)
        default_dir = settings.anchor_path()
        anchor_dir = anchors if anchors is not None else (default_dir if default_dir.is_dir() else None)
        if anchor_dir is None:
            unchecked_anchors = default_dir
        service = AuditService.open(settings, read_only=True)  # never creates or migrates
        try:
            report = service.verify(check_files=not no_files, anchor_dir=anchor_dir, trusted=trusted)
        finally:
            service.close()
        what = tx.say("the_database", language)
    _print_verify(what, report, language)
    if unchecked_anchors is not None:
        # said even with no signed-off audit in sight: a rewound trail shows none either
        err_console.print(styled(tx.say("warning", language), "yellow",
                                 tx.say("no_anchors", language, dir=unchecked_anchors)),
                          highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def _print_verify(what: str, report: VerifyReport, lang: str) -> None:
    """The frame in --lang; each problem and warning as verify worded it (it names files and commands)."""
    checked = tx.checked(report.checked, lang)
    for warning in report.warnings:
        err_console.print(styled(tx.say("warning", lang), "yellow", tx.worded(warning, lang)), highlight=False,
                          soft_wrap=True)
    for sig in report.signatures:
        console.print(tx.say("signed_with", lang, audit=sig.audit, signer=sig.signer, fingerprint=sig.fingerprint,
                             digest=sig.digest))
    if report.ok:
        done = tx.say("verified_what", lang, what=what, checked=checked)
        console.print(styled(tx.say("verified", lang), "green", done))
        return
    err_console.print(styled(tx.say("verify_failed", lang), "bold red",
                             tx.say("failed_what", lang, what=what, problem=tx.worded(report.problems[0], lang))),
                      soft_wrap=True)  # problems name files: printed whole, to be copied
    for problem in report.problems[1:]:
        err_console.print(f"  - {tx.worded(problem, lang)}", soft_wrap=True)
    err_console.print(tx.say("problems", lang, count=len(report.problems), checked=checked))
