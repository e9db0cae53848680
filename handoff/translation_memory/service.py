"""The translation memory: add entries, list those in force, and find translations for a summary.

Which entry is in force for a (language, source): the newest hospital entry, else the
newest built-in one. Entries are never changed or deleted: a later one supersedes. Matching
ignores case, surrounding white space and runs of spaces (`normalize`). A signed revision's
summary reads the memory as it stood at signing (`through`, the newest entry id then).
"""

import json
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import aliased

from ..audit import service as audit
from ..common import sha256_hex, utcnow
from ..database import escape_like
from ..domain import Actor
from ..extensions import db
from ..pagination import Page, paginate
from .models import TranslationEntry

LIBRARY = Path(__file__).with_name("library") / "phrases.json"


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def source_key(text: str) -> str:
    return sha256_hex(normalize(text))


def add(actor: Actor, lang: str, source: str, text: str) -> TranslationEntry:
    """A hospital entry; it supersedes any earlier entry for the same language and source."""
    entry = TranslationEntry(lang=lang, source=source.strip(), source_key=source_key(source), text=text.strip(),
                             builtin=False, created_by_id=actor.user_id,
                             author=actor.user.display_name if actor.user else None)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "translation.create", "translation", entry.id, detail={"lang": lang})
    return entry


def _in_force(through: int | None = None):
    """Entries in force: for each (lang, source) the newest hospital entry, else the newest built-in."""
    rival = aliased(TranslationEntry)
    best = select(rival.id).where(rival.lang == TranslationEntry.lang, rival.source_key == TranslationEntry.source_key)
    if through is not None:
        best = best.where(rival.id <= through)
    best = best.order_by(rival.builtin.asc(), rival.id.desc()).limit(1).correlate(TranslationEntry).scalar_subquery()
    return select(TranslationEntry).where(TranslationEntry.id == best)


def search(lang: str | None, q: str | None, page: int, per_page: int) -> Page:
    stmt = _in_force()
    if lang:
        stmt = stmt.where(TranslationEntry.lang == lang)
    for word in (q or "").split():
        like = f"%{escape_like(word.casefold())}%"
        stmt = stmt.where(or_(func.lower(TranslationEntry.source).like(like, escape="\\"),
                              func.lower(TranslationEntry.text).like(like, escape="\\")))
    return paginate(stmt.order_by(TranslationEntry.source, TranslationEntry.id), page, per_page)


def lookup(lang: str, sources: Iterable[str], through: int | None = None) -> dict[str, str]:
    """Translations into `lang` of each source found in force: `{normalize(source): text}`."""
    keys = {source_key(source): normalize(source) for source in sources if source and source.strip()}
    if not keys:
        return {}
    stmt = select(TranslationEntry).where(TranslationEntry.lang == lang, TranslationEntry.source_key.in_(keys))
    if through is not None:
        stmt = stmt.where(TranslationEntry.id <= through)
    chosen: dict[str, TranslationEntry] = {}
    for entry in db.session.scalars(stmt):
        current = chosen.get(entry.source_key)
        if current is None or (not entry.builtin, entry.id) > (not current.builtin, current.id):
            chosen[entry.source_key] = entry
    return {keys[key]: entry.text for key, entry in chosen.items()}


def newest_id() -> int | None:
    """The id that pins a signed summary to the memory as it stands now."""
    return db.session.scalar(select(func.max(TranslationEntry.id)))


def library_entries() -> list[dict]:
    """The shipped phrase library as entries: each pair gives one entry per direction."""
    phrases = json.loads(LIBRARY.read_text(encoding="utf-8"))["phrases"] if LIBRARY.exists() else []
    entries = []
    for phrase in phrases:
        for source_lang, lang in (("en", "es"), ("es", "en")):
            entries.append({"lang": lang, "source": phrase[source_lang], "text": phrase[lang],
                            "library_id": phrase["id"], "author": phrase.get("author"),
                            "reviewed": bool(phrase.get("reviewed"))})
    return entries


def seed_library() -> int:
    """Add the library entries not stored yet (the tests' clean database; migration 0006 has its own)."""
    stored = {(e.lang, e.source_key, e.text) for e in db.session.scalars(
        select(TranslationEntry).where(TranslationEntry.builtin.is_(True)))}
    rows = []
    for entry in library_entries():
        key = source_key(entry["source"])
        if (entry["lang"], key, entry["text"]) not in stored:
            rows.append({**entry, "source_key": key, "builtin": True, "created_at": utcnow()})
            stored.add((entry["lang"], key, entry["text"]))
    if rows:
        db.session.execute(insert(TranslationEntry), rows)  # one executemany: this runs before every test
    return len(rows)

