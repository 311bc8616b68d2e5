"""`ccaudit audit trail` and `ccaudit audit history`: the trail as a story, with what each entry changed,
times in the firm's zone (CCAUDIT_FIRM_TIMEZONE, with the offset) and words in --lang."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ccaudit.cli.audit import texts as tx
from ccaudit.cli.audit.common import DbOpt, LangOpt, service, settings_of
from ccaudit.cli.audit.texts import ENTITY, code_value, header, local_time
from ccaudit.cli.console import console

if TYPE_CHECKING:
    from ccaudit.audit.integrity.changes import FieldChange, TrailStep

AuditArg = Annotated[int, typer.Argument(metavar="AUDIT_ID", help="audit ID (see `ccaudit audit list`)")]
LONGEST = 80


def audit_trail(ctx: typer.Context, audit_id: AuditArg, db: DbOpt = None, lang: LangOpt = None) -> None:
    """The audit's trail: who changed what and when, each change as old -> new."""
    settings = settings_of(ctx)
    with service(ctx) as (svc, actor):
        steps = svc.trail(actor, audit_id)
    _print(steps, settings.lang, settings.firm_timezone, tx.say("trail_title", settings.lang, audit=audit_id))


def audit_history(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: Annotated[str, typer.Argument(metavar="REQUIREMENT_ID", help="e.g. 12.5.5")],
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """One requirement's story: what each run decided, its assessment, attestations, measures and
    remediation items, as the trail recorded them."""
    settings = settings_of(ctx)
    with service(ctx) as (svc, actor):
        steps = svc.history(actor, audit_id, requirement_id)
    _print(steps, settings.lang, settings.firm_timezone,
           f"{tx.say('trail_title', settings.lang, audit=audit_id)} · {requirement_id}")


def _print(steps: list[TrailStep], lang: str, zone: str, title: str) -> None:
    table = Table(
        header("seq", lang),
        header("when", lang),
        header("who", lang),
        header("action", lang),
        header("entity", lang),
        header("changes", lang),
        title=title,
    )
    for step in steps:
        table.add_row(
            str(step.seq),
            local_time(step.at, zone),
            step.actor,
            step.action,
            f"{ENTITY.get(step.entity, step.entity) if lang.startswith('zh') else step.entity} "
            f"{step.entity_id or ''}".strip(),
            "\n".join(_change(c, zone, lang, step.entity) for c in step.changes if not _other_language(step, c, lang)),
        )
    console.print(table)


def _other_language(step: TrailStep, change: FieldChange, lang: str) -> bool:
    """A requirement's text recorded in both languages: the reader's one is shown."""
    return step.entity == "assessment" and change.field == ("title" if lang.startswith("zh") else "title_zh")


def _change(change: FieldChange, zone: str, lang: str = "en", entity: str = "") -> str:
    if change.field == "title":  # a remediation item's title: in the reader's language
        from ccaudit.audit.titles import RecordedTitle

        old, new = (v.say(lang) if isinstance(v, RecordedTitle) else v for v in (change.old, change.new))
        return f"{change.field}: {_value(old, lang)} -> {_value(new, lang)}"
    if change.field.endswith("_at"):  # stored in UTC; read in the firm's zone like the `when` column
        old, new = (local_time(v, zone) if isinstance(v, str) else v for v in (change.old, change.new))
        return f"{change.field}: {_value(old, lang)} -> {_value(new, lang)}"
    old, new = (code_value(entity, change.field, v, lang) for v in (change.old, change.new))
    return f"{change.field}: {_value(old, lang)} -> {_value(new, lang)}"


def _value(value: Any, lang: str = "en") -> str:
    zh = lang.startswith("zh")
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        if all(isinstance(v, str | int | float | bool) for v in value):
            return _short(", ".join(map(str, value)) or "[]")
        if all(isinstance(v, dict) and "code" in v for v in value):  # reasons: in the reader's words
            from ccaudit.findings.messages import messages
            from ccaudit.findings.models import Reason

            try:
                return _short("; ".join(messages().reasons_text([Reason.model_validate(v) for v in value], lang)))
            except ValueError:
                pass
        return f"{len(value)} 項" if zh else f"{len(value)} item(s)"
    if isinstance(value, dict):
        return f"{len(value)} 個欄位" if zh else f"{len(value)} field(s)"
    return _short(str(value))


def _short(text: str) -> str:
    text = " ".join(text.split())  # one line per change
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"
