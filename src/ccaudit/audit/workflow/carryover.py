"""Carry-over into next year's audit: open remediation items, measures still valid on the new as-of
date, and last year's attestations, which must be re-confirmed before they count again."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.snapshot import OPEN_REMEDIATION
from ccaudit.audit.storage.models import (
    Assessment,
    Attestation,
    Audit,
    Base,
    Measure,
    MeasureCheck,
    MeasureRequirement,
    RemediationItem,
)

Log = Callable[[Session, str, str, Base, dict[str, Any] | None, Audit], object]


@dataclass
class CarryOver:
    remediation: list[int] = field(default_factory=list)  # new item IDs
    measures: list[int] = field(default_factory=list)
    attestations: list[int] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)  # what was not carried, and why


def carry_over(s: Session, source: Audit, target: Audit, actor: str, now: dt.datetime, log: Log) -> CarryOver:
    known = set(s.scalars(select(Assessment.requirement_id).where(Assessment.audit_id == target.id)))
    out = CarryOver()
    for item in s.scalars(
        select(RemediationItem).where(RemediationItem.audit_id == source.id).order_by(RemediationItem.id)
    ):
        if item.status not in OPEN_REMEDIATION:
            continue
        if item.requirement_id not in known:
            out.left_behind.append(f"remediation item {item.id}: {item.requirement_id} is not in the new catalog")
            continue
        note = f"{now:%Y-%m-%d} {actor}: carried over from the {source.year} audit (item {item.id})"
        new = RemediationItem(
            audit_id=target.id, requirement_id=item.requirement_id, finding_result=item.finding_result,
            title=item.title, title_source=item.title_source, owner=item.owner, due_date=item.due_date,
            status=item.status,
            notes=canonical([*json.loads(item.notes), note]), created_by=actor, created_at=now,
            carried_from=item.id,
        )  # fmt: skip
        s.add(new)
        log(s, actor, "remediation.carry_over", new, None, target)
        out.remediation.append(new.id)
    for m in s.scalars(select(Measure).where(Measure.audit_id == source.id).order_by(Measure.id)):
        if not (m.approved_on <= target.as_of <= m.review_by):
            out.left_behind.append(f"measure {m.ref}: not valid on {target.as_of} (review by {m.review_by})")
            continue
        reqs = [r for r in m.requirement_ids if r in known]
        if not reqs:
            out.left_behind.append(f"measure {m.ref}: none of its requirements is in the new catalog")
            continue
        copy = Measure(
            audit_id=target.id, ref=m.ref, description=m.description, approver=m.approver,
            approved_on=m.approved_on, review_by=m.review_by, recorded_by=actor, recorded_at=now,
            carried_from=m.id, requirements=[MeasureRequirement(requirement_id=r) for r in reqs],
            whole_requirement=m.whole_requirement,  # what it covers carries with it
            checks=[MeasureCheck(check_id=c.check_id, subject=c.subject) for c in m.checks],
        )  # fmt: skip
        s.add(copy)
        log(s, actor, "measure.carry_over", copy, None, target)
        out.measures.append(copy.id)
    latest: dict[str, Attestation] = {}
    for att in s.scalars(
        select(Attestation)
        .where(Attestation.audit_id == source.id, Attestation.needs_reconfirmation.is_(False))
        .order_by(Attestation.attested_on, Attestation.id)
    ):
        latest[att.requirement_id] = att
    for req_id, att in sorted(latest.items()):
        if req_id not in known:
            out.left_behind.append(f"attestation {att.id}: {req_id} is not in the new catalog")
            continue
        again = Attestation(
            audit_id=target.id, requirement_id=req_id, result=att.result, attested_by=att.attested_by,
            attested_on=att.attested_on, document_ref=att.document_ref, note=att.note, recorded_by=actor,
            recorded_at=now, needs_reconfirmation=True, carried_from=att.id,
        )  # fmt: skip
        s.add(again)
        log(s, actor, "attestation.carry_over", again, None, target)
        out.attestations.append(again.id)
    return out
