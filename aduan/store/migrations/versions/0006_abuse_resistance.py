"""Abuse resistance: shared rate-limit windows, delivery leases, webhook replay memory,
confirmed complainant contacts.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


_UPGRADE = [
    # Fixed windows of the rate limits, shared by every replica. Unlogged: a crash of
    # PostgreSQL forgets the counts, which only forgives a few clients early.
    """
    CREATE UNLOGGED TABLE rate_limits (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        expires_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX rate_limits_expiry ON rate_limits (expires_at)",
    # A notifier replica claims a delivery before sending it; another may take it over only
    # once the lease has run out (the holder died), so a slow send is never sent twice.
    "ALTER TABLE deliveries ADD COLUMN claimed_by text",
    "ALTER TABLE deliveries ADD COLUMN claimed_until timestamptz",
    # Message ids of signed webhook calls already taken: a replayed call changes nothing.
    """
    CREATE TABLE inbound_seen (
        channel text NOT NULL,
        message_id text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, message_id)
    )
    """,
    "CREATE INDEX inbound_seen_age ON inbound_seen (seen_at)",
    # When the complainant proved the e-mail address is theirs (a mail they wrote, the link
    # in the receipt, or staff who heard them); until then it gets the receipt only.
    "ALTER TABLE complaints ADD COLUMN contact_confirmed_at timestamptz",
    # Complaints taken before this rule keep hearing from us as they always did.
    "UPDATE complaints SET contact_confirmed_at = received_at",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE complaints DROP COLUMN contact_confirmed_at")
    op.execute("DROP TABLE inbound_seen")
    op.execute("ALTER TABLE deliveries DROP COLUMN claimed_until")
    op.execute("ALTER TABLE deliveries DROP COLUMN claimed_by")
    op.execute("DROP TABLE rate_limits")
