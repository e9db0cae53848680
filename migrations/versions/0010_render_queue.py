"""The render queue's tables (procrastinate), in their own PostgreSQL schema; nothing on SQLite

Revision ID: 0010_render_queue
Revises: 0009_list_filter_indexes
Create Date: 2026-12-10

Production renders documents through procrastinate, a job queue kept in PostgreSQL
(handoff/documents/queue.py, HANDOFF_RENDER_BACKEND=queue). Its tables, types and functions are
created in a schema of their own, `procrastinate`, apart from the app's tables (the queue's
connections set their search_path to it). The SQL is procrastinate's own schema for the pinned
version (pyproject.toml): a later release is brought in by a migration that applies its
migration files (procrastinate/sql/migrations), never by editing this one. A database whose
`procrastinate` schema already holds the queue (its public schema was reset, as the test suite
does) keeps it. SQLite has no queue: the embedded default renders in-process.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_render_queue"
down_revision = "0009_list_filter_indexes"
branch_labels = None
depends_on = None

SCHEMA = "procrastinate"
PINNED = "3.10.0"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    import procrastinate
    from procrastinate.schema import SchemaManager

    if procrastinate.__version__ != PINNED:
        raise RuntimeError(f"migration 0010 installs procrastinate {PINNED}'s schema; {procrastinate.__version__} "
                           "is installed (pip install -e . installs the pinned version)")
    op.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    present = bind.execute(sa.text("SELECT to_regclass(:name)"), {"name": f"{SCHEMA}.procrastinate_jobs"}).scalar()
    if present is not None:
        return
    search_path = bind.execute(sa.text("SHOW search_path")).scalar()
    bind.exec_driver_sql(f"SET LOCAL search_path TO {SCHEMA}")
    with bind.connection.dbapi_connection.cursor() as cursor:  # as a script: no parameters, several statements
        cursor.execute(SchemaManager.get_schema())
    bind.execute(sa.text("SELECT set_config('search_path', :path, true)"), {"path": search_path})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
