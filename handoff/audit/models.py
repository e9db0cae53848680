"""Audit events: an append-only, hash-chained record of who read or changed what."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

GENESIS_HASH = "0" * 64

EventId = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(db.Model):
    """One event. Written by the request it records, unsealed; linked into the chain by the sealer.

    `sequence`, `prev_hash` and `hash` are empty until the event is sealed (service.seal).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column()
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(index=True)
    handoff_id: Mapped[int | None] = mapped_column(index=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)
    # The event's place in the chain (1, 2, 3 ...), given at sealing: the sealing order, which
    # on PostgreSQL need not be id order (ids are handed out before commit, not at it).
    sequence: Mapped[int | None] = mapped_column(EventId, unique=True)
    # Each sealed event's hash covers its content and the previous event's hash; the unique
    # prev_hash makes a fork of the chain impossible even if two sealers raced.
    prev_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    @property
    def is_sealed(self) -> bool:
        return self.sequence is not None


class AuditChainHead(db.Model):
    """One row that points at the newest sealed event. Only the sealer locks it, never a request."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int | None] = mapped_column(EventId)
    last_sequence: Mapped[int] = mapped_column(EventId, default=0, server_default="0")
