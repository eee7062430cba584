"""An index for lists by receipt time (Open311 GET requests: newest first, 90 days).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX complaints_received_at ON complaints (received_at)")


def downgrade() -> None:
    op.execute("DROP INDEX complaints_received_at")
