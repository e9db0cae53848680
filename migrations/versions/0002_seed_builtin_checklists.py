"""Seed the built-in checklists (discharge v1, ipass v1) and the audit chain head

Revision ID: 0002_seed_builtins
Revises: 0001_initial
Create Date: 2026-11-25

Published checklist versions never change, so this migration may read the v1 files that
ship with the package: their content is fixed for good. It imports nothing of the app's
models or services, which will change after it was written; the tables are described here
as they were at this revision.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002_seed_builtins"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


BUILTIN = Path(__file__).resolve().parents[2] / "handoff" / "checklists" / "builtin"
BUILTIN_FILES = ("discharge.v1.json", "ipass.v1.json")
# Keys the API adds to a definition it returns; never stored.
READ_ONLY_KEYS = ("version", "published_at", "published_by")
GENESIS_HASH = "0" * 64

checklist_versions = sa.table(
    "checklist_versions",
    sa.column("key", sa.String), sa.column("version", sa.Integer), sa.column("title", sa.String),
    sa.column("definition", sa.JSON), sa.column("published_at", sa.DateTime(timezone=True)),
)
audit_chain_head = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer), sa.column("last_hash", sa.String), sa.column("last_event_id", sa.BigInteger),
)


def upgrade():
    now = datetime.now(UTC)
    rows = []
    for name in BUILTIN_FILES:
        definition = json.loads((BUILTIN / name).read_text(encoding="utf-8"))
        rows.append({"key": definition["key"], "version": definition["version"], "title": definition["title"],
                     "definition": {k: v for k, v in definition.items() if k not in READ_ONLY_KEYS},
                     "published_at": now})
    op.bulk_insert(checklist_versions, rows)
    op.bulk_insert(audit_chain_head, [{"id": 1, "last_hash": GENESIS_HASH, "last_event_id": None}])


def downgrade():
    op.execute("DELETE FROM checklist_versions WHERE version = 1 AND key IN ('discharge', 'ipass')")
    op.execute("DELETE FROM audit_chain_head")
