"""What an export is made of, as plain values: the builders read these, never the database or the request.

Everything here is fixed once a revision is signed (its data, signer and signing time, the patient's
identifiers, the checklist version), except the receipts an I-PASS shows, which only grow. So the same
signed revision exports the same bundle, byte for byte, until someone acknowledges it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Settings:
    """Where the export is made: the base of canonical URLs and identifier systems, and the hospital's time zone
    (a date and time typed on a ward, such as an action's due time, was typed in it)."""

    base_url: str
    time_zone: ZoneInfo


@dataclass(frozen=True)
class Person:
    """A clinician of this app (a signer, a receiver): `user_id` keeps their resource id stable."""

    user_id: int
    name: str
    role: str | None = None


@dataclass(frozen=True)
class PatientInfo:
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    preferred_language: str
    unit: str | None = None
    bed: str | None = None


@dataclass(frozen=True)
class Receipt:
    """An acknowledgement of the exported revision: the receiver's synthesis (I-PASS's S)."""

    person: Person
    at: datetime
    synthesis: str


@dataclass(frozen=True)
class SignedRevision:
    handoff_id: int
    revision: int
    checklist_key: str
    checklist_version: int
    checklist_title: str
    definition: dict
    data: dict
    patient: PatientInfo
    signer: Person
    signed_at: datetime
    receipts: tuple[Receipt, ...] = field(default_factory=tuple)
    replaces: int | None = None  # the revision signed before this one (an amendment replaces its document)


@dataclass(frozen=True)
class RevisionAnswers:
    """Any revision (draft or signed) as a QuestionnaireResponse sees it."""

    handoff_id: int
    revision: int
    definition: dict  # with its key and version
    data: dict
    patient: PatientInfo
    author: Person
    saved_at: datetime
    signed: bool
