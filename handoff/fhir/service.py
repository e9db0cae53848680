"""FHIR exports: read what a document shows, build it (one builder per checklist kind), audit the read.

Takes an `Actor` and plain values and raises `domain` errors (errors.py answers them): an unknown handoff,
revision or checklist is NotFound (404); asking for the document of a handoff never signed, or of a draft
revision, is a Conflict (409): only what a clinician signed leaves the hospital as a document.
"""

from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..audit import service as audit
from ..checklists import service as checklists
from ..domain import Actor, Conflict
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import Revision, Signature
from . import discharge, generic, ipass
from .export import PatientInfo, Person, Receipt, RevisionAnswers, Settings, SignedRevision
from .questionnaire import questionnaire as build_questionnaire
from .questionnaire import questionnaire_response as build_response

BUILDERS = {"discharge": discharge.build, "ipass": ipass.build}


def settings() -> Settings:
    return Settings(
        base_url=current_app.config["HANDOFF_PUBLIC_URL"].rstrip("/"),
        time_zone=ZoneInfo(current_app.config.get("HANDOFF_TIME_ZONE") or "UTC"),
    )


def _person(user) -> Person:
    return Person(user_id=user.id, name=user.display_name or user.username, role=user.role)


def _patient(patient) -> PatientInfo:
    return PatientInfo(
        mrn=patient.mrn,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        preferred_language=patient.preferred_language,
        unit=patient.unit,
        bed=patient.bed,
    )


def latest_signed(handoff_id: int) -> int | None:
    return db.session.scalar(
        select(Revision.number)
        .join(Signature, Signature.revision_id == Revision.id)
        .where(Revision.handoff_id == handoff_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


def signed_revision(handoff_id: int, revision_number: int | None) -> SignedRevision:
    """What the document of a signed revision (default: the latest signed one) shows."""
    handoff = handoffs.find(handoff_id)
    if revision_number is None:
        revision_number = latest_signed(handoff.id)
        if revision_number is None:
            raise Conflict(
                f"Handoff {handoff.id} has never been signed: only signed revisions are exported as "
                "FHIR documents. Sign it first."
            )
    source = handoffs.document_source(handoff.id, revision_number)
    if source.signature is None:
        raise Conflict(
            f"Revision {revision_number} of handoff {handoff.id} is a draft: only signed revisions are "
            "exported as FHIR documents.",
            [{"path": "revision", "message": "Not a signed revision."}],
        )
    checklist = checklists.as_document(checklists.get(handoff.checklist_key, handoff.checklist_version))
    receipts = tuple(
        Receipt(person=_person(ack.user), at=ack.created_at, synthesis=ack.synthesis)
        for ack in source.acknowledgements
        if ack.revision_number == revision_number
    )
    return SignedRevision(
        handoff_id=handoff.id,
        revision=revision_number,
        checklist_key=handoff.checklist_key,
        checklist_version=handoff.checklist_version,
        checklist_title=checklist.get("title") or handoff.checklist_key,
        definition=checklist,
        data=source.revision.data or {},
        patient=_patient(source.patient),
        signer=_person(source.signature.signed_by),
        signed_at=source.signature.signed_at,
        receipts=receipts,
        replaces=source.previous_final.number if source.previous_final else None,
    )


def document(actor: Actor, handoff_id: int, revision_number: int | None) -> dict:
    """The FHIR document Bundle of a signed revision; the read is audited."""
    record = signed_revision(handoff_id, revision_number)
    bundle = BUILDERS.get(record.checklist_key, generic.build)(record, settings())
    handoff = handoffs.find(handoff_id)
    audit.keep(
        actor,
        "fhir.document",
        "handoff",
        handoff.id,
        patient_id=handoff.patient_id,
        handoff_id=handoff.id,
        detail={
            "revision": record.revision,
            "checklist": f"{record.checklist_key}@{record.checklist_version}",
            "bundle": bundle["identifier"]["value"],
        },
    )
    return bundle


def questionnaire(key: str, version: int | None) -> dict:
    """A checklist version as a Questionnaire (no patient data: not audited, like any checklist read)."""
    return build_questionnaire(checklists.as_document(checklists.get(key, version)), settings())


def questionnaire_response(actor: Actor, handoff_id: int, revision_number: int | None) -> dict:
    """One revision (default: the current one, draft or signed) as a QuestionnaireResponse; audited."""
    source = handoffs.document_source(handoff_id, revision_number)
    handoff, revision = source.handoff, source.revision
    checklist = checklists.as_document(checklists.get(handoff.checklist_key, handoff.checklist_version))
    answers = RevisionAnswers(
        handoff_id=handoff.id,
        revision=revision.number,
        definition=checklist,
        data=revision.data or {},
        patient=_patient(source.patient),
        author=_person(revision.author),
        saved_at=revision.created_at,
        signed=source.signature is not None,
    )
    response = build_response(answers, settings())
    audit.keep(
        actor,
        "fhir.questionnaire_response",
        "handoff",
        handoff.id,
        patient_id=handoff.patient_id,
        handoff_id=handoff.id,
        detail={"revision": revision.number, "checklist": f"{handoff.checklist_key}@{handoff.checklist_version}"},
    )
    return response
