"""Audit events are sealed into the chain after commit: a chain sequence, links empty until sealed

Revision ID: 0008_audit_sealed_chain
Revises: 0007_patient_unit_bed
Create Date: 2026-12-08

Requests now only insert audit events; a sealer gives each committed event its place in the
chain (`sequence`), its link (`prev_hash`) and its `hash` afterwards, so those may be empty
until then. Events chained before this revision were appended under the head lock, in id
order: they keep their links and hashes unchanged and get sequence numbers in id order, and
the head learns the length of the chain.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_sealed_chain"
down_revision = "0007_patient_unit_bed"
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", EVENT_ID, nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    with op.batch_alter_table("audit_chain_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_sequence", EVENT_ID, server_default="0", nullable=False))

    # UPDATE ... FROM: PostgreSQL, and SQLite from 3.33 (2020).
    op.execute(
        "UPDATE audit_events SET sequence = numbered.position "
        "FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM audit_events) AS numbered "
        "WHERE audit_events.id = numbered.id"
    )
    op.execute("UPDATE audit_chain_head SET last_sequence = (SELECT count(*) FROM audit_events)")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_sequence"), ["sequence"])


def downgrade():
    # The old schema has no room for an event without a link: seal first (`flask audit seal`).
    unsealed = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_events WHERE sequence IS NULL")).scalar()
    if unsealed:
        raise RuntimeError(f"{unsealed} audit events are not sealed yet: run `flask audit seal`, then downgrade")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_sequence"), type_="unique")
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("sequence")
    with op.batch_alter_table("audit_chain_head", schema=None) as batch_op:
        batch_op.drop_column("last_sequence")
