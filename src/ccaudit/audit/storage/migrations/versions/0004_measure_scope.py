"""A compensating measure names what it covers: the checks (and, within a check, the subjects) in
measure_checks, or the whole requirement (measures.whole_requirement = true).

Measures recorded before keep whole_requirement NULL: they were recorded, decided and signed as
covering their requirements whole, and their trail entries say so by not naming a scope; the
application reads NULL as "whole requirement" and leaves the key out of the recorded state.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whole_requirement", sa.Boolean(), nullable=True))
    op.create_table(
        "measure_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], name=op.f("fk_measure_checks_measure_id_measures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_checks")),
    )
    with op.batch_alter_table("measure_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_checks_measure_id"), ["measure_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measure_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_checks_measure_id"))
    op.drop_table("measure_checks")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("whole_requirement")
