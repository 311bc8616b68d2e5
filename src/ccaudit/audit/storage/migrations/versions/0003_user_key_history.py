"""Signing-key history: user_keys holds every key a user has had, with the period it was registered
(valid_from, valid_to), whether it was revoked, who registered it and who ended it, so that `verify`
judges each signature by the key registered when it was made.

The history of an existing database is rebuilt from the trail (each change of a user's recorded key
fingerprint starts or ends a period), not from the users table, which anyone with database rights
could have edited. Each rebuilt row gets its own trail entry, so `verify` vouches for it as for any
record. (This reuses the trail's hashing code: the trail format is a contract of its own.)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from ccaudit.audit.integrity.digest import canonical
from ccaudit.audit.integrity.state import iso
from ccaudit.audit.integrity.trail import entry_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTOR = "migration-0003"


def upgrade() -> None:
    op.create_table(
        "user_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_keys")),
    )
    with op.batch_alter_table("user_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_user_keys_registered",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
    _rebuild_history(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("user_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_user_keys_registered")
    op.drop_table("user_keys")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _periods(conn: sa.Connection) -> list[dict[str, Any]]:
    """Key periods per user, in trail order, from every recorded state of each user."""
    current: dict[str, dict[str, Any]] = {}
    periods: list[dict[str, Any]] = []
    rows = conn.execute(
        sa.text(
            'SELECT at, actor, entity_id, "after" FROM trail WHERE entity = \'user\' AND "after" IS NOT NULL '
            "ORDER BY seq"
        )
    )
    for at, actor, user_id, after in rows:
        state = json.loads(after)
        fingerprint, pem = state.get("key_fingerprint"), state.get("public_key_pem")
        open_period = current.get(user_id)
        if (open_period["fingerprint"] if open_period else None) == fingerprint:
            continue
        if open_period is not None:
            open_period.update(valid_to=_at(at), ended_by=actor, revoked=fingerprint is None)
            del current[user_id]
        if fingerprint and pem:
            period = {
                "user_id": user_id, "fingerprint": fingerprint, "public_key_pem": pem, "valid_from": _at(at),
                "valid_to": None, "revoked": False, "registered_by": actor, "ended_by": None,
            }  # fmt: skip
            periods.append(period)
            current[user_id] = period
    return periods


def _rebuild_history(conn: sa.Connection) -> None:
    periods = _periods(conn)
    if not periods:
        return
    keys = sa.table(
        "user_keys",
        *(sa.column(name) for name in ("id", "user_id", "fingerprint", "public_key_pem", "revoked")),
        *(sa.column(name) for name in ("registered_by", "ended_by")),
        sa.column("valid_from", sa.DateTime(timezone=True)),
        sa.column("valid_to", sa.DateTime(timezone=True)),
    )
    lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    seq, prev = conn.execute(sa.text(f"SELECT seq, hash FROM chain_head WHERE id = 1{lock}")).one()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    for period in periods:
        stored = {k: _stored_time(conn, v) if isinstance(v, dt.datetime) else v for k, v in period.items()}
        key_id = conn.execute(sa.insert(keys).values(**stored).returning(keys.c.id)).scalar_one()
        after = {k: iso(v) if isinstance(v, dt.datetime) else v for k, v in period.items()} | {"id": key_id}
        seq += 1
        fields = {
            "seq": seq, "at": now, "actor": ACTOR, "action": "user_key.rebuild", "firm_id": None,
            "audit_id": None, "entity": "user_key", "entity_id": str(key_id), "before": None,
            "after": canonical(after), "prev_hash": prev, "audit_prev_hash": None,
        }  # fmt: skip
        prev = entry_hash(fields)
        conn.execute(sa.text(_INSERT_TRAIL), fields | {"hash": prev})
    conn.execute(sa.text("UPDATE chain_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": prev})


def _stored_time(conn: sa.Connection, value: dt.datetime) -> dt.datetime:
    """As the models' UTCDateTime stores it: naive UTC on SQLite, aware elsewhere."""
    value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


_INSERT_TRAIL = (
    'INSERT INTO trail (seq, at, actor, action, firm_id, audit_id, entity, entity_id, "before", "after", '
    "prev_hash, audit_prev_hash, hash) VALUES (:seq, :at, :actor, :action, :firm_id, :audit_id, :entity, "
    ":entity_id, :before, :after, :prev_hash, :audit_prev_hash, :hash)"
)
