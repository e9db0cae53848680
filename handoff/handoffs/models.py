"""Handoffs and their immutable history.

A `Handoff` is a pointer: which patient, which checklist version, which revision is
current. Every save writes a new `Revision` row that is never updated. Signing writes a
`Signature` for one revision (a revision is final when it is signed), and receipts are
`Acknowledgement` rows. Nothing here is ever deleted.
"""

import re
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..common import utcnow
from ..extensions import db
from ..patients.models import Patient

DRAFT = "draft"
FINAL = "final"


_TAG = re.compile(rf"h(\d{{1,10}})-r(\d{{1,10}})-({DRAFT}|{FINAL})")


class HandoffState(NamedTuple):
    """Where a handoff stands: every save moves the revision on, signing changes the status.

    Its `tag` is the handoff's ETag, so a client's `If-Match` names the state it read.
    """

    handoff_id: int
    revision: int
    status: str

    @property
    def tag(self) -> str:
        return f"h{self.handoff_id}-r{self.revision}-{self.status}"

    @classmethod
    def from_tag(cls, tag: str) -> "HandoffState | None":
        """The state an ETag names, or None for a tag this app never sent."""
        match = _TAG.fullmatch(tag)
        return cls(int(match[1]), int(match[2]), match[3]) if match else None


class Handoff(db.Model):
    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_patient_updated", "patient_id", "updated_at"),
        Index("ix_handoffs_status_updated", "status", "updated_at"),
        Index("ix_handoffs_checklist_updated", "checklist_key", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    checklist_key: Mapped[str] = mapped_column(String(64))
    checklist_version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(8), default=DRAFT)
    current_revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    finalized_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    patient: Mapped[Patient] = relationship(lazy="joined")
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id], lazy="joined")
    finalized_by: Mapped[User | None] = relationship(foreign_keys=[finalized_by_id], lazy="joined")

    @property
    def state(self) -> HandoffState:
        return HandoffState(self.id, self.current_revision, self.status)

    @property
    def checklist_ref(self) -> dict:
        return {"key": self.checklist_key, "version": self.checklist_version}


class Revision(db.Model):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("handoff_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"))
    number: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(lazy="joined")
    handoff: Mapped[Handoff] = relationship()
    signature: Mapped["Signature | None"] = relationship(lazy="joined", back_populates="revision")

    @property
    def status(self) -> str:
        return FINAL if self.signature is not None else DRAFT


class Signature(db.Model):
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), unique=True)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # The newest translation entry when this revision was signed: its summary uses the entries
    # in force then, so a later entry never changes what was handed to the patient.
    translations_through: Mapped[int | None] = mapped_column()

    revision: Mapped[Revision] = relationship(back_populates="signature")
    signed_by: Mapped[User] = relationship(lazy="joined")


class Acknowledgement(db.Model):
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("handoff_id", "revision_number", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    revision_number: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    synthesis: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
