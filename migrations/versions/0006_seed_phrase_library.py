"""Seed the built-in phrase library into the translation memory

Revision ID: 0006_seed_phrase_library
Revises: 0005_signature_translations
Create Date: 2026-12-01

Reads the phrase library that ships with the package, as it is when this runs. It imports
nothing of the app: the table is described here as it was at this revision. A later
library release adds its new or changed entries with a migration of its own (this logic,
copied), so a hospital's database never loses an entry and never has one changed.
"""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0006_seed_phrase_library"
down_revision = "0005_signature_translations"
branch_labels = None
depends_on = None

LIBRARY = Path(__file__).resolve().parents[2] / "handoff" / "translation_memory" / "library" / "phrases.json"

entries = sa.table(
    "translation_entries",
    sa.column("lang", sa.String), sa.column("source", sa.Text), sa.column("source_key", sa.String),
    sa.column("text", sa.Text), sa.column("builtin", sa.Boolean), sa.column("library_id", sa.String),
    sa.column("author", sa.String), sa.column("reviewed", sa.Boolean), sa.column("created_at", sa.DateTime(True)),
)


def _key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).casefold().encode("utf-8")).hexdigest()


def upgrade():
    if not LIBRARY.exists():
        return
    now = datetime.now(UTC)
    rows = []
    for phrase in json.loads(LIBRARY.read_text(encoding="utf-8"))["phrases"]:
        for source_lang, lang in (("en", "es"), ("es", "en")):
            rows.append({"lang": lang, "source": phrase[source_lang], "source_key": _key(phrase[source_lang]),
                         "text": phrase[lang], "builtin": True, "library_id": phrase["id"],
                         "author": phrase.get("author"), "reviewed": bool(phrase.get("reviewed")),
                         "created_at": now})
    if rows:
        op.bulk_insert(entries, rows)


def downgrade():
    op.execute("DELETE FROM translation_entries WHERE builtin")
