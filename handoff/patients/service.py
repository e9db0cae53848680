"""Patients: register, find, search. Every read and write is audited."""

from sqlalchemy import or_, select

from ..audit import service as audit
from ..errors import abort
from ..extensions import db
from ..pagination import paginate
from .models import Patient


def create(fields: dict, user) -> Patient:
    fields = {**fields, "mrn": fields["mrn"].strip()}
    if db.session.scalar(select(Patient.id).where(Patient.mrn == fields["mrn"])) is not None:
        abort(409, f"A patient with MRN {fields['mrn']} already exists.",
              [{"path": "mrn", "message": "Already in use."}])
    patient = Patient(**fields, created_by_id=user.id)
    db.session.add(patient)
    db.session.flush()
    audit.record("patient.create", "patient", patient.id, patient_id=patient.id)
    return patient


def get_or_404(patient_id: int, *, audit_read: bool = True) -> Patient:
    patient = db.session.get(Patient, patient_id) if 0 < patient_id < 2**31 else None
    if patient is None:
        abort(404, f"There is no patient {patient_id}.")
    if audit_read:
        audit.record("patient.read", "patient", patient.id, patient_id=patient.id)
    return patient


def search(q: str | None, page: int, per_page: int):
    """Every word of `q` must match the start of a name or the MRN (case-insensitive)."""
    stmt = select(Patient)
    for word in (q or "").split():
        like = f"{_escape_like(word.lower())}%"
        stmt = stmt.where(or_(
            db.func.lower(Patient.family_name).like(like, escape="\\"),
            db.func.lower(Patient.given_name).like(like, escape="\\"),
            db.func.lower(Patient.mrn).like(like, escape="\\"),
        ))
    stmt = stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)
    patients, headers = paginate(stmt, page, per_page)
    audit.record("patient.search", "patient", None, detail={"q": q or "", "results": [p.id for p in patients]})
    return patients, headers


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
