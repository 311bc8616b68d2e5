"""`ccaudit audit policies|policy-confirm|policy-reject`: a policy scan's proposals in the audit, and the
auditor's decision on each clause (thin: AuditService does the work, the trail records it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.audit.common import DbOpt, LangOpt, service, settings_of
from ccaudit.cli.console import console, print_line
from ccaudit.cli.policies import coverage_table
from ccaudit.policies.texts import DECISION, PROPOSAL, msg, say
from ccaudit.reports.texts import ATTESTATION, pick
from ccaudit.textsafe import visible

AuditArg = Annotated[int, typer.Argument(help="audit ID (see `ccaudit audit list`)")]
NoteOpt = Annotated[str, typer.Option("--note", help="the auditor's reason (quoted in the trail and the reports)")]


def audit_policies(
    ctx: typer.Context,
    audit_id: AuditArg,
    folder: Annotated[Path | None, typer.Argument(help="a `ccaudit policies scan --out` folder to attach")] = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Attach a policy scan's proposals (with DIR) and show each clause's proposal and decision."""
    language = settings_of(ctx).lang
    with service(ctx) as (svc, actor):
        if folder is not None:
            attached = svc.attach_policies(actor, audit_id, folder)
            print_line(msg("attached", language, sha=attached.sha256[:16], documents=len(attached.coverage.documents),
                           clauses=len(attached.coverage.clauses), audit=audit_id))
        view = svc.policy_proposals(actor, audit_id)
    if view is None:
        print_line(msg("none_yet", language, audit=audit_id))
        return
    decisions = {}
    for req, d in view.decisions.items():
        decisions[req] = f"{say(DECISION, d.decision, language)} — {d.by} {d.at[:10]}: {d.note}"
    for req, d in view.earlier.items():
        decisions[req] = f"({say(DECISION, d.decision, language)} {d.at[:10]}, {msg('earlier', language)}) {d.note}"
    for c in view.coverage.clauses:
        decisions.setdefault(c.requirement_id, say(DECISION, "undecided", language))
    console.print(coverage_table(view.coverage.clauses, language, decisions))
    documents = ", ".join(f"{d.doc_id} {d.name}" for d in view.coverage.documents)
    print_line(visible(msg("attached_by", language, sha=view.sha256[:16], by=view.attached_by, at=view.attached_at,
                           documents=documents)))


def _decide(ctx: typer.Context, audit_id: int, requirement_id: str, confirm: bool, note: str) -> None:
    language = settings_of(ctx).lang
    with service(ctx) as (svc, actor):
        decision = svc.decide_policy(actor, audit_id, requirement_id, confirm, note, language)
        view = svc.policy_proposals(actor, audit_id)
    clause = view.coverage.clause(requirement_id) if view else None
    proposal = say(PROPOSAL, clause.proposal.value, language) if clause else ""
    said = say(DECISION, decision.decision, language)
    if decision.attestation_id is not None and clause is not None:
        result = pick(ATTESTATION, clause.proposed_attestation, language)
        print_line(msg("confirmed", language, req=requirement_id, proposal=proposal, decision=said,
                       id=decision.attestation_id, result=result))
    else:
        print_line(msg("rejected", language, req=requirement_id, proposal=proposal, decision=said))


def audit_policy_confirm(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    note: NoteOpt,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Confirm a clause's policy proposal: records an attestation (met if every topic was found, else not_met)."""
    _decide(ctx, audit_id, requirement_id, True, note)


def audit_policy_reject(
    ctx: typer.Context,
    audit_id: AuditArg,
    requirement_id: str,
    note: NoteOpt,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Reject a clause's policy proposal: recorded in the trail; the requirement's result does not change."""
    _decide(ctx, audit_id, requirement_id, False, note)


def register(audit_app: typer.Typer) -> None:
    audit_app.command("policies")(audit_policies)
    audit_app.command("policy-confirm")(audit_policy_confirm)
    audit_app.command("policy-reject")(audit_policy_reject)
