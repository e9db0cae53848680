"""The shared cache of rendered PDFs: each document is rendered once, on whichever host asks first.

Kept in the database, which every app host shares, never on one host's disk. A document
is keyed by a hash of everything its page shows (the HTML, so the revision's content,
the patient's identifiers, signature and receipts) plus the glossary version, and by kind,
language and renderer version, so a change to any of them is a different document.

The cache stays bounded (`evict`): a document older than `HANDOFF_DOCUMENT_CACHE_MAX_AGE_DAYS` is
dropped, and past `HANDOFF_DOCUMENT_CACHE_MAX_MB` in all the oldest go first. Nothing is lost by it: a
revision never changes and renders are deterministic, so an evicted document is rendered again on
demand and reads the same. Eviction runs in its own short transaction: after a store (at most once a
minute per process), on the render worker's timer, and from `flask render evict`.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..common import canonical_json, sha256_hex, utcnow
from ..extensions import db
from .glossary import GLOSSARY_VERSION
from .models import RenderedDocument
from .renderer import RENDERER_VERSION


def key_of(html: str) -> str:
    return sha256_hex(canonical_json({"html": sha256_hex(html), "glossary": GLOSSARY_VERSION}))


def lookup(cache_key: str, kind: str, lang: str) -> bytes | None:
    return db.session.scalar(select(RenderedDocument.body).where(
        RenderedDocument.cache_key == cache_key, RenderedDocument.kind == kind, RenderedDocument.lang == lang,
        RenderedDocument.renderer_version == RENDERER_VERSION))


def store(cache_key: str, kind: str, lang: str, body: bytes, *, handoff_id: int, revision_number: int,
          content_hash: str) -> None:
    """Keep a rendered PDF; if another host stored the same one meanwhile, either copy is right."""
    try:
        with db.session.begin_nested():
            db.session.add(RenderedDocument(
                handoff_id=handoff_id, revision_number=revision_number, content_hash=content_hash,
                cache_key=cache_key, kind=kind, lang=lang, renderer_version=RENDERER_VERSION,
                media_type="application/pdf", body=body))
    except IntegrityError:
        pass


@dataclass
class Eviction:
    by_age: int
    by_size: int
    kept: int
    kept_bytes: int


def evict(*, max_age_days: float, max_bytes: int, now: datetime | None = None) -> Eviction:
    """Drop documents older than `max_age_days`, then the oldest until the rest take at most `max_bytes`.

    Commits its own transaction (call it with none open in `db.session`)."""
    table = RenderedDocument.__table__
    cutoff = (now or utcnow()) - timedelta(days=max_age_days)
    by_age = db.session.execute(delete(table).where(table.c.created_at < cutoff)).rowcount
    # Newest first, a running total of sizes (length() reads the stored size, not the bytes, on both engines):
    # everything from the first document that takes the total past the budget goes.
    running = (select(table.c.id, func.sum(func.length(table.c.body)).over(
        order_by=(table.c.created_at.desc(), table.c.id.desc())).label("total")).subquery())
    over = select(running.c.id).where(running.c.total > max_bytes)
    by_size = db.session.execute(delete(table).where(table.c.id.in_(over))).rowcount
    kept, kept_bytes = db.session.execute(select(func.count(), func.coalesce(func.sum(func.length(table.c.body)), 0))
                                          .select_from(table)).one()
    db.session.commit()
    return Eviction(by_age=by_age, by_size=by_size, kept=kept, kept_bytes=int(kept_bytes))


EVICT_EVERY_SECONDS = 60.0
_last_eviction = 0.0
_eviction_lock = threading.Lock()


def evict_now_and_then(config) -> Eviction | None:
    """`evict` with the app's settings, at most once a minute in this process."""
    global _last_eviction
    with _eviction_lock:
        if time.monotonic() - _last_eviction < EVICT_EVERY_SECONDS:
            return None
        _last_eviction = time.monotonic()
    return evict_configured(config)


def evict_configured(config) -> Eviction:
    return evict(max_age_days=config["HANDOFF_DOCUMENT_CACHE_MAX_AGE_DAYS"],
                 max_bytes=int(config["HANDOFF_DOCUMENT_CACHE_MAX_MB"] * 1024 * 1024))
