"""Handoffs: start, save, sign, amend, acknowledge, and read their history.

Concurrency: every change moves the handoff from one (revision, status) to the next with
a conditional UPDATE (`... WHERE current_revision = n AND status = s`). When tablets race
on the same revision, the database lets exactly one UPDATE match; the others see zero
rows and answer 412, on SQLite and PostgreSQL alike.
"""

from flask import request
from sqlalchemy import select, update
from werkzeug.datastructures import ETags

from ..audit import service as audit
from ..checklists import service as checklists
from ..common import canonical_json, iso, sha256_hex, utcnow
from ..errors import abort
from ..extensions import db
from ..pagination import paginate
from ..patients.models import Patient
from .diff import diff
from .models import DRAFT, FINAL, Acknowledgement, Handoff, Revision, Signature

# --- reading -------------------------------------------------------------------------------

def get_or_404(handoff_id: int) -> Handoff:
    handoff = db.session.get(Handoff, handoff_id) if 0 < handoff_id < 2**31 else None
    if handoff is None:
        abort(404, f"There is no handoff {handoff_id}.")
    return handoff


def revision_or_404(handoff: Handoff, number: int) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.handoff_id == handoff.id, Revision.number == number)
    ) if 0 < number < 2**31 else None
    if revision is None:
        abort(404, f"Handoff {handoff.id} has no revision {number}.")
    return revision


def current_revision(handoff: Handoff) -> Revision:
    return revision_or_404(handoff, handoff.current_revision)


def etag(handoff: Handoff) -> str:
    """Changes whenever the body does: on every save and on signing."""
    return f"h{handoff.id}-r{handoff.current_revision}-{handoff.status}"


def read(handoff_id: int) -> tuple[Handoff, dict]:
    handoff = get_or_404(handoff_id)
    audit.record("handoff.read", "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id)
    return handoff, body(handoff)


def body(handoff: Handoff, revision: Revision | None = None, acknowledgements=None) -> dict:
    revision = revision or current_revision(handoff)
    if acknowledgements is None:
        acknowledgements = db.session.scalars(
            select(Acknowledgement).where(Acknowledgement.handoff_id == handoff.id).order_by(Acknowledgement.id)
        ).all()
    return {
        "id": handoff.id,
        "patient_id": handoff.patient_id,
        "checklist": {"key": handoff.checklist_key, "version": handoff.checklist_version},
        "revision": handoff.current_revision,
        "status": handoff.status,
        "data": revision.data,
        "content_hash": revision.content_hash,
        "created_at": iso(handoff.created_at),
        "updated_at": iso(handoff.updated_at),
        "updated_by": handoff.updated_by.username,
        "finalized_by": handoff.finalized_by.username if handoff.finalized_by else None,
        "finalized_at": iso(handoff.finalized_at),
        "acknowledgements": [acknowledgement_body(a) for a in acknowledgements],
    }


def acknowledgement_body(ack: Acknowledgement) -> dict:
    return {"id": ack.id, "revision": ack.revision_number, "by": ack.user.username, "role": ack.user.role,
            "synthesis": ack.synthesis, "created_at": iso(ack.created_at)}


def search(filters: dict, page: int, per_page: int, user=None) -> tuple[list[dict], dict]:
    stmt = select(Handoff)
    if filters.get("awaiting_acknowledgement") and user is not None:
        mine = select(Acknowledgement.id).where(
            Acknowledgement.handoff_id == Handoff.id, Acknowledgement.revision_number == Handoff.current_revision,
            Acknowledgement.user_id == user.id)
        stmt = stmt.where(Handoff.status == FINAL, Handoff.finalized_by_id != user.id, ~mine.exists())
    if "patient_id" in filters:
        stmt = stmt.where(Handoff.patient_id == filters["patient_id"])
    if "status" in filters:
        stmt = stmt.where(Handoff.status == filters["status"])
    if "checklist" in filters:
        stmt = stmt.where(Handoff.checklist_key == filters["checklist"])
    stmt = stmt.order_by(Handoff.updated_at.desc(), Handoff.id.desc())
    handoffs, headers = paginate(stmt, page, per_page)
    bodies = _bodies(handoffs)
    audit.record("handoff.list", "handoff", None, patient_id=filters.get("patient_id"),
                 detail={"filters": {k: v for k, v in filters.items()}, "results": [h.id for h in handoffs]})
    return bodies, headers


def _bodies(handoffs: list[Handoff]) -> list[dict]:
    """Bodies for a page of handoffs in three queries, not three per handoff."""
    if not handoffs:
        return []
    ids = [h.id for h in handoffs]
    current = db.session.scalars(
        select(Revision)
        .join(Handoff, (Revision.handoff_id == Handoff.id) & (Revision.number == Handoff.current_revision))
        .where(Handoff.id.in_(ids))
    ).unique()
    revisions = {r.handoff_id: r for r in current}
    acks: dict[int, list] = {i: [] for i in ids}
    for ack in db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.handoff_id.in_(ids)).order_by(Acknowledgement.id)
    ).unique():
        acks[ack.handoff_id].append(ack)
    return [body(h, revisions[h.id], acks[h.id]) for h in handoffs]


def revisions(handoff_id: int) -> list[dict]:
    handoff = get_or_404(handoff_id)
    rows = db.session.scalars(
        select(Revision).where(Revision.handoff_id == handoff.id).order_by(Revision.number)
    ).unique().all()
    audit.record("handoff.revisions", "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id)
    return [revision_summary(r) for r in rows]


def revision_summary(revision: Revision) -> dict:
    signature = revision.signature
    return {
        "number": revision.number, "author": revision.author.username, "created_at": iso(revision.created_at),
        "status": revision.status, "content_hash": revision.content_hash, "reason": revision.reason,
        "signed_by": signature.signed_by.username if signature else None,
        "signed_at": iso(signature.signed_at) if signature else None,
    }


def read_revision(handoff_id: int, number: int) -> dict:
    handoff = get_or_404(handoff_id)
    revision = revision_or_404(handoff, number)
    audit.record("handoff.revision.read", "revision", f"{handoff.id}/{number}",
                 patient_id=handoff.patient_id, handoff_id=handoff.id)
    return {**revision_summary(revision), "handoff_id": handoff.id,
            "checklist": {"key": handoff.checklist_key, "version": handoff.checklist_version},
            "data": revision.data}


def changes(handoff_id: int, from_number: int | None, to_number: int | None) -> list[dict]:
    """Defaults: `to` is the current revision, `from` the one before it."""
    handoff = get_or_404(handoff_id)
    to_number = to_number or handoff.current_revision
    from_number = from_number or max(1, to_number - 1)
    old = revision_or_404(handoff, from_number)
    new = revision_or_404(handoff, to_number)
    audit.record("handoff.diff", "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"from": from_number, "to": to_number})
    return diff(old.data, new.data)


# --- writing -------------------------------------------------------------------------------

def content_hash(checklist_key: str, checklist_version: int, data: dict) -> str:
    return sha256_hex(canonical_json({"checklist": f"{checklist_key}@{checklist_version}", "data": data}))


def _reject_bad_data(problems: list[dict], message: str) -> None:
    if problems:
        abort(422, message, [{**p, "in": "data", "field": f"data.{p['path']}" if p["path"] else "data"}
                             for p in problems])


def create(patient_id: int, checklist_key: str, data: dict, user, checklist_version: int | None = None) -> Handoff:
    if db.session.get(Patient, patient_id) is None:
        abort(422, f"There is no patient {patient_id}.", [{"path": "patient_id", "message": "No such patient."}])
    checklist = checklists.find(checklist_key, checklist_version)
    if checklist is None:
        which = f"version {checklist_version} of " if checklist_version else ""
        abort(422, f"There is no {which}checklist {checklist_key!r}.",
              [{"path": "checklist", "message": "No such checklist."}])
    _reject_bad_data(checklists.data_problems(checklist, data, final=False), "Some fields are not valid.")
    now = utcnow()
    handoff = Handoff(
        patient_id=patient_id, checklist_key=checklist.key, checklist_version=checklist.version, status=DRAFT,
        current_revision=1, created_at=now, created_by_id=user.id, updated_at=now, updated_by_id=user.id,
    )
    db.session.add(handoff)
    db.session.flush()
    db.session.add(Revision(handoff_id=handoff.id, number=1, data=data, author_id=user.id, created_at=now,
                            content_hash=content_hash(checklist.key, checklist.version, data)))
    db.session.flush()
    audit.record("handoff.create", "handoff", handoff.id, patient_id=patient_id, handoff_id=handoff.id,
                 detail={"revision": 1, "checklist": f"{checklist.key}@{checklist.version}"})
    return handoff


def if_match_from_request() -> ETags | None:
    return request.if_match if request.headers.get("If-Match", "").strip() else None


def require_if_match(handoff: Handoff, if_match: ETags | None) -> None:
    """428 without If-Match, 412 when it names an older state of the handoff."""
    if if_match is None:
        abort(428, "Send the If-Match header with the ETag you last read, so no one's changes are overwritten.")
    if not (if_match.star_tag or if_match.contains_weak(etag(handoff))):
        abort(412, "This handoff has changed since you loaded it. Load it again, then save your changes.",
              current_etag=f'"{etag(handoff)}"', current_revision=handoff.current_revision)


def _advance(handoff: Handoff, *, to_revision: int, to_status: str, user, **values) -> None:
    """Move the handoff on from the state it was read in, or answer 412 if someone else did first."""
    now = utcnow()
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.current_revision == handoff.current_revision,
               Handoff.status == handoff.status)
        .values(current_revision=to_revision, status=to_status, updated_at=now, updated_by_id=user.id, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        abort(412, "Someone else saved this handoff at the same moment. Load it again, then save your changes.")
    db.session.expire(handoff)


def save(handoff_id: int, data: dict, reason: str | None, user, if_match: ETags | None) -> Handoff:
    handoff = get_or_404(handoff_id)
    require_if_match(handoff, if_match)
    if handoff.status == FINAL and not reason:
        abort(409, "This handoff is signed. To change it, send a reason for the amendment; "
                   "it then becomes a draft that must be signed again.",
              [{"path": "reason", "message": "Required to amend a signed handoff."}])
    checklist = checklists.get_or_404(handoff.checklist_key, handoff.checklist_version)
    _reject_bad_data(checklists.data_problems(checklist, data, final=False), "Some fields are not valid.")
    number = handoff.current_revision + 1
    was_final = handoff.status == FINAL
    _advance(handoff, to_revision=number, to_status=DRAFT, user=user, finalized_at=None, finalized_by_id=None)
    db.session.add(Revision(handoff_id=handoff.id, number=number, data=data, author_id=user.id, reason=reason,
                            content_hash=content_hash(handoff.checklist_key, handoff.checklist_version, data)))
    db.session.flush()
    audit.record("handoff.amend" if was_final else "handoff.update", "handoff", handoff.id,
                 patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"revision": number, **({"reason": reason} if reason else {})})
    return handoff


def finalize(handoff_id: int, user, if_match: ETags | None) -> Handoff:
    handoff = get_or_404(handoff_id)
    require_if_match(handoff, if_match)
    if handoff.status == FINAL:
        abort(409, f"Revision {handoff.current_revision} is already signed.")
    checklist = checklists.get_or_404(handoff.checklist_key, handoff.checklist_version)
    revision = current_revision(handoff)
    _reject_bad_data(checklists.data_problems(checklist, revision.data, final=True),
                     "This handoff is not complete yet. Fill in or correct these fields, then sign.")
    now = utcnow()
    _advance(handoff, to_revision=handoff.current_revision, to_status=FINAL, user=user,
             finalized_at=now, finalized_by_id=user.id)
    db.session.add(Signature(revision_id=revision.id, signed_by_id=user.id, signed_at=now))
    db.session.flush()
    audit.record("handoff.finalize", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": handoff.current_revision})
    return handoff


def acknowledge(handoff_id: int, number: int, synthesis: str, user) -> Acknowledgement:
    handoff = get_or_404(handoff_id)
    revision = db.session.scalar(select(Revision).where(Revision.handoff_id == handoff.id, Revision.number == number))
    if revision is None:
        abort(422, f"Handoff {handoff.id} has no revision {number}.",
              [{"path": "revision", "message": "No such revision."}])
    if revision.signature is None:
        abort(409, f"Revision {number} is not signed yet; only signed handoffs can be acknowledged.",
              [{"path": "revision", "message": "Not a final revision."}])
    if revision.signature.signed_by_id == user.id:
        abort(403, "The clinician who signed a handoff cannot acknowledge it; the receiver does.")
    already = db.session.scalar(select(Acknowledgement.id).where(
        Acknowledgement.handoff_id == handoff.id, Acknowledgement.revision_number == number,
        Acknowledgement.user_id == user.id))
    if already is not None:
        abort(409, f"You already acknowledged revision {number}.")
    ack = Acknowledgement(handoff_id=handoff.id, revision_number=number, user_id=user.id, synthesis=synthesis)
    db.session.add(ack)
    db.session.flush()
    audit.record("handoff.acknowledge", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": number})
    return ack
