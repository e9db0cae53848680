"""Rendered documents, kept in the shared database so every app host renders each one once."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..common import utcnow
from ..extensions import db


class RenderedDocument(db.Model):
    """One PDF. `cache_key` hashes everything the page shows (the revision's content hash,
    the patient's identifiers, signature and acknowledgements, glossary), so a change to
    any of them is a different document; kind, language and renderer version are explicit."""

    __tablename__ = "rendered_documents"
    __table_args__ = (UniqueConstraint("cache_key", "kind", "lang", "renderer_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    revision_number: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    renderer_version: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
