"""A remediation item keeps what its title is made of (remediation_items.title_source: canonical JSON of
the reason that opened it and whether an earlier item had been closed, or that a person typed it), so the
title is said in each reader's language instead of the English sentence stored in `title`.

Downgrading leaves the column in place (see downgrade). Items recorded before keep title_source NULL:
their trail entries hold no such key, so the application
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
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("remediation_items")}
    if "title_source" in columns:  # kept by a downgrade (below): the parts recorded then are still there
        return
    with op.batch_alter_table("remediation_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_source", sa.Text(), nullable=True))


def downgrade() -> None:
    """The column stays: the items recorded since this revision have their title's parts in their trail
    entries, so dropping it would make each of them differ from its trail (and a signed audit from its
    digest) once upgraded again. An older version ignores a column its models do not name."""
