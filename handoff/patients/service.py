"""Patients: register, find, search. Every read and write is audited."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from ..audit import service as audit
from ..board import service as board
from ..board.service import LatestHandoff
from ..database import escape_like, get_or_not_found
from ..domain import Actor, Conflict
from ..extensions import db
from ..pagination import Page, paginate
from .models import Patient


@dataclass
class ListedPatient:
    """A patient in a list, with what the list shows of their latest handoff (None: none yet)."""

    patient: Patient
    latest_handoff: LatestHandoff | None


def create(actor: Actor, fields: dict) -> Patient:
    fields = {**fields, "mrn": fields["mrn"].strip()}
    if db.session.scalar(select(Patient.id).where(Patient.mrn == fields["mrn"])) is not None:
        raise _mrn_taken(fields["mrn"])
    patient = Patient(**fields, created_by_id=actor.user_id)
    try:
        with db.session.begin_nested():  # the MRN check above and this insert race with a concurrent create
            db.session.add(patient)
            db.session.flush()
    except IntegrityError:
        raise _mrn_taken(fields["mrn"]) from None
    audit.record(actor, "patient.create", "patient", patient.id, patient_id=patient.id)
    return patient


def _mrn_taken(mrn: str) -> Conflict:
    return Conflict(f"A patient with MRN {mrn} already exists.", [{"path": "mrn", "message": "Already in use."}])


def find(patient_id: int) -> Patient:
    """The patient, unaudited: for services that audit the read they are part of."""
    return get_or_not_found(Patient, patient_id, "patient")


def read(actor: Actor, patient_id: int) -> Patient:
    patient = find(patient_id)
    audit.record(actor, "patient.read", "patient", patient.id, patient_id=patient.id)
    return patient


def update(actor: Actor, patient_id: int, changes: dict) -> Patient:
    """Move a patient (unit, bed) or change their language; the audit event names what changed."""
    patient = find(patient_id)
    before = {key: getattr(patient, key) for key in changes}
    for key, value in changes.items():
        setattr(patient, key, value)
    db.session.flush()
    audit.record(actor, "patient.update", "patient", patient.id, patient_id=patient.id,
                 detail={"changes": {key: {"old": before[key], "new": value} for key, value in changes.items()
                                     if before[key] != value}})
    return patient


# Above every character: `prefix + LAST` sorts after every text that starts with `prefix`.
LAST = "\U0010ffff"


def _starts_with(column, prefix: str):
    """`lower(column)` starts with `prefix`, in a form each database answers from its lower() index.

    PostgreSQL turns the prefix LIKE into an index range itself (the index is text_pattern_ops).
    SQLite uses an index for LIKE only on a plain column, so it is also given the range in bytes
    (its comparison is binary): every text the LIKE matches lies in it, the LIKE still decides.
    """
    lowered = db.func.lower(column)
    like = lowered.like(f"{escape_like(prefix)}%", escape="\\")
    if db.engine.dialect.name != "sqlite":
        return like
    return and_(lowered >= prefix, lowered < prefix + LAST, like)


def search(actor: Actor, q: str | None, page: int, per_page: int, unit: str | None = None) -> Page:
    """A page of `ListedPatient`s: every word of `q` must match the start of a name or the MRN
    (case-insensitive); `unit` exactly. The page's latest handoffs are read in one more query."""
    stmt = select(Patient)
    if unit is not None:
        stmt = stmt.where(Patient.unit == unit.strip())
    for word in (q or "").split():
        stmt = stmt.where(or_(*(_starts_with(column, word.lower())
                                for column in (Patient.family_name, Patient.given_name, Patient.mrn))))
    stmt = stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)
    found = paginate(stmt, page, per_page)
    audit.record(actor, "patient.search", "patient", None,
                 detail={"q": q or "", **({"unit": unit} if unit else {}), "results": [p.id for p in found.items]})
    latest = board.latest_handoffs([p.id for p in found.items])
    found.items = [ListedPatient(p, latest.get(p.id)) for p in found.items]
    return found

