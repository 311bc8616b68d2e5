"""Policy-document proposals in the audit: `ccaudit policies scan` proposes, per clause, which topics the
firm's documents cover; the auditor confirms or rejects each clause's proposal.

- attach: the scan's policy_coverage.json and the documents it quotes are copied, checked against their
  SHA-256, to <data_dir>/policies/<sha256 of the json>/; one trail entry (entity `policy_proposal`)
  records the file's hash and every clause's proposal. Nothing about any requirement changes.
- confirm: one transaction records an attestation with the proposal's result (met only when every
  topic was found, otherwise not_met, a gap) whose note quotes the passages and names what was not
  found, and a trail entry (entity `policy_decision`) tying it to the proposal.
- reject: a trail entry with the auditor's note, nothing else; the clause stays as it was.

So a clause is never compliant on a scan alone, and "not found" confirmed is a gap. No table holds
proposals: the trail entries are their record (a table would make them queryable; see docs/policies.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccaudit.audit.context import AuditContext
from ccaudit.audit.errors import AuditError, NotFoundError
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.people.access import READ, get_user, require
from ccaudit.audit.storage.models import TrailEntry, User
from ccaudit.audit.workflow.assessments import Assessments
from ccaudit.audit.workflow.guard import assessment_of, load_audit, open_for_work
from ccaudit.errors import EvidenceError
from ccaudit.evidence.store import sha256_of
from ccaudit.policies.models import FILE, ClauseProposal, PolicyCoverage
from ccaudit.policies.scan import parse, read, reproduce
from ccaudit.policies.texts import DECISION, NOTE, PROPOSAL, say
from ccaudit.textsafe import visible

FOLDER = "policies"
PROPOSAL_ENTITY = "policy_proposal"
DECISION_ENTITY = "policy_decision"
CONFIRMED, REJECTED = "confirmed", "rejected"
QUOTE_CHARS = 100


@dataclass(frozen=True)
class Attached:
    sha256: str
    folder: Path
    coverage: PolicyCoverage


@dataclass(frozen=True)
class Decision:
    requirement_id: str
    decision: str  # confirmed | rejected
    by: str
    at: str
    note: str
    proposal_sha256: str
    attestation_id: int | None


@dataclass(frozen=True)
class PolicyView:
    """The audit's latest proposal and the auditor's decisions on it (and on earlier proposals)."""

    sha256: str
    attached_by: str
    attached_at: str
    coverage: PolicyCoverage
    decisions: dict[str, Decision] = field(default_factory=dict)  # on this proposal
    earlier: dict[str, Decision] = field(default_factory=dict)  # on earlier proposals, not yet decided again


def _summary(coverage: PolicyCoverage, sha: str) -> dict[str, Any]:
    return {
        "file": f"{FOLDER}/{sha}/{FILE}", "sha256": sha, "generated_at": coverage.generated_at,
        "catalog": coverage.catalog, "catalog_version": coverage.catalog_version,
        "rules_sha256": coverage.rules_sha256,
        "documents": [{"doc_id": d.doc_id, "name": d.name, "sha256": d.sha256} for d in coverage.documents],
        "clauses": [
            {"requirement_id": c.requirement_id, "proposal": c.proposal.value,
             "proposed_attestation": c.proposed_attestation, "missing": c.missing}
            for c in coverage.clauses
        ],
    }  # fmt: skip


def note_text(clause: ClauseProposal, decision: str, by: str, note: str, lang: str) -> str:
    """The attestation note a confirmation records: the proposal, the decision, the passages quoted."""
    covered = sum(t.status == "covered" for t in clause.topics)
    lines = [
        say(NOTE, "head", lang).format(
            proposal=say(PROPOSAL, clause.proposal.value, lang), covered=covered, total=len(clause.topics),
            decision=say(DECISION, decision, lang), by=by,
        ),
        say(NOTE, "auditor", lang).format(note=note),
    ]
    for t in clause.topics:
        title = t.title.get(lang)
        if not t.quotes:
            lines.append("- " + say(NOTE, "missing", lang).format(topic=title))
            continue
        q = t.quotes[0]
        excerpt = q.excerpt if len(q.excerpt) <= QUOTE_CHARS else q.excerpt[: QUOTE_CHARS - 1] + "…"
        line = "- " + say(NOTE, "found", lang).format(topic=title, where=q.where(lang), excerpt=excerpt)
        if t.passages > 1:
            line += " " + say(NOTE, "more", lang).format(count=t.passages - 1)
        lines.append(line)
    return "\n".join(lines)


class PolicyProposals:
    """Attach a scan's proposals to an audit; record the auditor's decision per clause."""

    def __init__(self, ctx: AuditContext, recorder: Recorder, assessments: Assessments) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.assessments = assessments

    @property
    def root(self) -> Path:
        return self.ctx.settings.data_dir / FOLDER

    def attach(self, actor: str | None, audit_id: int, folder: Path) -> Attached:
        coverage, raw = read(folder)
        source = folder / FILE if folder.is_dir() else folder
        sha = hashlib.sha256(raw).hexdigest()
        with self.ctx.db.read() as s:
            audit = load_audit(s, audit_id)
            if (coverage.catalog, coverage.catalog_version) != (audit.catalog_id, audit.catalog_version):
                raise AuditError(
                    f"the scan used {coverage.catalog} v{coverage.catalog_version}, audit {audit_id} follows "
                    f"{audit.catalog_id} v{audit.catalog_version}: scan again with --as-of {audit.as_of}"
                )
        with self.ctx.db.transaction() as s:
            open_for_work(s, actor, audit_id, "attach policy proposals")
        target = self._store(source.parent, raw, sha, coverage)
        with self.ctx.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "attach policy proposals")
            self.recorder.log_event(s, user.id, "policy.attach", PROPOSAL_ENTITY, sha, _summary(coverage, sha), audit)
        return Attached(sha, target, coverage)

    def _store(self, scan_dir: Path, raw: bytes, sha: str, coverage: PolicyCoverage) -> Path:
        """Copy the json and the documents it quotes under <data_dir>/policies/<sha>/, each checked, and
        the proposals reproduced from those documents (a hand-edited json is refused)."""
        target = self.root / sha
        if target.is_dir():
            self._check_folder(target, sha, coverage)
            return target
        blobs = scan_dir / "documents" / "blobs"
        partial = self.root / f".partial-{uuid.uuid4().hex}"
        try:
            (partial / "documents" / "blobs").mkdir(parents=True)
            (partial / FILE).write_bytes(raw)
            for d in coverage.documents:
                blob = blobs / d.sha256
                if not blob.is_file():
                    raise EvidenceError(f"{visible(str(blob))}: the scan's copy of {visible(d.name)} is missing")
                shutil.copyfile(blob, partial / "documents" / "blobs" / d.sha256)
            self._check_folder(partial, sha, coverage)
            reproduce(coverage, partial / "documents" / "blobs", self.ctx.settings)
            os.replace(partial, target)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return target

    @staticmethod
    def _check_folder(folder: Path, sha: str, coverage: PolicyCoverage) -> None:
        for problem in folder_problems(folder, sha, [(d.name, d.sha256) for d in coverage.documents]):
            raise EvidenceError(problem)

    def decide(
        self, actor: str | None, audit_id: int, requirement_id: str, confirm: bool, note: str, lang: str
    ) -> Decision:
        text = note.strip()
        if not text:
            raise AuditError(f"{'confirming' if confirm else 'rejecting'} {requirement_id}'s proposal needs a note")
        with self.ctx.db.transaction() as s:
            user, audit = open_for_work(s, actor, audit_id, "decide policy proposals")
            assessment_of(s, audit, requirement_id)
            entry = _latest_proposal(s, audit.id)
            if entry is None:
                raise NotFoundError(
                    f"audit {audit_id} has no policy proposals: attach a scan with "
                    f"`ccaudit audit policies {audit_id} DIR`"
                )
            sha = str(entry.entity_id)
            coverage = self._load(sha)
            clause = coverage.clause(requirement_id)
            if clause is None:
                raise NotFoundError(f"the policy proposals attached to audit {audit_id} do not cover {requirement_id}")
            done = _decisions(s, audit.id).get((sha, requirement_id))
            if done is not None:
                raise AuditError(
                    f"{requirement_id}: this proposal was already {done.decision} by {done.by} at {done.at}; "
                    "record a further attestation with `ccaudit audit attest` to change the result"
                )
            att_id = None
            if confirm:
                by = user_label(user)
                today = self.ctx.clock().astimezone(ZoneInfo(self.ctx.settings.firm_timezone)).date()  # the firm's day
                att = self.assessments.record_attestation(
                    s, user, audit, requirement_id, clause.proposed_attestation, by, today,
                    f"{FILE} SHA-256 {sha}", note_text(clause, CONFIRMED, by, text, lang),
                )
                att_id = att.id
            decision = CONFIRMED if confirm else REJECTED
            after = {
                "requirement_id": requirement_id, "proposal_sha256": sha, "proposal": clause.proposal.value,
                "proposed_attestation": clause.proposed_attestation, "missing": clause.missing,
                "decision": decision, "note": text, "attestation_id": att_id,
            }  # fmt: skip
            logged = self.recorder.log_event(
                s, user.id, f"policy.{'confirm' if confirm else 'reject'}", DECISION_ENTITY, f"{sha}/{requirement_id}",
                after, audit,
            )
            return Decision(requirement_id, decision, user.id, logged.at, text, sha, att_id)

    def _load(self, sha: str) -> PolicyCoverage:
        path = self.root / sha / FILE
        raw = path.read_bytes() if path.is_file() else b""
        if hashlib.sha256(raw).hexdigest() != sha:
            raise EvidenceError(f"{visible(str(path))} is missing or altered (its SHA-256 is recorded in the trail)")
        return parse(raw, str(path))

    def view(self, actor: str | None, audit_id: int) -> PolicyView | None:
        with self.ctx.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
            entry = _latest_proposal(s, audit.id)
            if entry is None:
                return None
            sha = str(entry.entity_id)
            decisions = _decisions(s, audit.id)
            coverage = self._load(sha)
        current = {req: d for (p, req), d in decisions.items() if p == sha}
        earlier = {req: d for (p, req), d in decisions.items() if p != sha and req not in current}
        return PolicyView(sha, entry.actor, entry.at, coverage, current, earlier)


def _latest_proposal(s: Session, audit_id: int) -> TrailEntry | None:
    query = (
        select(TrailEntry)
        .where(TrailEntry.audit_id == audit_id, TrailEntry.entity == PROPOSAL_ENTITY)
        .order_by(TrailEntry.seq.desc())
        .limit(1)
    )
    return s.scalar(query)


def _decisions(s: Session, audit_id: int) -> dict[tuple[str, str], Decision]:
    """(proposal SHA-256, requirement ID) -> the decision, from the trail (oldest first, so the last wins)."""
    out: dict[tuple[str, str], Decision] = {}
    query = select(TrailEntry).where(TrailEntry.audit_id == audit_id, TrailEntry.entity == DECISION_ENTITY)
    for entry in s.scalars(query.order_by(TrailEntry.seq)):
        after = json.loads(entry.after or "{}")
        d = Decision(
            after["requirement_id"], after["decision"], entry.actor, entry.at, after.get("note", ""),
            after["proposal_sha256"], after.get("attestation_id"),
        )  # fmt: skip
        out[(d.proposal_sha256, d.requirement_id)] = d
    return out


def folder_problems(folder: Path, sha: str, documents: list[tuple[str, str]]) -> list[str]:
    """What is wrong with a stored proposal folder: the json or a document missing or altered."""
    problems = []
    path = folder / FILE
    if not path.is_file() or sha256_of(path) != sha:
        problems.append(f"policy proposal {sha[:12]}…: {visible(str(path))} is missing or altered")
    for name, doc_sha in documents:
        blob = folder / "documents" / "blobs" / doc_sha
        if not blob.is_file() or sha256_of(blob) != doc_sha:
            problems.append(
                f"policy proposal {sha[:12]}…: document {visible(name)} ({doc_sha[:12]}…) missing or altered"
            )
    return problems


def stored_problems(s: Session, data_dir: Path) -> tuple[int, list[str], list[str]]:
    """For `verify`: every proposal the trail records, checked against its files; and what lies under
    <data_dir>/policies/ that no trail entry records (an attach killed before its transaction).
    (files checked, problems, warnings)"""
    problems: list[str] = []
    count = 0
    query = select(TrailEntry).where(TrailEntry.entity == PROPOSAL_ENTITY).order_by(TrailEntry.seq)
    seen: set[str] = set()
    for entry in s.scalars(query):
        sha = str(entry.entity_id)
        if sha in seen:
            continue
        seen.add(sha)
        after = json.loads(entry.after or "{}")
        docs = [(str(d["name"]), str(d["sha256"])) for d in after.get("documents", [])]
        count += 1 + len(docs)
        problems += folder_problems(data_dir / FOLDER / sha, sha, docs)
    root = data_dir / FOLDER
    warnings = [
        f"{visible(str(child))}: not recorded in the trail (an attach that did not finish); it may be deleted"
        for child in (sorted(root.iterdir()) if root.is_dir() else [])
        if child.name not in seen
    ]
    return count, problems, warnings


def user_label(user: User) -> str:
    return f"{user.name} ({user.id})" if user.name and user.name != user.id else user.id


def archived_files(entries: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Archive member -> SHA-256 for every proposal the audit's trail entries record: its json and the
    documents it quotes (what `audit export` writes under policies/ and `verify ARCHIVE` checks)."""
    out: dict[str, str] = {}
    for entry in entries:
        if entry.get("entity") != PROPOSAL_ENTITY or not entry.get("after"):
            continue
        sha = str(entry["entity_id"])
        out[f"{FOLDER}/{sha}/{FILE}"] = sha
        for d in json.loads(entry["after"]).get("documents", []):
            out[f"{FOLDER}/{sha}/documents/{d['sha256']}"] = str(d["sha256"])
    return out


def stored_path(data_dir: Path, name: str) -> Path:
    """Where an archive member named by archived_files() is kept under the data folder."""
    _, sha, *rest = name.split("/")
    folder = data_dir / FOLDER / sha
    return folder / FILE if rest == [FILE] else folder / "documents" / "blobs" / rest[-1]
