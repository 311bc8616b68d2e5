"""The trail is append-only in the database too: UPDATE and DELETE on it are refused by triggers.

(Defence in depth: someone with rights to drop triggers can still edit it, and `ccaudit verify` then
finds the change through the hash chain.)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "the audit trail is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ccaudit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON trail "
            "FOR EACH ROW EXECUTE FUNCTION ccaudit_trail_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER trail_no_{event.lower()} BEFORE {event} ON trail "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER trail_append_only ON trail")
        op.execute("DROP FUNCTION ccaudit_trail_append_only()")
        return
    op.execute("DROP TRIGGER trail_no_update")
    op.execute("DROP TRIGGER trail_no_delete")
