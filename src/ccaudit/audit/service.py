"""AuditService: one method per use case, each taking the acting user's ID. The CLI calls it now,
the web app later. Every change is one transaction and one or more trail entries.

The service is a facade: each use case lives in a small object built here with exactly what it
uses (the database, the clock, the trail recorder, the results it keeps derived), so a step's
dependencies are visible in its constructor rather than shared through one `self`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import bindparam, func, select

from ccaudit.audit.context import AuditContext, Clock, utcnow
from ccaudit.audit.integrity import anchors
from ccaudit.audit.integrity.anchoring import Anchored, Anchoring, require_own_key
from ccaudit.audit.integrity.archive import Exporter, export_archive
from ccaudit.audit.integrity.archive_verify import verify_archive
from ccaudit.audit.integrity.changes import TrailStep, audit_trail, requirement_history
from ccaudit.audit.integrity.recorder import Recorder
from ccaudit.audit.integrity.state import iso
from ccaudit.audit.integrity.trusted import TrustedKeys
from ccaudit.audit.integrity.verify import VerifyReport, verify_database
from ccaudit.audit.people.access import READ, Role, get_user, require, require_held, roles_of
from ccaudit.audit.people.keys import KeyChange, Keys
from ccaudit.audit.people.sealed import SealedKeys
from ccaudit.audit.people.tokens import ApiTokens
from ccaudit.audit.people.users import InspectorGrantInfo, UserInfo, Users
from ccaudit.audit.snapshot import AuditSnapshot, RemediationSnap
from ccaudit.audit.storage.assemble import build_snapshot
from ccaudit.audit.storage.db import Database
from ccaudit.audit.storage.models import Audit, TrailEntry
from ccaudit.audit.workflow.assessments import Assessments
from ccaudit.audit.workflow.audits import Audits, AuditSummary
from ccaudit.audit.workflow.carryover import CarryOver
from ccaudit.audit.workflow.diff import AuditDiff, diff
from ccaudit.audit.workflow.evidence_folder import EvidenceFolders, StoredFile, UploadBatch, UploadOutcome
from ccaudit.audit.workflow.guard import load_audit
from ccaudit.audit.workflow.measures import Measures
from ccaudit.audit.workflow.policies import Attached, Decision, PolicyProposals, PolicyView
from ccaudit.audit.workflow.readiness import Open, open_requirements
from ccaudit.audit.workflow.refresh import Results
from ccaudit.audit.workflow.review import Review, SignoffRequest
from ccaudit.audit.workflow.runs import OffendingPage, RowQuery, RunInfo, Runs
from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
from ccaudit.catalog.models import Catalog
from ccaudit.errors import EvidenceError
from ccaudit.settings import Settings

if TYPE_CHECKING:
    from ccaudit.inspection.service import Progress

__all__ = ["AuditService", "ReadAccess", "verify_archive"]


@dataclass(frozen=True)
class ReadAccess:
    """The actor may read the audit (checked when this was made): the audit's own trail head then, the head
    over all the firm's audits, the audit's firm, and the actor's roles on that firm (to choose which forms
    to show; the service still enforces them)."""

    version: int  # the audit's trail head: moves with every recorded change to this audit
    firm_id: str
    roles: frozenset[Role]
    firm_version: int = 0  # the highest head of the firm's audits: also moves when last year's changes


# Each audit of a firm with its own trail head (one index probe each: trail (audit_id, seq), migration 0007).
_FIRM_AUDIT_HEADS = select(
    Audit.id, select(func.max(TrailEntry.seq)).where(TrailEntry.audit_id == Audit.id).scalar_subquery()
).where(Audit.firm_id == bindparam("firm_id"))


class AuditService:
    """Use cases of the annual audit, delegated to the objects that carry them out."""

    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.ctx = AuditContext(db, settings, clock)
        db.clock = clock  # rules that depend on the time (an inspector's grant) read the service's clock
        self.recorder = Recorder(clock)
        results = Results(self.recorder, clock)
        self.audits = Audits(self.ctx, self.recorder, results)
        self.assessments = Assessments(db, clock, self.recorder, results)
        self.measures = Measures(db, clock, self.recorder, results, self.ctx.catalog_version)
        self.runs = Runs(self.ctx, self.recorder, results)
        self.evidence_folders = EvidenceFolders(self.ctx)
        self.review = Review(db, clock, self.recorder)
        self.users = Users(db, clock, self.recorder)
        self.anchoring = Anchoring(db, clock, settings.anchor_path())
        self.keys = Keys(db, clock, self.recorder)
        self.tokens = ApiTokens(db, clock, self.recorder)  # API tokens (web/api)
        self.sealed_keys = SealedKeys(db, clock, self.keys)
        self.policies = PolicyProposals(self.ctx, self.recorder, self.assessments)

    @classmethod
    def open(cls, settings: Settings, clock: Clock = utcnow, read_only: bool = False) -> AuditService:
        """Connect to settings.database_url() (migrating it to the latest schema) and return the service;
        `read_only` (verify): the database must exist at the current schema and is only read."""
        return cls(Database(settings.database_url(), read_only=read_only), settings, clock)

    def close(self) -> None:
        self.db.close()

    @property
    def db(self) -> Database:
        return self.ctx.db

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def runs_dir(self) -> Path:
        return self.ctx.runs_dir

    @property
    def catalogs(self) -> CatalogLibrary:
        return self.ctx.catalogs

    def catalog_version(self, catalog_id: str, version: int) -> Catalog:
        return self.ctx.catalog_version(catalog_id, version)

    # --- audits -------------------------------------------------------------------------------------

    def open_audit(
        self,
        actor: str | None,
        firm_id: str,
        year: int,
        as_of: dt.date,
        catalog_id: str = DEFAULT_CATALOG,
        catalog_version: int | None = None,
    ) -> int:
        return self.audits.open_audit(actor, firm_id, year, as_of, catalog_id, catalog_version)

    def carry_over(
        self, actor: str | None, from_audit_id: int, as_of: dt.date | None = None, year: int | None = None
    ) -> tuple[int, CarryOver]:
        return self.audits.carry_over(actor, from_audit_id, as_of, year)

    def list_audits(self, actor: str | None, firm_id: str | None = None) -> list[AuditSummary]:
        return self.audits.list_audits(actor, firm_id)

    def snapshot(self, audit_id: int, actor: str | None = None) -> AuditSnapshot:
        return self.audits.snapshot(audit_id, actor)

    def readable_version(self, actor: str | None, audit_id: int) -> int:
        """Raise unless the actor may read the audit; else the audit's trail head (the last sequence number
        of its entries), which every recorded change to the audit moves: a key for caching what is shown of
        it that a change to another audit or firm leaves alone."""
        return self.read_access(actor, audit_id).version

    def read_access(self, actor: str | None, audit_id: int) -> ReadAccess:
        """Raise unless the actor may read the audit; else, from the same read (one database session): the
        trail heads of the audit and of the firm's audits, the audit's firm and the actor's roles on it. What
        a page needs to know once per request, checked against the database as it is now.

        Everything an audit's snapshot shows is its own rows, and every change to them is a trail entry
        filed under the audit (Recorder.log_audit), so its head moves with each; roles and grants are not
        part of what is cached (they are checked here, on every request)."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            user = get_user(s, actor)
            roles = roles_of(s, user.id, audit.firm_id)
            require_held(user, roles, audit.firm_id, READ, "read audits")
            heads = {int(a): int(h or 0) for a, h in s.execute(_FIRM_AUDIT_HEADS, {"firm_id": audit.firm_id})}
            return ReadAccess(heads.get(audit.id, 0), audit.firm_id, frozenset(roles), max(heads.values(), default=0))

    def diff(self, actor: str | None, old_audit_id: int, new_audit_id: int, lang: str = "en") -> AuditDiff:
        return diff(self.snapshot(old_audit_id, actor), self.snapshot(new_audit_id, actor), lang)

    def require_read(self, actor: str | None, audit_id: int) -> None:
        """Raise unless the actor may read the audit (for pages that poll, without building a snapshot)."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")

    def trail(self, actor: str | None, audit_id: int) -> list[TrailStep]:
        """The audit's trail entries, oldest first, each with the fields it changed (old -> new)."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
            return audit_trail(s, audit.id)

    def history(self, actor: str | None, audit_id: int, requirement_id: str) -> list[TrailStep]:
        """One requirement's story from the trail: assessment, attestations, measures, remediation, runs."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
            return requirement_history(s, audit.id, requirement_id)

    # --- inspection runs ----------------------------------------------------------------------------

    def run_inspection(
        self, actor: str | None, audit_id: int, evidence_dir: Path | str, progress: Progress | None = None
    ) -> RunInfo:
        """`evidence_dir`: a local folder, or an object-store folder s3://bucket/prefix/ (copied first)."""
        return self.runs.run_inspection(actor, audit_id, evidence_dir, progress)

    def run_uploaded(self, actor: str | None, audit_id: int, progress: Progress | None = None) -> RunInfo:
        """Inspect the audit's uploaded evidence folder (`upload_evidence`) and attach the run."""
        folder = self.evidence_folders.folder(audit_id)
        self.runs.require_run_allowed(actor, audit_id)
        if not folder.is_dir() or not any(folder.iterdir()):
            raise EvidenceError(f"audit {audit_id} has no uploaded evidence: upload the firm's files first")
        return self.runs.run_inspection(actor, audit_id, folder, progress)

    def upload_evidence_files(
        self, actor: str | None, audit_id: int, files: list[tuple[str, BinaryIO]], max_bytes: int | None = None
    ) -> UploadBatch:
        """Keep the evidence files (name, content) in the audit's folder if the folder still imports with
        all of them; else none is kept and the outcome lists every problem (name, type, size, or the
        importer's file, row, column, value and expected). One import for the whole batch."""
        limit = self.settings.web_max_upload_mb * 1024 * 1024 if max_bytes is None else max_bytes
        return self.evidence_folders.upload(actor, audit_id, files, limit)

    def upload_evidence(
        self, actor: str | None, audit_id: int, name: str, data: BinaryIO, max_bytes: int | None = None
    ) -> UploadOutcome:
        """One evidence file, as `upload_evidence_files` checks a batch: kept if the folder still imports
        with it (else its problems, located; nothing kept). UploadRefused for a bad name, type or size."""
        limit = self.settings.web_max_upload_mb * 1024 * 1024 if max_bytes is None else max_bytes
        return self.evidence_folders.upload_one(actor, audit_id, name, data, limit)

    def uploaded_evidence(self, actor: str | None, audit_id: int) -> list[StoredFile]:
        return self.evidence_folders.list_files(actor, audit_id)

    def remove_evidence(self, actor: str | None, audit_id: int, name: str) -> None:
        self.evidence_folders.remove(actor, audit_id, name)

    def attach_run(self, actor: str | None, audit_id: int, result_dir: Path) -> RunInfo:
        return self.runs.attach_run(actor, audit_id, result_dir)

    def offending_rows(
        self, actor: str | None, audit_id: int, check_id: str, run_id: int | None = None, limit: int = 100
    ) -> tuple[int, int, list[dict[str, Any]]]:
        return self.runs.offending_rows(actor, audit_id, check_id, run_id, limit)

    def offending_page(self, actor: str | None, audit_id: int, check_id: str, query: RowQuery) -> OffendingPage:
        """A page of a check's offending rows, filtered and counted in the database."""
        return self.runs.offending_page(actor, audit_id, check_id, query)

    def offending_export(
        self, actor: str | None, audit_id: int, check_id: str, query: RowQuery
    ) -> Iterator[dict[str, Any]]:
        """Every offending row the query matches (for a CSV download), streamed in chunks."""
        return self.runs.offending_export(actor, audit_id, check_id, query)

    # --- the auditor's work -------------------------------------------------------------------------

    def assess(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        result: str | None = None,
        justification: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        return self.assessments.assess(actor, audit_id, requirement_id, result, justification, expected_version)

    def confirm_derived(self, actor: str | None, audit_id: int) -> tuple[list[str], list[str]]:
        """Confirm every derived result still unassessed (each its own trail entry): (confirmed, left)."""
        return self.assessments.confirm_derived(actor, audit_id)

    def defer(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        justification: str,
        expected_version: int | None = None,
    ) -> int:
        """Leave a requirement open on purpose, with a written justification the reports show."""
        return self.assessments.defer(actor, audit_id, requirement_id, justification, expected_version)

    def open_requirements(self, actor: str | None, audit_id: int) -> list[Open]:
        """Requirements not yet settled (what blocks submit and sign-off), and why."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            require(s, get_user(s, actor), audit.firm_id, READ, "read audits")
            return open_requirements(s, audit)

    def attest(
        self,
        actor: str | None,
        audit_id: int,
        requirement_id: str,
        result: str,
        attested_by: str,
        attested_on: dt.date,
        document_ref: str | None = None,
        note: str | None = None,
    ) -> int:
        return self.assessments.attest(
            actor, audit_id, requirement_id, result, attested_by, attested_on, document_ref, note
        )

    def reconfirm_attestation(
        self,
        actor: str | None,
        attestation_id: int,
        attested_by: str,
        attested_on: dt.date,
        document_ref: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        self.assessments.reconfirm_attestation(
            actor, attestation_id, attested_by, attested_on, document_ref, expected_version
        )

    def add_measure(
        self,
        actor: str | None,
        audit_id: int,
        ref: str,
        description: str,
        requirement_ids: list[str],
        approver: str,
        approved_on: dt.date,
        review_by: dt.date,
        *,
        checks: Sequence[str] = (),
        subjects: Sequence[str] = (),
        whole_requirement: bool = False,
    ) -> int:
        """A compensating measure covering the named checks (and subjects), or the whole requirement."""
        return self.measures.add_measure(
            actor, audit_id, ref, description, requirement_ids, approver, approved_on, review_by,
            checks=checks, subjects=subjects, whole_requirement=whole_requirement,
        )  # fmt: skip

    def update_measure(
        self, actor: str | None, measure_id: int, review_by: dt.date, expected_version: int | None = None
    ) -> None:
        self.measures.update_measure(actor, measure_id, review_by, expected_version)

    def update_remediation(
        self,
        actor: str | None,
        item_id: int,
        *,
        owner: str | None = None,
        due_date: dt.date | None = None,
        status: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        title: str | None = None,
    ) -> int:
        return self.assessments.update_remediation(
            actor, item_id, owner=owner, due_date=due_date, status=status, note=note,
            expected_version=expected_version, title=title,
        )  # fmt: skip

    def overdue(self, actor: str | None, on: dt.date, firm_id: str | None = None) -> list[tuple[int, RemediationSnap]]:
        return self.assessments.overdue(actor, on, firm_id)

    def assessment_versions(self, audit_id: int) -> dict[str, int]:
        return self.assessments.assessment_versions(audit_id)

    # --- policy documents (ccaudit policies scan -> proposals the auditor decides) ---------------------

    def attach_policies(self, actor: str | None, audit_id: int, folder: Path) -> Attached:
        """Attach a policy scan's proposals (stored under their SHA-256, logged in the trail); no result changes."""
        return self.policies.attach(actor, audit_id, folder)

    def decide_policy(
        self, actor: str | None, audit_id: int, requirement_id: str, confirm: bool, note: str, lang: str | None = None
    ) -> Decision:
        """Confirm a clause's proposal (an attestation quoting the passages) or reject it (the trail only)."""
        return self.policies.decide(actor, audit_id, requirement_id, confirm, note, lang or self.settings.lang)

    def policy_proposals(self, actor: str | None, audit_id: int) -> PolicyView | None:
        """The audit's latest policy proposals with the decisions on them; None before any was attached."""
        return self.policies.view(actor, audit_id)

    # --- review -------------------------------------------------------------------------------------

    def submit(self, actor: str | None, audit_id: int) -> None:
        self.review.submit(actor, audit_id)

    def return_to_draft(self, actor: str | None, audit_id: int, note: str) -> None:
        self.review.return_to_draft(actor, audit_id, note)

    def signoff(self, actor: str | None, audit_id: int, key: Ed25519PrivateKey) -> str:
        """Sign off, then anchor the sign-off's trail entry outside the database (CCAUDIT_ANCHOR_DIR)."""
        self.anchoring.prepare()
        digest = self.review.signoff(actor, audit_id, key)
        with self.db.read() as s:
            reviewer = get_user(s, actor).id
        self.anchoring.anchor_signoff(reviewer, audit_id, key)
        return digest

    def require_preparer(self, actor: str | None, audit_id: int) -> None:
        self.review.require_preparer(actor, audit_id)

    def prepare_signoff(self, actor: str | None, audit_id: int) -> SignoffRequest:
        """The digest a reviewer signs on their own machine (`ccaudit audit sign-digest`); nothing changes."""
        self.anchoring.prepare()
        return self.review.prepare_signoff(actor, audit_id)

    def signoff_signed(
        self, actor: str | None, audit_id: int, signed_at: dt.datetime, digest: str, signature: str
    ) -> str:
        """Sign off with the signature of a prepared digest made elsewhere. The trail anchor needs the
        reviewer's key too: `signoff_anchor_request`, signed the same way, then `anchor_signoff_signed`."""
        self.anchoring.prepare()
        return self.review.signoff_signed(actor, audit_id, signed_at, digest, signature)

    def signoff_anchor_request(
        self, actor: str | None, audit_id: int, at: dt.datetime | None = None
    ) -> anchors.Anchor:
        """The sign-off's anchor, unsigned, made `at` (default now), for its reviewer to sign elsewhere."""
        return self.anchoring.signoff_anchor_request(actor, audit_id, at)

    def anchor_signoff_signed(self, actor: str | None, audit_id: int, at: dt.datetime, signature: str) -> Path:
        return self.anchoring.anchor_signoff_signed(actor, audit_id, at, signature)

    def signoff_anchored(self, audit_id: int) -> bool:
        """Whether the audit's sign-off entry has an anchor made with the key that signed it off."""
        with self.db.read() as s:
            audit = load_audit(s, audit_id)
            return bool(self.anchoring.signoff_anchors(s, audit.id, audit.key_fingerprint))

    def check_signoff(self, actor: str | None, audit_id: int) -> None:
        """Raise unless the actor may sign the audit off now: every rule of sign-off but the key."""
        self.review.check_signoff(actor, audit_id)

    def signoff_sealed(self, actor: str | None, audit_id: int, passphrase: str) -> str:
        """Sign off with the reviewer's key the server keeps sealed under their passphrase (as `signoff`)."""
        self.review.check_signoff(actor, audit_id)  # the rules first: a passphrase is never tried for nothing
        return self.signoff(actor, audit_id, self.sealed_keys.unseal(actor, passphrase))

    def sealed_key_status(self, actor: str | None) -> tuple[str | None, str | None]:
        """(registered, sealed) key fingerprints of the acting user."""
        return self.sealed_keys.status(actor)

    def create_sealed_key(self, actor: str | None, passphrase: str) -> str:
        """A first signing key made by the server, registered and kept sealed under the passphrase."""
        return self.sealed_keys.create(actor, passphrase)

    def seal_key(self, actor: str | None, private_pem: bytes, file_passphrase: str | None, passphrase: str) -> str:
        """Keep the acting user's registered key (from its PEM file) sealed under a passphrase."""
        return self.sealed_keys.seal(actor, private_pem, file_passphrase, passphrase)

    # --- firms and users ----------------------------------------------------------------------------

    def add_user(self, actor: str | None, user_id: str, name: str, password: str | None = None) -> UserInfo:
        return self.users.add_user(actor, user_id, name, password)

    def set_password(self, actor: str | None, user_id: str, password: str) -> None:
        self.users.set_password(actor, user_id, password)

    def authenticate(self, user_id: str, password: str) -> bool:
        return self.users.authenticate(user_id, password)

    def register_key(self, actor: str | None, public_key_pem: str) -> str:
        """The acting user's first signing key (refused once they have had one); returns its fingerprint."""
        return self.keys.register_own(actor, public_key_pem).fingerprint or ""

    def check_first_key(self, actor: str | None) -> None:
        """Raise unless the acting user may register a key of their own (check before generating one)."""
        self.keys.check_first_key(actor)

    def assign_key(self, actor: str | None, user_id: str, public_key_pem: str) -> KeyChange:
        """A firm admin registers or replaces another user's signing key."""
        return self.keys.assign(actor, user_id, public_key_pem)

    def revoke_key(self, actor: str | None, user_id: str) -> KeyChange:
        """A firm admin revokes another user's signing key."""
        return self.keys.revoke(actor, user_id)

    def add_firm(self, actor: str | None, firm_id: str, name: str) -> None:
        self.users.add_firm(actor, firm_id, name)

    def grant(self, actor: str | None, user_id: str, firm_id: str, role: str) -> None:
        self.users.grant(actor, user_id, firm_id, role)

    def revoke(self, actor: str | None, user_id: str, firm_id: str, role: str) -> None:
        self.users.revoke(actor, user_id, firm_id, role)

    def grant_inspector(self, actor: str | None, user_id: str, firm_id: str, until: dt.datetime) -> int:
        """Read-only access to one firm until `until` (an admin of the firm grants it; in the trail)."""
        return self.users.grant_inspector(actor, user_id, firm_id, until)

    def revoke_inspector(self, actor: str | None, user_id: str, firm_id: str) -> int:
        return self.users.revoke_inspector(actor, user_id, firm_id)

    def inspector_grants(self, actor: str | None, firm_id: str) -> list[InspectorGrantInfo]:
        """The firm's inspector grants, live or ended (its admins may see them)."""
        return self.users.inspector_grants(actor, firm_id)

    def inspector_firms(self, user_id: str) -> list[tuple[str, dt.datetime]]:
        """The firms `user_id` may inspect now, with the end of each grant."""
        return self.users.inspector_firms(user_id)

    def reset_mfa(self, actor: str | None, user_id: str) -> bool:
        """Forget a user's web second factor and end their sessions (they enrol again); False if none."""
        return self.users.reset_mfa(actor, user_id)

    def list_users(self) -> list[UserInfo]:
        return self.users.list_users()

    def list_firms(self) -> list[tuple[str, str]]:
        return self.users.list_firms()

    def roles(self, user_id: str, firm_id: str) -> set[Role]:
        return self.users.roles(user_id, firm_id)

    # --- integrity ----------------------------------------------------------------------------------

    def export(self, actor: str | None, audit_id: int, out: Path, key: Ed25519PrivateKey) -> Path:
        """Write the signed audit's read-only archive, its index signed with the exporter's registered key;
        `ccaudit verify ARCHIVE` checks it offline."""
        with self.db.read() as s:
            user = get_user(s, actor)
            audit = load_audit(s, audit_id)
            require(s, user, audit.firm_id, READ, "export audits")
            require_own_key(user, key, "export an archive")
            found = self.anchoring.signoff_anchors(s, audit.id, audit.key_fingerprint)
            exported_at = iso(self.clock()) or ""
            snap = build_snapshot(s, audit)
            path = export_archive(s, audit, snap, self.runs_dir, out, Exporter(user.id, key), exported_at, found)
        with self.db.transaction() as s:
            self.recorder.log_audit(s, user.id, "audit.export", load_audit(s, audit_id), None, audit)
        return path

    def anchor(self, actor: str | None, key: Ed25519PrivateKey) -> Anchored:
        """Write the trail's current head, signed by the acting user, to the anchor directory, and the
        anchor of each of their sign-offs that has none."""
        return self.anchoring.anchor_head(actor, key)

    def verify(
        self, check_files: bool = True, anchor_dir: Path | None = None, trusted: TrustedKeys | None = None
    ) -> VerifyReport:
        """Re-compute the trail's chain, every record against the trail, every frozen audit's digest; with
        `anchor_dir`, that the trail still holds every head anchored there."""
        with self.db.read() as s:
            report = verify_database(s, self.runs_dir if check_files else None)
            if anchor_dir is not None:
                anchors.check_database(s, anchor_dir, trusted, report)
            return report
