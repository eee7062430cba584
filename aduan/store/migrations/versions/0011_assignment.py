"""Assignment by load: officers may be away, units may assign by hand, and the time of an
officer's last assignment breaks ties.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE staff_accounts ADD COLUMN away boolean NOT NULL DEFAULT false")
    op.execute("ALTER TABLE staff_accounts ADD COLUMN last_assigned_at timestamptz")
    op.execute("ALTER TABLE units ADD COLUMN auto_assign boolean NOT NULL DEFAULT true")
    # An officer's load is counted over their open complaints at every assignment.
    op.execute(
        "CREATE INDEX complaints_open_by_officer ON complaints (officer)"
        " WHERE status <> 'closed' AND officer IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX complaints_open_by_officer")
    op.execute("ALTER TABLE units DROP COLUMN auto_assign")
    op.execute("ALTER TABLE staff_accounts DROP COLUMN last_assigned_at, DROP COLUMN away")
