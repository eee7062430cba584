"""Complaints, their timeline and deadlines, the outbox and the delivery log.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_SCHEMA = [
    """
    CREATE TABLE complaints (
        id uuid PRIMARY KEY,
        tracking_code text NOT NULL UNIQUE,
        idempotency_key text UNIQUE,
        request_hash text NOT NULL,
        channel text NOT NULL,
        external_ref text,
        status text NOT NULL DEFAULT 'received',
        outcome text,
        escalation_level text NOT NULL DEFAULT 'none',
        subject text,
        description text NOT NULL,
        category text,
        complaint_class text,
        language text NOT NULL DEFAULT 'id',
        complainant jsonb NOT NULL DEFAULT '{}',
        account_ref text,
        location jsonb,
        unit text,
        officer text,
        received_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (channel, external_ref)
    )
    """,
    """
    CREATE INDEX complaints_status_unit ON complaints (status, unit)
    """,
    """
    CREATE TABLE timeline (
        id bigserial PRIMARY KEY,
        complaint_id uuid NOT NULL REFERENCES complaints (id),
        step text NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL,
        escalation_level text NOT NULL,
        public boolean NOT NULL DEFAULT true,
        data jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL,
        UNIQUE (complaint_id, step)
    )
    """,
    """
    CREATE TABLE deadlines (
        complaint_id uuid NOT NULL REFERENCES complaints (id),
        kind text NOT NULL,
        started_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        met_at timestamptz,
        missed_at timestamptz,
        PRIMARY KEY (complaint_id, kind)
    )
    """,
    """
    CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
    )
    """,
    """
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL
    """,
    """
    CREATE TABLE deliveries (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL,
        recipient_role text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, recipient_role, channel)
    )
    """,
]


def upgrade() -> None:
    for statement in _SCHEMA:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE deliveries, outbox, deadlines, timeline, complaints")
