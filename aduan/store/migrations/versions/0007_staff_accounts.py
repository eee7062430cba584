"""Staff accounts, their browser sessions, and the queue's text search (the desk's pages).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


_UPGRADE = [
    """
    CREATE TABLE staff_accounts (
        username text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('officer', 'supervisor', 'ops', 'admin')),
        unit text,
        email text,
        active boolean NOT NULL DEFAULT true,
        password_hash text NOT NULL,
        failed_signins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_signin_at timestamptz,
        CHECK (role NOT IN ('officer', 'supervisor') OR unit IS NOT NULL)
    )
    """,
    # The cookie holds a random value; only its SHA-256 is stored, so a copy of the table
    # signs nobody in. Each session has its own CSRF token for the forms it is shown.
    """
    CREATE TABLE staff_sessions (
        id_hash text PRIMARY KEY,
        username text NOT NULL REFERENCES staff_accounts ON DELETE CASCADE,
        csrf text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX staff_sessions_user ON staff_sessions (username)",
    # The queue's search box: words of subject and description, Indonesian stemming.
    """
    CREATE INDEX complaints_text_search ON complaints USING gin
        (to_tsvector('indonesian', coalesce(subject, '') || ' ' || description))
    """,
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX complaints_text_search")
    op.execute("DROP TABLE staff_sessions")
    op.execute("DROP TABLE staff_accounts")
