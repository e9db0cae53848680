"""Append audit events to the hash chain, and check the chain.

An event is written in the same transaction as the read or write it records, so a
request that fails leaves neither. Appends take a lock on the single chain-head row
(`SELECT ... FOR UPDATE`; SQLite's write lock does the same), so concurrent requests on
many hosts still form one unbroken chain.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ..common import canonical_json, iso, sha256_hex, utcnow
from ..domain import Actor
from ..extensions import db
from ..pagination import Page, paginate
from .models import GENESIS_HASH, AuditChainHead, AuditEvent

HEAD_ID = 1


def event_digest(event: AuditEvent) -> str:
    content = {
        "prev_hash": event.prev_hash, "at": iso(event.at), "user_id": event.user_id, "username": event.username,
        "action": event.action, "record_type": event.record_type, "record_id": event.record_id,
        "patient_id": event.patient_id, "handoff_id": event.handoff_id, "client_addr": event.client_addr,
        "detail": event.detail,
    }
    return sha256_hex(canonical_json(content))


def ensure_chain_head() -> None:
    """The chain starts at the genesis hash; migration 0002 creates this row on every database."""
    if db.session.get(AuditChainHead, HEAD_ID) is None:
        db.session.add(AuditChainHead(id=HEAD_ID, last_hash=GENESIS_HASH, last_event_id=None))
        db.session.flush()


def record(actor: Actor, action: str, record_type: str, record_id=None, *, patient_id=None, handoff_id=None,
           detail: dict | None = None) -> AuditEvent:
    """Append one event: who (the actor), what, which record, when, from where."""
    head = db.session.scalar(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update())
    if head is None:
        ensure_chain_head()
        head = db.session.get(AuditChainHead, HEAD_ID)
    event = AuditEvent(
        at=utcnow(),
        user_id=actor.user_id,
        username=actor.username,
        action=action, record_type=record_type, record_id=None if record_id is None else str(record_id),
        patient_id=patient_id, handoff_id=handoff_id,
        client_addr=actor.client_addr,
        detail=detail or None, prev_hash=head.last_hash,
    )
    event.hash = event_digest(event)
    db.session.add(event)
    db.session.flush()
    head.last_hash = event.hash
    head.last_event_id = event.id
    return event


SEARCH_FILTERS = ("handoff_id", "patient_id", "username", "action")


def search(filters: dict, page: int, per_page: int) -> Page:
    """Events matching every filter given (and `since`, a moment), oldest first."""
    stmt = select(AuditEvent)
    for name in SEARCH_FILTERS:
        if name in filters:
            stmt = stmt.where(getattr(AuditEvent, name) == filters[name])
    if "since" in filters:
        stmt = stmt.where(AuditEvent.at >= filters["since"])
    return paginate(stmt.order_by(AuditEvent.id), page, per_page)


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Walk every event oldest first; report the first whose link or content does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not events:
            break
        for event in events:
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "its previous-hash link does not match the event before it")
            if event_digest(event) != event.hash:
                return ChainReport(checked, event.id, "its content does not match its hash (altered)")
            expected_prev = event.hash
            checked += 1
            last_id = event.id
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(checked, head.last_event_id, "the newest events are missing (chain head points past them)")
    return ChainReport(checked)
