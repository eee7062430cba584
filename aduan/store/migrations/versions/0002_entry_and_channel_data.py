"""Who entered a complaint for a caller, and what its channel carried besides the text.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # entered_by: the staff user who typed in a call-centre complaint (desk, channel phone).
    op.execute("ALTER TABLE complaints ADD COLUMN entered_by text")
    # channel_data: what a channel brought besides the text (mail attachments' names, types
    # and sizes; the provider number an SMS or WhatsApp message was sent to).
    op.execute("ALTER TABLE complaints ADD COLUMN channel_data jsonb NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE complaints DROP COLUMN channel_data")
    op.execute("ALTER TABLE complaints DROP COLUMN entered_by")
