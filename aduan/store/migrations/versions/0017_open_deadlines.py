"""Deadlines nobody has marked met or missed yet, by due date: the stuck-deadline figure that
intake's /metrics refreshes every 15 seconds reads them without scanning every deadline ever
set.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX deadlines_open ON deadlines (due_at)"
        " WHERE met_at IS NULL AND missed_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX deadlines_open")
