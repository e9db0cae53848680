"""Signatures record the newest translation entry at signing

Revision ID: 0005_signature_translations
Revises: 0004_translation_entries
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_signature_translations"
down_revision = "0004_translation_entries"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations_through", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("translations_through")
