"""Delivery log: what each delivery is about, the event kept for replay, every attempt.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


_UPGRADE = [
    "ALTER TABLE deliveries ADD COLUMN complaint_id uuid",
    "ALTER TABLE deliveries ADD COLUMN event_type text",
    # The event as received (events carry no complainant identity), so that a dead
    # delivery can be published again even after the outbox is pruned.
    "ALTER TABLE deliveries ADD COLUMN event jsonb",
    "ALTER TABLE deliveries ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
    "CREATE INDEX deliveries_undelivered ON deliveries (updated_at)"
    " WHERE status IN ('dead', 'replaying')",
    """
    CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id bigint NOT NULL REFERENCES deliveries (id),
        attempt integer NOT NULL,
        outcome text NOT NULL,
        error text,
        attempted_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE delivery_attempts")
    op.execute("DROP INDEX deliveries_undelivered")
    for column in ("created_at", "event", "event_type", "complaint_id"):
        op.execute(f"ALTER TABLE deliveries DROP COLUMN {column}")
