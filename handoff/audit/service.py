"""Record audit events without a global lock, seal them into a hash chain, and check the chain.

Why this shape (issue 10, point 3). Every read of patient data is audited, so whatever a
request does to audit, every request does. The first design appended each event to the chain
inside the request: it locked the one chain-head row (`SELECT ... FOR UPDATE`) until the
request committed, so a request that stayed open (a 19-second render) made every other
request in the hospital wait behind it, on every host. Now the work is split in two:

- **Recording** (`record`) only inserts a row, in the request's own transaction: a failed
  request leaves neither its change nor its event, and no row is shared between requests
  (an insert on PostgreSQL takes no lock another insert waits for).
- **Keeping** (`keep`, issue 11 point 6) is for events that matter most when the request
  fails: failed and limited sign-ins, refused requests (403), admins reading this trail,
  exports, ending sessions and disabling users. The event goes into the request's transaction
  like any other, so a request that succeeds commits it with its work; if that transaction
  is rolled back instead, `audit.requests` writes the event again once it has ended, in a
  transaction of its own, with the request's status in `detail`. (It cannot be written on
  a second connection while the request is open: SQLite's one writer is the request itself.)
  Either way it is an ordinary unsealed event, sealed into the chain like the rest.
- **Sealing** (`seal`) links committed, unsealed events into the chain in short
  transactions of its own: it takes the head row (`FOR UPDATE`, or `FOR UPDATE SKIP
  LOCKED` for the opportunistic sealers, which then simply skip a turn), gives each event
  the next `sequence` number, its `prev_hash` (the previous sealed event's hash) and its
  `hash` (over its content and `prev_hash`), and moves the head. Only sealers ever lock the
  head; requests never read it. Sealing order is "whatever is committed and unsealed, lowest
  id first": on PostgreSQL ids are handed out before commit, so an event with a lower id
  can commit after a higher one was sealed; it is then sealed in a later batch, with a
  later sequence number, never lost or refused. Verification walks `sequence`, not id.

The alternatives weighed: one chain per writer (per process or connection) anchored
together removes the sealer but makes "which events exist" depend on a registry of writers
that tampering could also edit, and the reader of the trail must merge chains; a database
sequence plus a per-request link to "the previous id" still needs the previous event's hash,
which is exactly the shared row. The sealer keeps one chain, one order, one head to publish.

Where sealers run: every app process starts a background thread on its first request
(`sealer.py`), woken after each request that recorded an event and on a timer; it never
makes a request wait. `flask audit seal` seals once (or `--watch`es) from its own process,
and `flask audit verify` / `flask audit head` seal first. On SQLite the database itself
has one writer at a time, so a sealer's short transaction queues like any other write.

What sealing proves: an altered sealed event no longer matches its hash, a removed one
breaks the link (and the sequence) of the next. Deleting the newest events and rewinding
the head leaves a shorter chain that is internally valid, so the head is published
(`head()`: `flask audit head`, `GET /api/v1/audit/head`) to be kept outside the database,
and `verify_chain(anchor=...)` fails when the anchored event is gone or differs. An event
is protected from the moment it is sealed (seconds after its request committed); until
then it is only a row, as every audit record is before anything links it.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context
from sqlalchemy import bindparam, func, select, update

from ..common import canonical_json, iso, sha256_hex, utcnow
from ..domain import Actor
from ..extensions import db
from ..pagination import Page, paginate
from .models import GENESIS_HASH, AuditChainHead, AuditEvent

HEAD_ID = 1
SEAL_BATCH = 500
HASH_LENGTH = 64

CONTENT_FIELDS = ("at", "user_id", "username", "action", "record_type", "record_id", "patient_id", "handoff_id",
                  "client_addr", "detail")


def digest(fields: Mapping, prev_hash: str) -> str:
    """The hash of one event: its content (CONTENT_FIELDS) and the hash of the event before it."""
    content = {name: fields[name] for name in CONTENT_FIELDS}
    content["at"] = iso(content["at"])
    content["prev_hash"] = prev_hash
    return sha256_hex(canonical_json(content))


def event_digest(event: AuditEvent) -> str:
    return digest({name: getattr(event, name) for name in CONTENT_FIELDS}, event.prev_hash)


def ensure_chain_head() -> None:
    """The chain starts at the genesis hash; migration 0002 creates this row on every database."""
    if db.session.get(AuditChainHead, HEAD_ID) is None:
        db.session.add(AuditChainHead(id=HEAD_ID, last_hash=GENESIS_HASH, last_event_id=None, last_sequence=0))
        db.session.flush()


def record(actor: Actor, action: str, record_type: str, record_id=None, *, patient_id=None, handoff_id=None,
           detail: dict | None = None) -> AuditEvent:
    """Write one event (who, what, which record, when, from where) in the caller's transaction, unsealed."""
    event = AuditEvent(
        at=utcnow(),
        user_id=actor.user_id,
        username=actor.username,
        action=action, record_type=record_type, record_id=None if record_id is None else str(record_id),
        patient_id=patient_id, handoff_id=handoff_id,
        client_addr=actor.client_addr,
        detail=detail or None,
    )
    db.session.add(event)
    db.session.flush()
    if has_app_context():
        g.audit_recorded = True  # the app's sealer is woken once this request has committed
    return event


def keep(actor: Actor, action: str, record_type: str, record_id=None, **fields) -> AuditEvent:
    """`record`, and in a request, keep the event although the request's transaction is rolled back.

    Outside a request (the CLI, tests) it is `record`: the caller's transaction is the whole task.
    """
    event = record(actor, action, record_type, record_id, **fields)
    if has_request_context():
        g.setdefault("audit_kept", []).append((event, content_of(event)))
    return event


def keep_apart(actor: Actor, action: str, record_type: str, record_id=None, *, patient_id=None, handoff_id=None,
               detail: dict | None = None) -> None:
    """In a request: write this event only after the request's transaction has ended, in one of its own.

    For events about a request that has already failed (a 403 answer), whose own transaction
    may be unusable; `audit.requests` writes it whatever the outcome.
    """
    content = {"at": utcnow(), "user_id": actor.user_id, "username": actor.username, "action": action,
               "record_type": record_type, "record_id": None if record_id is None else str(record_id),
               "patient_id": patient_id, "handoff_id": handoff_id, "client_addr": actor.client_addr,
               "detail": detail or None}
    g.setdefault("audit_kept", []).append((None, content))


def content_of(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


def write_apart(contents: list[dict], status: int | None) -> int:
    """Insert these events in a transaction of their own (the caller's session has none open); how many."""
    for content in contents:
        detail = dict(content["detail"] or {})
        if status is not None:
            detail.setdefault("status", status)
        db.session.add(AuditEvent(**{**content, "detail": detail or None}))
    db.session.commit()
    return len(contents)


# --- sealing ---------------------------------------------------------------------------------------


@dataclass
class SealResult:
    sealed: int
    busy: bool = False  # another sealer held the head: nothing was done, it is sealing


def seal(*, wait: bool = True, batch_size: int = SEAL_BATCH) -> SealResult:
    """Link every committed unsealed event into the chain, lowest id first, one short transaction per batch.

    Runs on a connection of its own, never in the caller's transaction. With `wait=False`
    (the background sealers) a head held by another sealer means "skip this turn".
    """
    if db.engine.dialect.name == "sqlite" and db.session().in_transaction():
        # SQLite's one writer would be this session's own open transaction: it would wait on itself.
        raise RuntimeError("seal() must run outside a transaction of db.session on SQLite; commit or roll back first")
    sealed = 0
    while True:
        batch = _seal_batch(wait, batch_size)
        if batch is None:
            return SealResult(sealed, busy=True)
        sealed += batch
        if batch < batch_size:
            return SealResult(sealed)


def _seal_batch(wait: bool, batch_size: int) -> int | None:
    events = AuditEvent.__table__
    heads = AuditChainHead.__table__
    with db.engine.connect() as connection, connection.begin():
        head = connection.execute(
            select(heads).where(heads.c.id == HEAD_ID).with_for_update(skip_locked=not wait)
        ).one_or_none()
        if head is None:
            if connection.execute(select(heads.c.id).where(heads.c.id == HEAD_ID)).first() is not None:
                return None  # locked by another sealer
            connection.execute(heads.insert().values(id=HEAD_ID, last_hash=GENESIS_HASH, last_event_id=None,
                                                     last_sequence=0))
            head = connection.execute(select(heads).where(heads.c.id == HEAD_ID)).one()
        pending = connection.execute(
            select(events).where(events.c.sequence.is_(None)).order_by(events.c.id).limit(batch_size)
        ).mappings().all()
        if not pending:
            return 0
        prev_hash, sequence = head.last_hash, head.last_sequence
        links = []
        for row in pending:
            sequence += 1
            link = digest(row, prev_hash)
            links.append({"b_id": row["id"], "b_sequence": sequence, "b_prev_hash": prev_hash, "b_hash": link})
            prev_hash = link
        connection.execute(
            update(events).where(events.c.id == bindparam("b_id"), events.c.sequence.is_(None))
            .values(sequence=bindparam("b_sequence"), prev_hash=bindparam("b_prev_hash"), hash=bindparam("b_hash")),
            links,
        )
        connection.execute(update(heads).where(heads.c.id == HEAD_ID).values(
            last_hash=prev_hash, last_sequence=sequence, last_event_id=pending[-1]["id"]))
        return len(pending)


def unsealed_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.sequence.is_(None)))


# --- the published head and anchors ----------------------------------------------------------------


def head() -> dict:
    """The newest sealed link, to be kept outside the database: `{"sequence","hash","event_id","at"}`."""
    row = db.session.get(AuditChainHead, HEAD_ID)
    if row is None or row.last_event_id is None:
        return {"sequence": 0, "hash": GENESIS_HASH, "event_id": None, "at": None}
    newest = db.session.get(AuditEvent, row.last_event_id)
    return {"sequence": row.last_sequence, "hash": row.last_hash, "event_id": row.last_event_id,
            "at": iso(newest.at) if newest is not None else None}


class BadAnchor(ValueError):
    """The saved head given to check against is not one `head()` could have published."""


def parse_anchor(text: str) -> dict:
    """A published head (the JSON `head()` gives) from its text; raises BadAnchor saying what is wrong."""
    try:
        anchor = json.loads(text)
    except ValueError:
        raise BadAnchor("the anchor is not JSON") from None
    if not isinstance(anchor, dict):
        raise BadAnchor('the anchor must be a JSON object like {"sequence": 12, "hash": "..."}')
    sequence, link = anchor.get("sequence"), anchor.get("hash")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise BadAnchor('the anchor needs "sequence", a whole number from 0')
    if not isinstance(link, str) or len(link) != HASH_LENGTH:
        raise BadAnchor(f'the anchor needs "hash", {HASH_LENGTH} hexadecimal characters')
    event_id = anchor.get("event_id")
    if event_id is not None and (isinstance(event_id, bool) or not isinstance(event_id, int)):
        raise BadAnchor('"event_id" must be a whole number or null')
    return {"sequence": sequence, "hash": link.lower(), "event_id": event_id}


# --- reading and checking --------------------------------------------------------------------------


SEARCH_FILTERS = ("handoff_id", "patient_id", "username", "action")


def search(actor: Actor, filters: dict, page: int, per_page: int) -> Page:
    """Events matching every filter given (and `since`, a moment), oldest first; the read is itself kept.

    The event is recorded after the query, so a page lists the trail as it stood before this read.
    """
    stmt = select(AuditEvent)
    for name in SEARCH_FILTERS:
        if name in filters:
            stmt = stmt.where(getattr(AuditEvent, name) == filters[name])
    if "since" in filters:
        stmt = stmt.where(AuditEvent.at >= filters["since"])
    found = paginate(stmt.order_by(AuditEvent.id), page, per_page)
    asked = {name: iso(value) if name == "since" else value for name, value in filters.items()}
    keep(actor, "audit.search", "audit", None,
         detail={"filters": asked, "page": page, "per_page": per_page, "returned": len(found.items)})
    return found


def read_head(actor: Actor) -> dict:
    """`head()` for an admin, kept in the trail."""
    published = head()
    keep(actor, "audit.head", "audit", None, detail={"sequence": published["sequence"]})
    return published


def verify_for(actor: Actor) -> "ChainReport":
    """`verify_chain()` for an admin, kept in the trail with its verdict."""
    report = verify_chain()
    keep(actor, "audit.verify", "audit", None,
         detail={"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at})
    return report


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None
    unsealed: int = 0
    anchor_sequence: int | None = None  # set when the chain was also checked against an anchor, and held

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.reason is None


def verify_chain(batch_size: int = 1000, anchor: dict | None = None) -> ChainReport:
    """Walk the sealed events in chain order; report the first whose place, link or content does not match.

    With `anchor` (a head published earlier), the chain must still hold that very event.
    Unsealed events are not in the chain yet: they are counted, not judged.
    """
    report = _walk(batch_size)
    report.unsealed = unsealed_count()
    if report.ok and anchor is not None:
        _check_anchor(report, anchor)
    return report


def _walk(batch_size: int) -> ChainReport:
    expected_prev = GENESIS_HASH
    checked = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.sequence > checked).order_by(AuditEvent.sequence).limit(batch_size)
        ).all()
        if not events:
            break
        for event in events:
            if event.sequence != checked + 1:
                return ChainReport(checked, event.id, f"events before it are missing (sequence {checked + 1} "
                                                      f"to {event.sequence - 1} are gone)")
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "its previous-hash link does not match the event before it")
            if event_digest(event) != event.hash:
                return ChainReport(checked, event.id, "its content does not match its hash (altered)")
            expected_prev = event.hash
            checked += 1
        for event in events:  # only what this walk loaded: the request's own new events stay in the session
            db.session.expunge(event)
    chain_head = db.session.get(AuditChainHead, HEAD_ID)
    if chain_head is not None and (chain_head.last_hash, chain_head.last_sequence) != (expected_prev, checked):
        if chain_head.last_sequence > checked:
            return ChainReport(checked, chain_head.last_event_id,
                               "the newest events are missing (chain head points past them)")
        return ChainReport(checked, chain_head.last_event_id, "the chain head does not point at the newest event")
    return ChainReport(checked)


def _check_anchor(report: ChainReport, anchor: dict) -> None:
    sequence, link, event_id = anchor["sequence"], anchor["hash"], anchor.get("event_id")
    where = f"the anchored event (sequence {sequence}" + (f", event {event_id})" if event_id else ")")
    if sequence == 0:
        if link != GENESIS_HASH:
            report.reason = "the anchor at sequence 0 must carry the genesis hash"
        else:
            report.anchor_sequence = 0
        return
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.sequence == sequence))
    report.broken_at = event_id if event is None else event.id
    if event is None:
        report.reason = (f"{where} is gone: the chain now ends at sequence {report.checked}, so events were "
                         "deleted and the head rewound" if report.checked < sequence else f"{where} is gone")
    elif event.hash != link or (event_id is not None and event.id != event_id):
        report.reason = f"{where} differs from the saved head (hash or event id): the chain was rewritten"
    else:
        report.broken_at = None
        report.anchor_sequence = sequence
