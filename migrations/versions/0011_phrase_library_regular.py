"""Phrase library: a lone "Regular." (a diet, an activity) in Spanish as "Como siempre."

Revision ID: 0011_phrase_library_regular
Revises: 0010_render_queue
Create Date: 2026-12-08

Adds the library entries a database does not hold yet (same language, source and text), read from the
library that ships with the package, as migration 0006 does: on a fresh database 0006 has already stored
them and this adds nothing; on a hospital's database it adds the new pair in both directions. Nothing is
changed or deleted. It imports nothing of the app: the table is described as it is at this revision.
"""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0011_phrase_library_regular"
down_revision = "0010_render_queue"
branch_labels = None
depends_on = None

LIBRARY = Path(__file__).resolve().parents[2] / "handoff" / "translation_memory" / "library" / "phrases.json"
ADDED = ("diet-regular-alone",)

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
    connection = op.get_bind()
    stored = {tuple(row) for row in connection.execute(
        sa.select(entries.c.lang, entries.c.source_key, entries.c.text).where(entries.c.builtin.is_(True)))}
    now = datetime.now(UTC)
    rows = []
    for phrase in json.loads(LIBRARY.read_text(encoding="utf-8"))["phrases"]:
        if phrase["id"] not in ADDED:
            continue
        for source_lang, lang in (("en", "es"), ("es", "en")):
            row = {"lang": lang, "source": phrase[source_lang], "source_key": _key(phrase[source_lang]),
                   "text": phrase[lang], "builtin": True, "library_id": phrase["id"], "author": phrase.get("author"),
                   "reviewed": bool(phrase.get("reviewed")), "created_at": now}
            if (lang, row["source_key"], row["text"]) not in stored:
                rows.append(row)
    if rows:
        op.bulk_insert(entries, rows)


def downgrade():
    op.execute(sa.delete(entries).where(entries.c.builtin.is_(True), entries.c.library_id.in_(ADDED)))
