"""The queue's text search ignores accents: "bocor" finds "bócor".

`unaccent` is not immutable (its dictionary could change), so it cannot sit in an index as
it is; the wrapper names its dictionary and is declared immutable, the usual way to index it.
On a managed PostgreSQL where the application may not create extensions, a DBA runs
`CREATE EXTENSION unaccent` once before this migration.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(
        """
        CREATE FUNCTION aduan_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
        """
    )
    op.execute("DROP INDEX complaints_text_search")
    op.execute(
        """
        CREATE INDEX complaints_text_search ON complaints USING gin
            (to_tsvector('indonesian', aduan_unaccent(coalesce(subject, '') || ' ' || description)))
        """
    )


def downgrade() -> None:
    op.execute("DROP INDEX complaints_text_search")
    op.execute(
        """
        CREATE INDEX complaints_text_search ON complaints USING gin
            (to_tsvector('indonesian', coalesce(subject, '') || ' ' || description))
        """
    )
    op.execute("DROP FUNCTION aduan_unaccent(text)")
