"""Initial audit schema: firms, users and roles, audits, runs (evidence, findings, checks, offending
rows), assessments, attestations, measures, remediation items, the trail and its head.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head")),
    )
    op.bulk_insert(
        sa.table("chain_head", sa.column("id"), sa.column("seq"), sa.column("hash")),
        [{"id": 1, "seq": 0, "hash": "0" * 64}],  # the trail's genesis: no entry yet
    )
    op.create_table(
        "firms",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firms")),
    )
    op.create_table(
        "trail",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=32), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_trail")),
        sa.UniqueConstraint("hash", name=op.f("uq_trail_hash")),
    )
    with op.batch_alter_table("trail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trail_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index("ix_trail_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("firm_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("catalog_id", sa.String(length=100), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("preparer", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trail_head", sa.String(length=64), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["carried_from"], ["audits.id"], name=op.f("fk_audits_carried_from_audits")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_audits_firm_id_firms")),
        sa.ForeignKeyConstraint(["opened_by"], ["users.id"], name=op.f("fk_audits_opened_by_users")),
        sa.ForeignKeyConstraint(["preparer"], ["users.id"], name=op.f("fk_audits_preparer_users")),
        sa.ForeignKeyConstraint(["reviewer"], ["users.id"], name=op.f("fk_audits_reviewer_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
        sa.UniqueConstraint("firm_id", "year", name=op.f("uq_audits_firm_id_year")),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audits_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_user_roles_firm_id_firms")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "firm_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("attested_by", sa.String(length=200), nullable=False),
        sa.Column("attested_on", sa.Date(), nullable=False),
        sa.Column("document_ref", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_reconfirmation", sa.Boolean(), nullable=False),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_attestations_audit_id_audits")),
        sa.ForeignKeyConstraint(
            ["carried_from"], ["attestations.id"], name=op.f("fk_attestations_carried_from_attestations")
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_attestations_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attestations_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_measures_audit_id_audits")),
        sa.ForeignKeyConstraint(["carried_from"], ["measures.id"], name=op.f("fk_measures_carried_from_measures")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_measures_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("audit_id", "ref", name=op.f("uq_measures_audit_id_ref")),
    )
    op.create_table(
        "remediation_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("finding_result", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_remediation_items_audit_id_audits")),
        sa.ForeignKeyConstraint(
            ["carried_from"],
            ["remediation_items.id"],
            name=op.f("fk_remediation_items_carried_from_remediation_items"),
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_remediation_items_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remediation_items")),
    )
    with op.batch_alter_table("remediation_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remediation_items_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("attached_by", sa.String(length=64), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("ccaudit_version", sa.String(length=32), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("findings_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["attached_by"], ["users.id"], name=op.f("fk_runs_attached_by_users")),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_runs_audit_id_audits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("uid", name=op.f("uq_runs_uid")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("obligation", sa.String(length=16), nullable=False),
        sa.Column("attestation_mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("automated_status", sa.String(length=16), nullable=True),
        sa.Column("derived_result", sa.String(length=16), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("assessed_result", sa.String(length=16), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("assessed_by", sa.String(length=64), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessed_by"], ["users.id"], name=op.f("fk_assessments_assessed_by_users")),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_assessments_audit_id_audits")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_assessments_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("audit_id", "requirement_id", name=op.f("uq_assessments_audit_id_requirement_id")),
    )
    op.create_table(
        "measure_requirements",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_measure_requirements_measure_id_measures")
        ),
        sa.PrimaryKeyConstraint("measure_id", "requirement_id", name=op.f("pk_measure_requirements")),
    )
    op.create_table(
        "offending_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=100), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_row", sa.BigInteger(), nullable=True),
        sa.Column("compensated_by", sa.String(length=100), nullable=True),
        sa.Column("expired_measure", sa.String(length=100), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_offending_rows_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offending_rows")),
        sa.UniqueConstraint("run_id", "check_id", "row_no", name=op.f("uq_offending_rows_run_id_check_id_row_no")),
    )
    op.create_table(
        "run_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("check_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("obligation", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("offending_count", sa.BigInteger(), nullable=False),
        sa.Column("compensated_count", sa.BigInteger(), nullable=False),
        sa.Column("expired_count", sa.BigInteger(), nullable=False),
        sa.Column("missing_datasets", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("offending_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_checks_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_checks")),
        sa.UniqueConstraint(
            "run_id", "requirement_id", "check_id", name=op.f("uq_run_checks_run_id_requirement_id_check_id")
        ),
    )
    op.create_table(
        "run_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_evidence_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_evidence")),
    )
    with op.batch_alter_table("run_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_evidence_run_id"), ["run_id"], unique=False)

    op.create_table(
        "run_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_findings_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_findings")),
        sa.UniqueConstraint("run_id", "requirement_id", name=op.f("uq_run_findings_run_id_requirement_id")),
    )


def downgrade() -> None:

    op.drop_table("run_findings")
    with op.batch_alter_table("run_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_evidence_run_id"))

    op.drop_table("run_evidence")
    op.drop_table("run_checks")
    op.drop_table("offending_rows")
    op.drop_table("measure_requirements")
    op.drop_table("assessments")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_audit_id"))

    op.drop_table("runs")
    with op.batch_alter_table("remediation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remediation_items_audit_id"))

    op.drop_table("remediation_items")
    op.drop_table("measures")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_audit_id"))

    op.drop_table("attestations")
    op.drop_table("user_roles")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audits_firm_id"))

    op.drop_table("audits")
    op.drop_table("users")
    with op.batch_alter_table("trail", schema=None) as batch_op:
        batch_op.drop_index("ix_trail_entity")
        batch_op.drop_index(batch_op.f("ix_trail_audit_id"))

    op.drop_table("trail")
    op.drop_table("firms")
    op.drop_table("chain_head")
