"""Units: the name complainants read and the address their officers' mail goes to.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE units (
            code text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 100),
            name_id text CHECK (length(name_id) <= 200),
            name_en text CHECK (length(name_en) <= 200),
            email text CHECK (length(email) <= 320),
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE units")
