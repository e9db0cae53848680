"""The shared cache of rendered PDFs: each document is rendered once, on whichever host asks first.

Kept in the database, which every app host shares, never on one host's disk. A document
is keyed by a hash of everything its page shows (the HTML, so the revision's content,
the patient's identifiers, signature and receipts) plus the glossary version, and by kind,
language and renderer version, so a change to any of them is a different document.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..common import canonical_json, sha256_hex
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


def store(cache_key: str, kind: str, lang: str, revision, body: bytes) -> None:
    """Keep a rendered PDF; if another host stored the same one meanwhile, either copy is right."""
    try:
        with db.session.begin_nested():
            db.session.add(RenderedDocument(
                handoff_id=revision.handoff_id, revision_number=revision.number, content_hash=revision.content_hash,
                cache_key=cache_key, kind=kind, lang=lang, renderer_version=RENDERER_VERSION,
                media_type="application/pdf", body=body))
    except IntegrityError:
        pass
