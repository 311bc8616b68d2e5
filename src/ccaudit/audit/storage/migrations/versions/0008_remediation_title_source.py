"""A remediation item keeps what its title is made of (remediation_items.title_source: canonical JSON of
the reason that opened it and whether an earlier item had been closed, or that a person typed it), so the
title is said in each reader's language instead of the English sentence stored in `title`.

Items recorded before keep title_source NULL: their trail entries hold no such key, so the application
leaves it out of their recorded state (verify still matches) and reads their stored title instead
(audit/titles.py: ccaudit's own English titles are read back into parts; anything else is shown as stored).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remediation_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_source", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remediation_items", schema=None) as batch_op:
        batch_op.drop_column("title_source")
