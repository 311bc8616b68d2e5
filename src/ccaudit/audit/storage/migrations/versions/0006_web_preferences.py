"""Each web user's preferences: the language of the workspace (en, zh-TW) and how dates are shown (ISO or
ROC), kept across sessions and browsers. Not audit evidence, so not in the trail.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_preferences",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),  # en | zh-TW
        sa.Column("date_style", sa.String(length=8), nullable=True),  # iso | roc
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_preferences_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_web_preferences")),
    )


def downgrade() -> None:
    op.drop_table("web_preferences")
