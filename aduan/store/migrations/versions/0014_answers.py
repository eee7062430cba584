"""Category questions: a complaint keeps the answers to its category's questions.

`answers` maps a question's code to its cleaned answer (text, a number, a YYYY-MM-DD date or
a choice's code), as aduan.domain.questions stores it; `{}` for a complaint that answered
none, so every row (older ones included) reads the same way.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE complaints ADD COLUMN answers jsonb NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE complaints DROP COLUMN answers")
