"""Retention and the complainant's rights: anonymised complaints marked, erasures recorded,
complainants' requests queued for an admin.

`anonymised_at` makes every batch of `aduan retention run` idempotent: a marked complaint
is never touched again. An erasure row names the complaint, the admin and the reason, never
the person. A rights request names the complaint (found by its tracking code) only.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


_UPGRADE = [
    "ALTER TABLE complaints ADD COLUMN anonymised_at timestamptz",
    "CREATE INDEX complaints_closed_not_anonymised ON complaints (updated_at)"
    " WHERE status = 'closed' AND anonymised_at IS NULL",
    # An admin finds a complainant's complaints by e-mail (aduan/store/rights.py).
    "CREATE INDEX complaints_complainant_email ON complaints (lower(complainant->>'email'))",
    """
    CREATE TABLE erasures (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        complaint_id uuid NOT NULL REFERENCES complaints (id),
        username text NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000)
    )
    """,
    """
    CREATE TABLE rights_requests (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        complaint_id uuid NOT NULL REFERENCES complaints (id),
        kind text NOT NULL CHECK (kind IN ('export', 'erase')),
        handled_at timestamptz,
        handled_by text
    )
    """,
    "CREATE INDEX rights_requests_open ON rights_requests (created_at) WHERE handled_at IS NULL",
]


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE rights_requests, erasures")
    op.execute("ALTER TABLE complaints DROP COLUMN anonymised_at")
