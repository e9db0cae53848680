"""Handoffs: start, save, sign, amend, acknowledge, and read their history.

Concurrency: every change moves the handoff from one (revision, status) to the next with
a conditional UPDATE (`... WHERE current_revision = n AND status = s`). When tablets race
on the same revision, the database lets exactly one UPDATE match; the others see zero
rows and are told their state is stale, on SQLite and PostgreSQL alike.

Every function takes the acting `Actor` and raises `domain` errors; none knows of HTTP.
"""

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from ..audit import service as audit
from ..checklists import service as checklists
from ..common import canonical_json, sha256_hex, utcnow
from ..database import MAX_ID, get, get_or_not_found
from ..domain import Actor, Conflict, Forbidden, Invalid, NotFound, Stale
from ..extensions import db
from ..pagination import Page, paginate
from ..patients.models import Patient
from ..translation_memory import service as translation_memory
from .diff import diff
from .models import DRAFT, FINAL, Acknowledgement, Handoff, HandoffState, Revision, Signature


@dataclass
class HandoffView:
    """A handoff as the API shows it: its current revision, every receipt, and any advice."""

    handoff: Handoff
    revision: Revision
    acknowledgements: list[Acknowledgement]
    warnings: list[dict] = field(default_factory=list)


@dataclass
class DocumentSource:
    """What a document of one revision shows (read through here, not from the models)."""

    handoff: Handoff
    patient: Patient
    revision: Revision
    signature: Signature | None
    acknowledgements: list[Acknowledgement]
    previous_final: Revision | None


# --- reading -------------------------------------------------------------------------------

def find(handoff_id: int) -> Handoff:
    return get_or_not_found(Handoff, handoff_id, "handoff")


def find_revision(handoff: Handoff, number: int) -> Revision:
    revision = _revision(handoff.id, number)
    if revision is None:
        raise NotFound(f"Handoff {handoff.id} has no revision {number}.")
    return revision


def _revision(handoff_id: int, number: int) -> Revision | None:
    if not 0 < number <= MAX_ID:
        return None
    return db.session.scalar(select(Revision).where(Revision.handoff_id == handoff_id, Revision.number == number))


def current_revision(handoff: Handoff) -> Revision:
    return find_revision(handoff, handoff.current_revision)


def acknowledgements_of(handoff_ids: Collection[int]) -> dict[int, list[Acknowledgement]]:
    """Every receipt of each handoff, oldest first, in one query."""
    found: dict[int, list[Acknowledgement]] = {i: [] for i in handoff_ids}
    if found:
        for ack in db.session.scalars(
            select(Acknowledgement).where(Acknowledgement.handoff_id.in_(found)).order_by(Acknowledgement.id)
        ).unique():
            found[ack.handoff_id].append(ack)
    return found


def view(handoff: Handoff) -> HandoffView:
    return HandoffView(handoff, current_revision(handoff), acknowledgements_of([handoff.id])[handoff.id])


def read(actor: Actor, handoff_id: int) -> HandoffView:
    handoff = find(handoff_id)
    audit.record(actor, "handoff.read", "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id)
    return view(handoff)


def search(actor: Actor, filters: dict, page: int, per_page: int) -> Page:
    """A page of `HandoffView`s, newest change first."""
    stmt = select(Handoff)
    if filters.get("awaiting_acknowledgement") and actor.user is not None:
        mine = select(Acknowledgement.id).where(
            Acknowledgement.handoff_id == Handoff.id, Acknowledgement.revision_number == Handoff.current_revision,
            Acknowledgement.user_id == actor.user_id)
        # Not the handoffs this user may not acknowledge: those they wrote or signed any revision of.
        wrote = select(Revision.id).where(Revision.handoff_id == Handoff.id, Revision.author_id == actor.user_id)
        signed = (select(Signature.id).join(Revision, Signature.revision_id == Revision.id)
                  .where(Revision.handoff_id == Handoff.id, Signature.signed_by_id == actor.user_id))
        stmt = stmt.where(Handoff.status == FINAL, ~mine.exists(), ~wrote.exists(), ~signed.exists())
    if "patient_id" in filters:
        stmt = stmt.where(Handoff.patient_id == filters["patient_id"])
    if "status" in filters:
        stmt = stmt.where(Handoff.status == filters["status"])
    if "checklist" in filters:
        stmt = stmt.where(Handoff.checklist_key == filters["checklist"])
    stmt = stmt.order_by(Handoff.updated_at.desc(), Handoff.id.desc())
    found = paginate(stmt, page, per_page)
    audit.record(actor, "handoff.list", "handoff", None, patient_id=filters.get("patient_id"),
                 detail={"filters": dict(filters), "results": [h.id for h in found.items]})
    found.items = _views(found.items)
    return found


def views_of(handoff_ids: list[int]) -> list[HandoffView]:
    """Views of these handoffs (any order), in three queries."""
    if not handoff_ids:
        return []
    return _views(list(db.session.scalars(select(Handoff).where(Handoff.id.in_(handoff_ids))).unique()))


def _views(handoffs: list[Handoff]) -> list[HandoffView]:
    """Views of a page of handoffs in three queries, not three per handoff."""
    if not handoffs:
        return []
    ids = [h.id for h in handoffs]
    current = db.session.scalars(
        select(Revision)
        .join(Handoff, (Revision.handoff_id == Handoff.id) & (Revision.number == Handoff.current_revision))
        .where(Handoff.id.in_(ids))
    ).unique()
    revisions = {r.handoff_id: r for r in current}
    acks = acknowledgements_of(ids)
    return [HandoffView(h, revisions[h.id], acks[h.id]) for h in handoffs]


def revisions(actor: Actor, handoff_id: int) -> list[Revision]:
    handoff = find(handoff_id)
    # The list shows no data: leave each revision's (largest) column unread, and fail loudly rather
    # than read it once per revision if something asks for it.
    rows = db.session.scalars(
        select(Revision).where(Revision.handoff_id == handoff.id).order_by(Revision.number)
        .options(defer(Revision.data, raiseload=True))
    ).unique().all()
    audit.record(actor, "handoff.revisions", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id)
    return list(rows)


def read_revision(actor: Actor, handoff_id: int, number: int) -> Revision:
    handoff = find(handoff_id)
    revision = find_revision(handoff, number)
    audit.record(actor, "handoff.revision.read", "revision", f"{handoff.id}/{number}",
                 patient_id=handoff.patient_id, handoff_id=handoff.id)
    return revision


def changes(actor: Actor, handoff_id: int, from_number: int | None, to_number: int | None) -> list[dict]:
    """Defaults: `to` is the current revision, `from` the one before it."""
    handoff = find(handoff_id)
    to_number = to_number or handoff.current_revision
    from_number = from_number or max(1, to_number - 1)
    old = find_revision(handoff, from_number)
    new = find_revision(handoff, to_number)
    audit.record(actor, "handoff.diff", "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"from": from_number, "to": to_number})
    return diff(old.data, new.data)


def document_source(handoff_id: int, revision_number: int | None = None) -> DocumentSource:
    """One revision (default: the current one) with what its documents show besides its data."""
    handoff = find(handoff_id)
    revision = find_revision(handoff, revision_number or handoff.current_revision)
    previous_final = db.session.scalar(
        select(Revision).join(Signature, Signature.revision_id == Revision.id)
        .where(Revision.handoff_id == handoff.id, Revision.number < revision.number)
        .order_by(Revision.number.desc()).limit(1)
    )
    return DocumentSource(handoff=handoff, patient=handoff.patient, revision=revision,
                          signature=revision.signature,
                          acknowledgements=acknowledgements_of([handoff.id])[handoff.id],
                          previous_final=previous_final)


# --- writing -------------------------------------------------------------------------------

def content_hash(checklist_key: str, checklist_version: int, data: dict) -> str:
    return sha256_hex(canonical_json({"checklist": f"{checklist_key}@{checklist_version}", "data": data}))


def _reject_bad_data(problems: list[dict], message: str) -> None:
    if problems:
        raise Invalid(message, [{**p, "in": "data", "field": f"data.{p['path']}" if p["path"] else "data"}
                                for p in problems])


def create(actor: Actor, patient_id: int, checklist_key: str, data: dict,
           checklist_version: int | None = None) -> HandoffView:
    if get(Patient, patient_id) is None:
        raise Invalid(f"There is no patient {patient_id}.", [{"path": "patient_id", "message": "No such patient."}])
    checklist = checklists.find(checklist_key, checklist_version)
    if checklist is None:
        which = f"version {checklist_version} of " if checklist_version else ""
        raise Invalid(f"There is no {which}checklist {checklist_key!r}.",
                      [{"path": "checklist", "message": "No such checklist."}])
    _reject_bad_data(checklists.data_problems(checklist, data, final=False), "Some fields are not valid.")
    now = utcnow()
    handoff = Handoff(
        patient_id=patient_id, checklist_key=checklist.key, checklist_version=checklist.version, status=DRAFT,
        current_revision=1, created_at=now, created_by_id=actor.user_id, updated_at=now,
        updated_by_id=actor.user_id,
    )
    db.session.add(handoff)
    db.session.flush()
    revision = Revision(handoff_id=handoff.id, number=1, data=data, author_id=actor.user_id, created_at=now,
                        content_hash=content_hash(checklist.key, checklist.version, data))
    db.session.add(revision)
    db.session.flush()
    audit.record(actor, "handoff.create", "handoff", handoff.id, patient_id=patient_id, handoff_id=handoff.id,
                 detail={"revision": 1, "checklist": f"{checklist.key}@{checklist.version}"})
    return HandoffView(handoff, revision, [])


def _check_expected(handoff: Handoff, expected: Collection[HandoffState] | None) -> None:
    """`expected` is the set of states the caller read (None: any state will do)."""
    if expected is not None and handoff.state not in expected:
        raise Stale("This handoff has changed since you loaded it. Load it again, then save your changes.",
                    current_etag=f'"{handoff.state.tag}"', current_revision=handoff.current_revision)


def _advance(actor: Actor, handoff: Handoff, *, to_revision: int, to_status: str, **values) -> None:
    """Move the handoff on from the state it was read in, or refuse if someone else did first."""
    now = utcnow()
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.current_revision == handoff.current_revision,
               Handoff.status == handoff.status)
        .values(current_revision=to_revision, status=to_status, updated_at=now, updated_by_id=actor.user_id,
                **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Stale("Someone else saved this handoff at the same moment. Load it again, then save your changes.")
    # The UPDATE matched the row as read, so its new values are exactly these: set them on the object as loaded
    # rather than read the row (and its users) back. Saving is the busiest write; this is two statements fewer.
    moved = {"current_revision": to_revision, "status": to_status, "updated_at": now, "updated_by_id": actor.user_id,
             **values}
    for name, value in moved.items():
        set_committed_value(handoff, name, value)
    set_committed_value(handoff, "updated_by", actor.user)
    if "finalized_by_id" in values:
        set_committed_value(handoff, "finalized_by", actor.user if values["finalized_by_id"] is not None else None)


def save(actor: Actor, handoff_id: int, data: dict, reason: str | None,
         expected: Collection[HandoffState] | None) -> HandoffView:
    handoff = find(handoff_id)
    _check_expected(handoff, expected)
    if handoff.status == FINAL and not reason:
        raise Conflict("This handoff is signed. To change it, send a reason for the amendment; "
                       "it then becomes a draft that must be signed again.",
                       [{"path": "reason", "message": "Required to amend a signed handoff."}])
    checklist = checklists.get(handoff.checklist_key, handoff.checklist_version)
    _reject_bad_data(checklists.data_problems(checklist, data, final=False), "Some fields are not valid.")
    number = handoff.current_revision + 1
    was_final = handoff.status == FINAL
    _advance(actor, handoff, to_revision=number, to_status=DRAFT, finalized_at=None, finalized_by_id=None)
    revision = Revision(handoff_id=handoff.id, number=number, data=data, author_id=actor.user_id, reason=reason,
                        content_hash=content_hash(handoff.checklist_key, handoff.checklist_version, data))
    db.session.add(revision)
    db.session.flush()
    # A new revision has no signature and was written by the actor: known here, so not read back.
    set_committed_value(revision, "signature", None)
    set_committed_value(revision, "author", actor.user)
    audit.record(actor, "handoff.amend" if was_final else "handoff.update", "handoff", handoff.id,
                 patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"revision": number, **({"reason": reason} if reason else {})})
    return HandoffView(handoff, revision, acknowledgements_of([handoff.id])[handoff.id])


def finalize(actor: Actor, handoff_id: int, expected: Collection[HandoffState] | None) -> HandoffView:
    handoff = find(handoff_id)
    _check_expected(handoff, expected)
    if handoff.status == FINAL:
        raise Conflict(f"Revision {handoff.current_revision} is already signed.")
    checklist = checklists.get(handoff.checklist_key, handoff.checklist_version)
    revision = current_revision(handoff)
    _reject_bad_data(checklists.data_problems(checklist, revision.data, final=True),
                     "This handoff is not complete yet. Fill in or correct these fields, then sign.")
    now = utcnow()
    _advance(actor, handoff, to_revision=handoff.current_revision, to_status=FINAL,
             finalized_at=now, finalized_by_id=actor.user_id)
    # Through the relationship, so this session sees the revision as signed too (not only the database).
    revision.signature = Signature(signed_by_id=actor.user_id, signed_at=now,
                                   translations_through=translation_memory.newest_id())
    db.session.flush()
    audit.record(actor, "handoff.finalize", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": handoff.current_revision})
    from ..documents import service as documents  # here: the documents service builds on this module

    documents.prerender_signed(handoff.id, handoff.current_revision)  # once committed: the first print is cached
    return view(handoff)


def latest_signed_number(handoff_id: int) -> int | None:
    """The number of the newest signed revision of a handoff, or None when none is signed."""
    return db.session.scalar(select(func.max(Revision.number)).join(Signature, Signature.revision_id == Revision.id)
                             .where(Revision.handoff_id == handoff_id))


def _wrote_or_signed(handoff_id: int, user_id: int | None) -> bool:
    """Whether the user authored any revision of the handoff or signed any of them."""
    authored = select(Revision.id).where(Revision.handoff_id == handoff_id, Revision.author_id == user_id)
    signed = (select(Signature.id).join(Revision, Signature.revision_id == Revision.id)
              .where(Revision.handoff_id == handoff_id, Signature.signed_by_id == user_id))
    return bool(db.session.scalar(select(or_(authored.exists(), signed.exists()))))


def acknowledge(actor: Actor, handoff_id: int, number: int, synthesis: str) -> Acknowledgement:
    """A receipt by the receiver: only of the latest signed revision, never by anyone who wrote or signed it.

    An older signed revision gets 409 (path `revision`): a receipt must confirm what is in force, not a
    dose since amended. Anyone who authored or signed any revision of the handoff gets 403: a receipt is
    a second person's confirmation, and one who wrote part of it would be confirming their own words."""
    handoff = find(handoff_id)
    revision = _revision(handoff.id, number)
    if revision is None:
        raise Invalid(f"Handoff {handoff.id} has no revision {number}.",
                      [{"path": "revision", "message": "No such revision."}])
    if revision.signature is None:
        raise Conflict(f"Revision {number} is not signed yet; only signed handoffs can be acknowledged.",
                       [{"path": "revision", "message": "Not a final revision."}])
    latest = latest_signed_number(handoff.id)
    if number != latest:
        raise Conflict(f"Revision {number} has been replaced by signed revision {latest}; read that one and "
                       "acknowledge it instead.",
                       [{"path": "revision", "message": f"Not the latest signed revision ({latest})."}])
    if _wrote_or_signed(handoff.id, actor.user_id):
        raise Forbidden("You wrote or signed this handoff, so you cannot acknowledge it; the receiver does.")
    already = db.session.scalar(select(Acknowledgement.id).where(
        Acknowledgement.handoff_id == handoff.id, Acknowledgement.revision_number == number,
        Acknowledgement.user_id == actor.user_id))
    if already is not None:
        raise Conflict(f"You already acknowledged revision {number}.")
    ack = Acknowledgement(handoff_id=handoff.id, revision_number=number, user_id=actor.user_id, synthesis=synthesis)
    db.session.add(ack)
    db.session.flush()
    audit.record(actor, "handoff.acknowledge", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": number})
    return ack
