"""Patients have a unit and a bed

Revision ID: 0007_patient_unit_bed
Revises: 0006_seed_phrase_library
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_patient_unit_bed"
down_revision = "0006_seed_phrase_library"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("bed", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_patients_unit"), ["unit"], unique=False)


def downgrade():
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_unit"))
        batch_op.drop_column("bed")
        batch_op.drop_column("unit")
