"""An inspector's visits of a day are found by the timeline's field-check entries.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE INDEX timeline_field_visits
        ON timeline ((data->>'inspector'), (data->>'date'))
        WHERE event_type = 'field_check_scheduled'"""
    )


def downgrade() -> None:
    op.execute("DROP INDEX timeline_field_visits")
