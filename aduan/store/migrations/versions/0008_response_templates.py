"""Response templates the desk offers when answering a complaint.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE response_templates (
            id bigserial PRIMARY KEY,
            category text,  -- NULL: offered for every category
            language text NOT NULL CHECK (language IN ('id', 'en')),
            title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
            updated_by text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE response_templates")
