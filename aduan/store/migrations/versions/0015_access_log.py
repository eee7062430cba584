"""The access log: one row per staff read of a complaint and per staff action, append-only.

PostgreSQL itself refuses UPDATE, DELETE and TRUNCATE on the table (a trigger), so no code
path of the application can rewrite what staff did. Retention is an admin's SQL job, in one
transaction with the row trigger disabled (docs/privacy.md "Access log"). No foreign key to
complaints: the log outlives what it names, and writing it never waits on a complaint's lock.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE access_log (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            username text NOT NULL,
            role text NOT NULL,
            unit text,
            action text NOT NULL,
            complaint_id uuid,
            identity_shown boolean NOT NULL DEFAULT false,
            source text,
            user_agent text,
            detail jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX access_log_complaint ON access_log (complaint_id, id DESC)")
    op.execute("CREATE INDEX access_log_username ON access_log (username, id DESC)")
    op.execute(
        """
        CREATE FUNCTION access_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
            FOR EACH ROW EXECUTE FUNCTION access_log_refuse()
        """
    )
    op.execute(
        """
        CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
            FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse()
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE access_log")
    op.execute("DROP FUNCTION access_log_refuse()")
