"""Audit state as SQLAlchemy 2 typed models. The schema itself is owned by the Alembic migrations.

Reference data (catalogs, checks) is not here: an audit names its catalog ID and version only.
Rows that users change concurrently carry a `version` (optimistic locking, see service).
Hashed text (trail before/after, offending row data) is stored as canonical JSON text, not JSON
columns, so that what is read back is byte for byte what was hashed, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite has no zones: stored naive UTC, read back aware)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _versioned(column: Any) -> Any:
    """Mapper arguments for optimistic locking: UPDATE … WHERE version = :seen, then version + 1."""
    return {"version_id_col": column}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Firm(Base):
    __tablename__ = "firms"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # the registered key, repeated from user_keys (its history) for a quick look
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = _versioned(version)


class UserKey(Base):
    """Every signing key a user has had. The registered one has no valid_to; a replaced or revoked
    one keeps its period, so a signature is judged by the key registered when it was made."""

    __tablename__ = "user_keys"
    __table_args__ = (
        # at most one registered key per user, whatever races between two admins
        Index(
            "uq_user_keys_registered",
            "user_id",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the raw public key, hex
    public_key_pem: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by: Mapped[str] = mapped_column(String(64))
    ended_by: Mapped[str | None] = mapped_column(String(64))


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    firm_id: Mapped[str] = mapped_column(ForeignKey("firms.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class Audit(Base):
    __tablename__ = "audits"
    __table_args__ = (UniqueConstraint("firm_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    firm_id: Mapped[str] = mapped_column(ForeignKey("firms.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    catalog_id: Mapped[str] = mapped_column(String(100))
    catalog_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("audits.id"))
    preparer: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)  # why the reviewer returned it to draft
    reviewer: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    trail_head: Mapped[str | None] = mapped_column(String(64))
    digest: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(200))
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = _versioned(version)


class Run(Base):
    """One inspection run attached to an audit; its files live in <data_dir>/runs/<uid>/."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    attached_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    attached_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    as_of: Mapped[dt.date] = mapped_column(Date)
    catalog_version: Mapped[int] = mapped_column(Integer)
    ccaudit_version: Mapped[str] = mapped_column(String(32))
    counts: Mapped[str] = mapped_column(Text)  # canonical JSON
    warnings: Mapped[str] = mapped_column(Text)  # canonical JSON list
    findings_sha256: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str | None] = mapped_column(String(16))  # duckdb | postgres | spark; NULL before 0005
    evidence: Mapped[list[RunEvidence]] = relationship(order_by="RunEvidence.id", lazy="selectin")


class RunEvidence(Base):
    __tablename__ = "run_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    dataset: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)


class RunFinding(Base):
    __tablename__ = "run_findings"
    __table_args__ = (UniqueConstraint("run_id", "requirement_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    requirement_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)  # canonical JSON list


class RunCheck(Base):
    __tablename__ = "run_checks"
    __table_args__ = (UniqueConstraint("run_id", "requirement_id", "check_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    requirement_id: Mapped[str] = mapped_column(String(64))
    check_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    obligation: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    offending_count: Mapped[int] = mapped_column(BigInteger)
    compensated_count: Mapped[int] = mapped_column(BigInteger)
    expired_count: Mapped[int] = mapped_column(BigInteger)
    missing_datasets: Mapped[str] = mapped_column(Text)  # canonical JSON list
    measures: Mapped[str] = mapped_column(Text)  # canonical JSON list of the firm's measure IDs
    evidence: Mapped[str] = mapped_column(Text)  # canonical JSON list of SHA-256
    offending_sha256: Mapped[str | None] = mapped_column(String(64))


class OffendingRow(Base):
    """One failing row of one check in one run, traceable to its source file and row."""

    __tablename__ = "offending_rows"
    __table_args__ = (UniqueConstraint("run_id", "check_id", "row_no"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    check_id: Mapped[str] = mapped_column(String(100))
    row_no: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    source_file: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[int | None] = mapped_column(BigInteger)
    compensated_by: Mapped[str | None] = mapped_column(String(100))
    expired_measure: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON object of the row's other columns


class Assessment(Base):
    """One requirement in one audit: workflow `status` apart from the verdict (`assessed_result`)."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("audit_id", "requirement_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"))
    requirement_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)  # order in the catalog
    # the catalog's words as the audit followed them, so the signed record stands on its own
    area: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    title_zh: Mapped[str] = mapped_column(Text)
    obligation: Mapped[str] = mapped_column(String(16))
    attestation_mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    automated_status: Mapped[str | None] = mapped_column(String(16))
    derived_result: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # canonical JSON list
    assessed_result: Mapped[str | None] = mapped_column(String(16))
    justification: Mapped[str | None] = mapped_column(Text)
    assessed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = _versioned(version)


class Attestation(Base):
    __tablename__ = "attestations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    requirement_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    attested_by: Mapped[str] = mapped_column(String(200))
    attested_on: Mapped[dt.date] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    needs_reconfirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("attestations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = _versioned(version)


class Measure(Base):
    """A compensating measure: valid from its approval until its review (expiry) date."""

    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("audit_id", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"))
    ref: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    approver: Mapped[str] = mapped_column(String(200))
    approved_on: Mapped[dt.date] = mapped_column(Date)
    review_by: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    # True: covers its requirements whole; False: only the checks (and subjects) in `checks`.
    # None: recorded before measures named what they cover (then it covered the whole requirement).
    whole_requirement: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1)
    requirements: Mapped[list[MeasureRequirement]] = relationship(
        order_by="MeasureRequirement.requirement_id", lazy="selectin", cascade="all, delete-orphan"
    )
    checks: Mapped[list[MeasureCheck]] = relationship(
        order_by="MeasureCheck.id", lazy="selectin", cascade="all, delete-orphan"
    )
    __mapper_args__ = _versioned(version)

    @property
    def requirement_ids(self) -> list[str]:
        return [r.requirement_id for r in self.requirements]

    @property
    def covers_whole_requirement(self) -> bool:
        return self.whole_requirement is not False


class MeasureRequirement(Base):
    __tablename__ = "measure_requirements"
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    requirement_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class MeasureCheck(Base):
    """A check a measure covers: for one subject (a device, person, service), or every row if none."""

    __tablename__ = "measure_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    check_id: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(Text)


class RemediationItem(Base):
    __tablename__ = "remediation_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    requirement_id: Mapped[str] = mapped_column(String(64))
    finding_result: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    # canonical JSON of snapshot.RemediationTitle (what the title is made of); NULL before migration 0008
    title_source: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="[]")  # canonical JSON list, append-only
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("remediation_items.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = _versioned(version)


class TrailEntry(Base):
    """Append-only, hash-chained log of every change (see trail.py)."""

    __tablename__ = "trail"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    firm_id: Mapped[str | None] = mapped_column(String(32))
    audit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    audit_prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """One row: the last trail entry. Locked by every writer, so the chain has one order."""

    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_trail_entity", TrailEntry.entity, TrailEntry.entity_id)
Index("ix_trail_audit_seq", TrailEntry.audit_id, TrailEntry.seq)  # an audit's own head (migration 0007)


# The web workspace's own state (migration 0005). Secrets are stored hashed or encrypted.


class WebMfa(Base):
    __tablename__ = "web_mfa"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    totp_secret: Mapped[str] = mapped_column(Text)  # encrypted
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_counter: Mapped[int | None] = mapped_column(BigInteger)  # each code is accepted once


class WebLoginThrottle(Base):
    __tablename__ = "web_login_throttle"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # as typed, known or not
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie value
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    mfa_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    csrf_secret: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(8))
    date_style: Mapped[str | None] = mapped_column(String(8))  # iso | roc


class WebPreferences(Base):
    """A web user's language and date style, kept across sessions (migration 0006)."""

    __tablename__ = "web_preferences"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    date_style: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A token acts as its user, with that user's roles, never more; optionally one firm, read-only."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    firm_id: Mapped[str | None] = mapped_column(String(32))
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class InspectorGrant(Base):
    """Read-only access to one firm for an inspector, until expires_at."""

    __tablename__ = "inspector_grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    firm_id: Mapped[str] = mapped_column(ForeignKey("firms.id"))
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SealedKey(Base):
    """A reviewer's signing key kept by the server, encrypted under the reviewer's own passphrase."""

    __tablename__ = "sealed_keys"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    encrypted_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WebRunJob(Base):
    """An inspection run started from the browser (migration 0007): its state and progress, kept here so
    any server process answers for it; the process that started it runs it (`worker`) and says it is alive
    (`updated_at`). At most one unfinished job per audit."""

    __tablename__ = "web_run_jobs"
    __table_args__ = (
        Index("ix_web_run_jobs_audit_id", "audit_id", "started_at"),
        Index("uq_web_run_jobs_unfinished", "audit_id", unique=True, sqlite_where=text("finished_at IS NULL"),
              postgresql_where=text("finished_at IS NULL")),
    )  # fmt: skip
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"))
    actor: Mapped[str] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32), default="")
    label: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
