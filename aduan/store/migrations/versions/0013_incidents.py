"""Incidents: complaints about one problem, linked so they can be answered at once.

`pg_trgm` scores how alike two complaints' texts are (aduan/store/incidents.py); its GIN
index is on the very expression the queries compare, so they use it. On a managed PostgreSQL
where the application may not create extensions, a DBA runs `CREATE EXTENSION pg_trgm` once
before this migration.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        """
        CREATE TABLE incidents (
            id uuid PRIMARY KEY,
            title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
            category text NOT NULL,
            region_code text NOT NULL,
            status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            response text,
            responded_by text,
            responded_at timestamptz,
            closed_by text,
            closed_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX incidents_open ON incidents (category) WHERE status = 'open'")
    op.execute(
        """
        CREATE TABLE incident_complaints (
            incident_id uuid NOT NULL REFERENCES incidents (id),
            complaint_id uuid NOT NULL UNIQUE REFERENCES complaints (id),
            linked_by text NOT NULL,
            linked_at timestamptz NOT NULL DEFAULT now(),
            how text NOT NULL CHECK (how IN ('staff', 'arrival')),
            PRIMARY KEY (incident_id, complaint_id)
        )
        """
    )
    op.execute(
        """
        CREATE INDEX complaints_text_trigrams ON complaints USING gin
            (aduan_unaccent(coalesce(subject, '') || ' ' || description) gin_trgm_ops)
        """
    )


def downgrade() -> None:
    op.execute("DROP INDEX complaints_text_trigrams")
    op.execute("DROP TABLE incident_complaints, incidents")
