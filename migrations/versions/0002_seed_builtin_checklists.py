"""Seed the built-in checklists (discharge v1, ipass v1) and the audit chain head

Revision ID: 0002_seed_builtins
Revises: 0001_initial
Create Date: 2026-11-25

Published checklist versions never change, so this migration may read the v1 files that
ship with the package: their content is fixed for good.
"""

from alembic import op
from sqlalchemy.orm import Session

revision = "0002_seed_builtins"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    from handoff.audit.service import ensure_chain_head_in
    from handoff.checklists.service import seed_builtin

    session = Session(bind=op.get_bind())
    seed_builtin(session)
    ensure_chain_head_in(session)
    session.flush()


def downgrade():
    op.execute("DELETE FROM checklist_versions WHERE version = 1 AND key IN ('discharge', 'ipass')")
    op.execute("DELETE FROM audit_chain_head")
