"""`ccaudit verify` on the database: the trail's chain, every live record against its last trail
entry, every run's offending rows against their hash, every frozen audit's digest and signature,
and the run folders' files against their SHA-256. Problems are listed first mismatch first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccaudit.audit.integrity import trail
from ccaudit.audit.integrity.digest import LineHasher, audit_digest, canonical
from ccaudit.audit.integrity.signing import fingerprint, load_public_key, verify_digest
from ccaudit.audit.integrity.state import ENTITIES, entity_id, iso, state
from ccaudit.audit.people.keys import key_at, registered_key
from ccaudit.audit.snapshot import KEPT_PARSE_REPORT, KEPT_PROBE_FILE, AuditStatus, is_sources_report
from ccaudit.audit.storage.assemble import build_snapshot
from ccaudit.audit.storage.models import Audit, Run, RunCheck, TrailEntry, User
from ccaudit.audit.storage.offending import stored_lines
from ccaudit.audit.workflow.leftovers import describe as describe_leftover
from ccaudit.evidence.store import sha256_of


@dataclass(frozen=True)
class SignatureInfo:
    """Who signed a frozen audit, with which key (SHA-256 fingerprint, hex), over which digest."""

    audit: str
    signer: str
    fingerprint: str
    digest: str


class Worded(str):
    """A verify problem or warning that also has a zh-TW wording (`ccaudit verify --lang zh-TW` prints it);
    the others are printed as worded. It is the English text wherever a string is expected."""

    zh_tw: str

    def __new__(cls, en: str, zh_tw: str) -> Worded:
        text = super().__new__(cls, en)
        text.zh_tw = zh_tw
        return text


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    signatures: list[SignatureInfo] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_database(s: Session, runs_dir: Path | None) -> VerifyReport:
    report = VerifyReport()
    report.problems += trail.verify_chain(s)
    report.checked["trail entries"] = s.scalar(select(func.count()).select_from(TrailEntry)) or 0
    _states(s, report)
    _offending(s, report)
    _registered_keys(s, report)
    _frozen(s, report)
    if runs_dir is not None:
        _files(s, runs_dir, report)
    return report


def _states(s: Session, report: VerifyReport) -> None:
    recorded = trail.last_states(s)
    seen: set[tuple[str, str]] = set()
    for name, model in ENTITIES.items():
        count = 0
        for obj in s.scalars(select(model)):
            count += 1
            key = (name, entity_id(obj))
            seen.add(key)
            if key not in recorded:
                report.problems.append(f"{name} {key[1]} is not in the trail (written behind the service's back)")
            elif recorded[key] != canonical(state(s, obj)):
                report.problems.append(
                    f"{name} {key[1]} differs from its last trail entry (changed behind the service's back)"
                )
        report.checked[f"{name} records"] = count
    for key, after in recorded.items():
        if after is not None and key not in seen and key[0] in ENTITIES:
            report.problems.append(f"{key[0]} {key[1]} is in the trail but gone from the database (deleted)")


def _offending(s: Session, report: VerifyReport) -> None:
    pairs = s.execute(
        select(RunCheck.run_id, RunCheck.check_id, RunCheck.offending_sha256, RunCheck.offending_count)
        .where(RunCheck.offending_sha256.is_not(None))
        .distinct()
        .order_by(RunCheck.run_id, RunCheck.check_id)
    ).all()
    total = 0
    for run_id, check_id, expected, count in pairs:
        hasher = LineHasher()
        for text in stored_lines(s, run_id, check_id):
            hasher.add_line(text)
        total += hasher.count
        if hasher.hexdigest() != expected or hasher.count != count:
            report.problems.append(
                f"run {run_id}, check {check_id}: the {hasher.count} offending rows stored do not match the "
                f"{count} recorded by the run (rows edited, deleted or added)"
            )
    report.checked["offending rows"] = total


def _frozen(s: Session, report: VerifyReport) -> None:
    audits = s.scalars(select(Audit).where(Audit.status == AuditStatus.SIGNED.value).order_by(Audit.id)).all()
    for audit in audits:
        name = f"audit {audit.id} ({audit.firm_id} {audit.year})"
        digest = audit_digest(build_snapshot(s, audit))
        if digest != audit.digest:
            report.problems.append(
                f"{name}: its content no longer matches the digest stored at sign-off "
                f"({(audit.digest or '')[:16]}…, now {digest[:16]}…)"
            )
        if not (audit.public_key_pem and audit.signature and audit.digest):
            report.problems.append(f"{name}: signed but without a signature")
            continue
        if fingerprint(load_public_key(audit.public_key_pem)) != audit.key_fingerprint:
            report.problems.append(f"{name}: the stored public key does not match the stored fingerprint")
        if not verify_digest(audit.public_key_pem, audit.digest, audit.signature):
            report.problems.append(f"{name}: the reviewer's signature does not verify over the stored digest")
        _signer_key(s, audit, name, report)
        report.signatures.append(
            SignatureInfo(name, audit.reviewer or "", audit.key_fingerprint or "", audit.digest or "")
        )
    report.checked["frozen audits"] = len(audits)


def _signer_key(s: Session, audit: Audit, name: str, report: VerifyReport) -> None:
    """The signing key must have been the reviewer's registered key when they signed."""
    if not (audit.reviewer and audit.key_fingerprint and audit.signed_at):
        report.problems.append(f"{name}: signed without a recorded reviewer, key fingerprint or time")
        return
    if key_at(s, audit.reviewer, audit.key_fingerprint, audit.signed_at) is None:
        report.problems.append(
            f"{name}: signed with key {audit.key_fingerprint}, which was not {audit.reviewer}'s registered "
            f"signing key at {iso(audit.signed_at)}"
        )


def _registered_keys(s: Session, report: VerifyReport) -> None:
    """Each user's quick-look key (users table) is the one registered in the key history."""
    for user in s.scalars(select(User).order_by(User.id)):
        key = registered_key(s, user.id)
        if (key.fingerprint if key else None) != user.key_fingerprint:
            report.problems.append(
                f"user {user.id}: the key on the user record ({user.key_fingerprint}) is not the registered "
                f"key in the key history ({key.fingerprint if key else 'none'})"
            )


def _files(s: Session, runs_dir: Path, report: VerifyReport) -> None:
    known = set()
    files = 0
    for run in s.scalars(select(Run).order_by(Run.id)):
        known.add(run.uid)
        folder = runs_dir / run.uid
        if not folder.is_dir():
            report.problems.append(f"run {run.id}: its folder {folder} is missing")
            continue
        findings = folder / "findings.json"
        if not findings.is_file() or sha256_of(findings) != run.findings_sha256:
            report.problems.append(f"run {run.id}: {findings} is missing or altered")
        for e in run.evidence:
            if e.dataset == KEPT_PARSE_REPORT:  # named after its raw export, not after its own hash
                stored = folder / "evidence" / "parse_reports" / Path(e.original_name).name
                what = "parse report"
            else:
                stored = folder / "evidence" / "blobs" / e.sha256
                what = ("evidence file" if e.dataset != KEPT_PROBE_FILE
                        else "parse report" if is_sources_report(e.original_name) else "probe file")
            files += 1
            if not stored.is_file() or sha256_of(stored) != e.sha256:
                report.problems.append(
                    f"run {run.id}: {what} {e.original_name} ({e.sha256[:12]}…) missing or altered"
                )
    report.checked["evidence files"] = files
    from ccaudit.audit.workflow.policies import stored_problems

    count, problems, warnings = stored_problems(s, runs_dir.parent)
    report.checked["policy proposal files"] = count
    report.problems += problems
    report.warnings += warnings
    if runs_dir.is_dir():
        for child in sorted(runs_dir.iterdir()):
            if child.name not in known:
                report.warnings.append(describe_leftover(child))
