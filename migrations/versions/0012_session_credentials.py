"""Credentials say where they were issued; a session's CSRF token is no longer stored

Revision ID: 0012_session_credentials
Revises: 0011_phrase_library_regular
Create Date: 2026-12-08

Issue 11, point 5. `client_addr` and `user_agent` let an admin tell a user's sessions and
tokens apart before ending one. The CSRF token was kept in clear beside the hash of its
session's secret; it is now derived from that secret (handoff/auth/service.py
`csrf_token_for`), so the column goes. Sessions open at the upgrade carried a stored token
that no longer matches, so they are ended: their users sign in again (bearer tokens stay).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_session_credentials"
down_revision = "0011_phrase_library_regular"
branch_labels = None
depends_on = None


def _end_open_sessions():
    credentials = sa.table("credentials", sa.column("kind", sa.String), sa.column("revoked_at", sa.DateTime))
    op.execute(credentials.update().where(credentials.c.kind == "session", credentials.c.revoked_at.is_(None))
               .values(revoked_at=sa.func.current_timestamp()))


def upgrade():
    _end_open_sessions()
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_addr", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=200), nullable=True))
        batch_op.drop_column("csrf_token")


def downgrade():
    _end_open_sessions()  # the old code would need their CSRF tokens in the column
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csrf_token", sa.String(length=64), nullable=True))
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_addr")
