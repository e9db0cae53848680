"""Indexes for the list filters not yet covered: the patient name and MRN search, the audit action

Revision ID: 0009_list_filter_indexes
Revises: 0008_audit_sealed_chain
Create Date: 2026-12-02

The patient search matches `lower(column) LIKE 'word%'` on the family name, the given name and
the MRN, which a plain index on the column cannot serve: these index the same expression. On
PostgreSQL they use `text_pattern_ops`, so a prefix LIKE can use them whatever the database's
collation (a default-collation index serves LIKE only under the C collation). The audit search
filters by `action` too.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_list_filter_indexes"
down_revision = "0008_audit_sealed_chain"
branch_labels = None
depends_on = None

LOWER_INDEXES = {
    "ix_patients_family_name_lower": "family_name",
    "ix_patients_given_name_lower": "given_name",
    "ix_patients_mrn_lower": "mrn",
}


def upgrade():
    pattern_ops = " text_pattern_ops" if op.get_bind().dialect.name == "postgresql" else ""
    for name, column in LOWER_INDEXES.items():
        op.create_index(name, "patients", [sa.text(f"lower({column}){pattern_ops}")], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))
    for name in reversed(LOWER_INDEXES):
        op.drop_index(name, table_name="patients")
