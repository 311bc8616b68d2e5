"""`ccaudit policies scan`: the firm's policy documents read against the topics each clause's rules must
cover; a proposal per clause that an auditor confirms or rejects in the audit (`ccaudit audit policies`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ccaudit.catalog.loader import DEFAULT_CATALOG
from ccaudit.cli.console import console, print_line, print_warning
from ccaudit.dates import DateInputError, parse_user_date
from ccaudit.policies.models import ClauseProposal, PolicyCoverage
from ccaudit.policies.texts import HEADERS, PROPOSAL, TOPIC_STATUS, msg, say
from ccaudit.settings import Settings, normalise_lang
from ccaudit.textsafe import visible

policies_app = typer.Typer(help="Policy documents: which clauses' topics they cover (a proposal for the auditor).",
                           no_args_is_help=True)

PROPOSAL_STYLE = {"covered": "green", "partly_covered": "yellow", "not_found": "bold red"}


def table_lang(lang: str, result: PolicyCoverage | None = None) -> str:
    if lang.strip().lower() == "auto":
        return result.language if result is not None else "en"
    try:
        return normalise_lang(lang)
    except ValueError as exc:
        raise typer.BadParameter(f"--lang: {exc} (or auto)") from None


def coverage_table(clauses: list[ClauseProposal], lang: str, decisions: dict[str, str] | None = None) -> Table:
    """One row per clause topic: found or not, the first passage (where, excerpt)."""
    table = Table(title=say(HEADERS, "title", lang), show_lines=False)
    table.add_column(f"{say(HEADERS, 'clause', lang)} / {say(HEADERS, 'proposal', lang)}", overflow="fold")
    for key in ("topic", "status", "excerpt"):
        table.add_column(say(HEADERS, key, lang), overflow="fold", ratio=3 if key == "excerpt" else None)
    if decisions is not None:
        table.add_column(say(HEADERS, "decision", lang), overflow="fold")
    for c in clauses:
        for i, t in enumerate(c.topics):
            first = t.quotes[0] if t.quotes else None
            head = Text.assemble(c.requirement_id, "\n",
                                 (say(PROPOSAL, c.proposal.value, lang), PROPOSAL_STYLE[c.proposal.value]))
            quoted = Text(visible(first.where(lang)), style="dim") if first else Text("")
            if first:
                quoted.append("\n" + visible(_short(first.excerpt)))
            row: list[str | Text] = [
                head if i == 0 else "",
                t.title.get(lang),
                Text(say(TOPIC_STATUS, t.status, lang), style="green" if t.status == "covered" else "red"),
                quoted,
            ]
            if decisions is not None:
                row.append(Text(visible(decisions.get(c.requirement_id, ""))) if i == 0 else "")
            table.add_row(*row, end_section=i == len(c.topics) - 1)
    return table


def register_table(result: PolicyCoverage, lang: str) -> Table:
    """Each register row: the document it names and the topics it lists that the document does not cover."""
    table = Table(title=msg("register_title", lang, name=result.register_file or ""))
    for key in ("register_row", "documents", "claimed", "not_in_document", "no_rule"):
        table.add_column(say(HEADERS, key, lang), overflow="fold")
    for r in result.register_rows:
        missing = Text(", ".join(r.not_found), style="bold red") if r.not_found else Text("-", style="green")
        table.add_row(
            Text(visible(f"{r.doc_id} {r.title} (#{r.row})")),
            Text(visible(r.document)) if r.document else Text(say(HEADERS, "no_document", lang), style="bold red"),
            ", ".join(r.claimed), missing if r.document else "", ", ".join(r.no_rule),
        )
    return table


def _short(excerpt: str, limit: int = 90) -> str:
    return excerpt if len(excerpt) <= limit else excerpt[: limit - 1] + "…"


@policies_app.command("scan")
def scan_cmd(
    docs: Annotated[list[Path], typer.Argument(help="policy documents (PDF, DOCX, ODT, Markdown, text) or folders")],
    out: Annotated[Path, typer.Option("--out", help="folder for policy_coverage.json, policy_passages.csv and "
                                                    "documents/blobs/")],
    lang: Annotated[str, typer.Option("--lang", help="language of the table: auto (the documents'), en or zh-TW")]
    = "auto",
    as_of: Annotated[str | None, typer.Option("--as-of", help="use the catalog in force on this date "
                                                             "(default today)")] = None,
    catalog_id: Annotated[str, typer.Option("--catalog")] = DEFAULT_CATALOG,
    register: Annotated[Path | None, typer.Option(
        "--register", help="the firm's policy_documents register (any form `ccaudit inspect` reads): compare the "
        "topics each row lists with what its document says")] = None,
) -> None:
    """Read policy documents and propose, per clause, which topics they cover, with the passages."""
    from ccaudit.policies.scan import scan

    try:
        day = parse_user_date(as_of) if as_of else dt.date.today()
    except DateInputError as exc:
        raise typer.BadParameter(str(exc)) from None
    table_lang(lang)  # a bad --lang is refused before anything is read
    result = scan(docs, out, Settings(), as_of=day, catalog_id=catalog_id, register=register)
    shown = table_lang(lang, result)
    for d in result.documents:
        pages = msg("pages", shown, pages=d.pages) if d.pages is not None else ""
        print_line(visible(msg("document", shown, doc_id=d.doc_id, name=d.name, format=d.format, pages=pages,
                               passages=d.passages, language=d.language, sha=f"{d.sha256[:16]}…")))
        for w in d.warnings:
            print_warning(visible(f"{d.name}: {w}"), shown)
    for s in result.skipped:
        print_line(visible(msg("not_read", shown, name=s.name, reason=s.reason)))
    console.print(coverage_table(result.clauses, shown))
    counts = {p: sum(c.proposal.value == p for c in result.clauses) for p in PROPOSAL}
    print_line(", ".join(f"{say(PROPOSAL, p, shown)} {n}" for p, n in counts.items()))
    if result.register_file is not None:
        console.print(register_table(result, shown))
        for name in result.unregistered:
            print_line(visible(msg("unregistered", shown, name=name)))
    print_line(visible(msg("written", shown, files=f"{out / 'policy_coverage.json'}, {out / 'policy_passages.csv'}")))
    print_line(msg("proposal_only", shown))


@policies_app.command("topics")
def topics_cmd(
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh-TW (default: CCAUDIT_LANG, else en)")] = None,
    clause: Annotated[str | None, typer.Option("--clause", help="only this clause, e.g. 12.1.1")] = None,
) -> None:
    """List what each clause's rules must cover and the phrases searched for (content/policy_topics.yaml)."""
    from ccaudit.cli.audit.common import load_settings
    from ccaudit.policies.topics import default_path, load_rules

    shown = table_lang(lang) if lang else load_settings(None).lang
    rules = load_rules()
    if clause is not None and clause not in rules.clauses:
        raise typer.BadParameter(msg("no_topic_rules", shown, clause=clause, clauses=", ".join(rules.clauses)))
    table = Table(title=f"{default_path().name} (SHA-256 {rules.sha256[:16]}…)")
    for key in ("clause", "topic"):
        table.add_column(say(HEADERS, key, shown), overflow="fold")
    table.add_column("zh-TW", overflow="fold", ratio=2)
    table.add_column("en", overflow="fold", ratio=2)
    for clause_id, c in rules.clauses.items():
        if clause is not None and clause_id != clause:
            continue
        for i, t in enumerate(c.topics):
            table.add_row(clause_id if i == 0 else "", f"{t.title.get(shown)} ({t.id})", _rules(t.zh), _rules(t.en),
                          end_section=i == len(c.topics) - 1)
    console.print(table)
    print_line(msg("rules_hint", shown))


def _rules(rules: tuple[str | list[str], ...]) -> str:
    return "; ".join(r if isinstance(r, str) else "[" + " + ".join(r) + "]" for r in rules)


def register(app: typer.Typer) -> None:
    app.add_typer(policies_app, name="policies")
