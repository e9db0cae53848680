"""Translation memory entries

Revision ID: 0004_translation_entries
Revises: 0003_documents_shares
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_translation_entries"
down_revision = "0003_documents_shares"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "translation_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("library_id", sa.String(length=100), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_translation_entries_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_entries")),
    )
    with op.batch_alter_table("translation_entries", schema=None) as batch_op:
        batch_op.create_index("ix_translation_entries_lookup", ["lang", "source_key", "builtin", "id"], unique=False)


def downgrade():
    op.drop_table("translation_entries")
