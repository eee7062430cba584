"""References to a complaint's attachments (the bytes live in the JetStream Object Store).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One object per entry: name, key, content_type (sniffed), size, sha256.
    op.execute("ALTER TABLE complaints ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]'")


def downgrade() -> None:
    op.execute("ALTER TABLE complaints DROP COLUMN attachments")
