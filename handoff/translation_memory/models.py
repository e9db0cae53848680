"""Translation entries: written once, never changed or deleted; a later entry supersedes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..common import utcnow
from ..extensions import db


class TranslationEntry(db.Model):
    """`text` is what `source` says, in `lang`. `source_key` is a hash of the normalized source
    (case folded, white space collapsed), which is what matching compares."""

    __tablename__ = "translation_entries"
    __table_args__ = (Index("ix_translation_entries_lookup", "lang", "source_key", "builtin", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # Built-in entries come from the shipped phrase library; any hospital entry outranks them.
    builtin: Mapped[bool] = mapped_column(default=False)
    library_id: Mapped[str | None] = mapped_column(String(100))
    author: Mapped[str | None] = mapped_column(String(200))
    reviewed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")
