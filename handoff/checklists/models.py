"""Published checklist definitions: one immutable row per (key, version)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..common import utcnow
from ..extensions import db


class ChecklistVersion(db.Model):
    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Stored exactly as published (no defaults filled in), so GET returns what was posted.
    definition: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
