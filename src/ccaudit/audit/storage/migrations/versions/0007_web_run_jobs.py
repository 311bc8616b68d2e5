"""Inspection runs started from the browser, kept in the database so that any server process answers for
them (`ccaudit serve --workers N`): the job's state and progress, which process runs it and when it last
said so. At most one job per audit is unfinished (a partial unique index). Not audit evidence: the run a
job attaches is recorded in `runs` and the trail as any run is.

Also an index on the trail by audit and sequence, so an audit's own trail head (the web pages' cache
key, AuditService.read_access) is one index probe however long the trail grows.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_run_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),  # queued | running | done | failed
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("counts", sa.Text(), nullable=False),  # JSON object
        sa.Column("worker", sa.String(length=200), nullable=False),  # host and process running it
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),  # the worker's last word
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name=op.f("fk_web_run_jobs_audit_id_audits")),
        sa.ForeignKeyConstraint(["actor"], ["users.id"], name=op.f("fk_web_run_jobs_actor_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_run_jobs")),
    )
    op.create_index("ix_web_run_jobs_audit_id", "web_run_jobs", ["audit_id", "started_at"])
    op.create_index(
        "uq_web_run_jobs_unfinished", "web_run_jobs", ["audit_id"], unique=True,
        sqlite_where=sa.text("finished_at IS NULL"), postgresql_where=sa.text("finished_at IS NULL"),
    )  # fmt: skip
    op.create_index("ix_trail_audit_seq", "trail", ["audit_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_trail_audit_seq", table_name="trail")
    op.drop_index("uq_web_run_jobs_unfinished", table_name="web_run_jobs")
    op.drop_index("ix_web_run_jobs_audit_id", table_name="web_run_jobs")
    op.drop_table("web_run_jobs")
