"""`ccaudit audit policies|policy-confirm|policy-reject`: a policy scan's proposals in the audit, and the
auditor's decision on each clause (thin: AuditService does the work, the trail records it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.audit.common import DbOpt, LangOpt, service, settings_of
from ccaudit.cli.console import console, print_line
from ccaudit.cli.policies import coverage_table
from ccaudit.policies.texts import DECISION, PROPOSAL, say
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
            print_line(f"attached policy proposals {attached.sha256[:16]}… ({len(attached.coverage.documents)} "
                       f"documents, {len(attached.coverage.clauses)} clauses) to audit {audit_id}")
        view = svc.policy_proposals(actor, audit_id)
    if view is None:
        print_line(f"audit {audit_id} has no policy proposals yet: ccaudit audit policies {audit_id} DIR")
        return
    decisions = {}
    for req, d in view.decisions.items():
        decisions[req] = f"{say(DECISION, d.decision, language)} — {d.by} {d.at[:10]}: {d.note}"
    for req, d in view.earlier.items():
        decisions[req] = f"({say(DECISION, d.decision, language)} {d.at[:10]}, earlier scan) {d.note}"
    for c in view.coverage.clauses:
        decisions.setdefault(c.requirement_id, say(DECISION, "undecided", language))
    console.print(coverage_table(view.coverage.clauses, language, decisions))
    print_line(visible(f"proposals {view.sha256[:16]}…, attached by {view.attached_by} at {view.attached_at}; "
                       "documents: " + ", ".join(f"{d.doc_id} {d.name}" for d in view.coverage.documents)))


def _decide(ctx: typer.Context, audit_id: int, requirement_id: str, confirm: bool, note: str) -> None:
    language = settings_of(ctx).lang
    with service(ctx) as (svc, actor):
        decision = svc.decide_policy(actor, audit_id, requirement_id, confirm, note, language)
        view = svc.policy_proposals(actor, audit_id)
    clause = view.coverage.clause(requirement_id) if view else None
    proposal = say(PROPOSAL, clause.proposal.value, language) if clause else ""
    if decision.attestation_id is not None and clause is not None:
        print_line(f"{requirement_id}: proposal {proposal} {say(DECISION, decision.decision, language)}; attestation "
                   f"{decision.attestation_id} recorded ({clause.proposed_attestation})")
    else:
        print_line(f"{requirement_id}: proposal {proposal} {say(DECISION, decision.decision, language)}; the "
                   "requirement's result is unchanged (record your own assessment with `ccaudit audit attest`)")


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
