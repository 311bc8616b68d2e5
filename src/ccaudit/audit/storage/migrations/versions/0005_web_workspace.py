"""The web workspace's own state: second factors (TOTP), login throttling, browser sessions, API
tokens, time-limited inspector grants across firms, and reviewers' signing keys sealed under their
passphrase. Also the engine that ran a run's checks (runs.engine; NULL for runs attached before).
None of the web state is audit evidence: changes that matter (grants, tokens, keys) are also
written to the trail by the application.

Secrets are never stored in the clear: session IDs and API tokens as SHA-256 hashes, TOTP secrets
and sealed keys encrypted (see ccaudit.web.serverkey and ccaudit.web.mfa).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engine", sa.String(length=16), nullable=True))
    op.create_table(
        "web_mfa",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=False),  # encrypted
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),  # NULL until a first code
        sa.Column("last_counter", sa.BigInteger(), nullable=True),  # a code is accepted once
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_mfa_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_web_mfa")),
    )
    op.create_table(
        "web_login_throttle",
        sa.Column("user_id", sa.String(length=64), nullable=False),  # as typed: unknown names throttle too
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_web_login_throttle")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mfa_at", sa.DateTime(timezone=True), nullable=True),  # last second-factor check
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("date_style", sa.String(length=8), nullable=True),  # iso | roc
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),  # acts as this user, never more
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=32), nullable=True),  # NULL: every firm of the user's
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "inspector_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=32), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_inspector_grants_user_id_users")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_inspector_grants_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_grants")),
    )
    with op.batch_alter_table("inspector_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspector_grants_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sealed_keys",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),  # of the public half
        sa.Column("encrypted_pem", sa.Text(), nullable=False),  # PKCS#8, encrypted under the passphrase
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sealed_keys_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sealed_keys")),
    )


def downgrade() -> None:
    op.drop_table("sealed_keys")
    with op.batch_alter_table("inspector_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_grants_user_id"))
    op.drop_table("inspector_grants")
    op.drop_table("api_tokens")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
    op.drop_table("web_login_throttle")
    op.drop_table("web_mfa")
    # SQLite >= 3.35 drops a column in place; a batch copy of runs would trip its foreign keys
    with op.batch_alter_table("runs", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("engine")
