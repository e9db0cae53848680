"""Load the demo: four users, synthetic patients with handoffs of both checklists, and a few translations.

Safe to run again: users and patients that exist (by username, by MRN) are left alone.
The passwords are printed because this is demo data for a laptop, never for a ward. It
goes through the same services as the API, acting as the demo clinicians from "demo".
"""

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..auth.models import User
from ..auth.service import create_user
from ..domain import Actor
from ..extensions import db
from ..handoffs import service as handoffs
from ..patients import service as patients
from ..patients.models import Patient
from ..translation_memory import service as translation_memory

DEMO_USERS = (
    ("nurse", "handoff-nurse", "nurse", "Ana Ruiz, RN"),
    ("nurse2", "handoff-nurse2", "nurse", "Tom Becker, RN"),
    ("doctor", "handoff-doctor", "physician", "Dr. Priya Raman"),
    ("admin", "handoff-admin", "admin", "Clinical lead"),
)
PATIENTS_FILE = Path(__file__).with_name("patients.json")
UNITS_FILE = Path(__file__).with_name("units.json")
VIA = "demo"


def load_demo() -> list[str]:
    lines = []
    users = {}
    for username, password, role, display_name in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(Actor.system(VIA), username, password, role, display_name, via=VIA)
        users[username] = user
        lines.append(f"  sign in as {username:<7} password {password:<16} ({role})")
    created = 0
    for entry in json.loads(PATIENTS_FILE.read_text(encoding="utf-8")):
        fields = dict(entry["patient"], birth_date=date.fromisoformat(entry["patient"]["birth_date"]))
        if db.session.scalar(select(Patient.id).where(Patient.mrn == fields["mrn"])) is not None:
            continue
        patient = patients.create(Actor.system(VIA, users["nurse"]), fields)
        # A bilingual nurse's translations, in the memory before the handoff is signed (so its summary uses them).
        for item in entry.get("translations", []):
            translation_memory.add(Actor.system(VIA, users["nurse2"]), item["lang"], item["source"], item["text"])
        for item in entry["handoffs"]:
            author = Actor.system(VIA, users["nurse"] if item["checklist"] == "discharge" else users["doctor"])
            view = handoffs.create(author, patient.id, item["checklist"], item["data"])
            if item.get("finalize"):
                handoffs.finalize(author, view.handoff.id, expected={view.handoff.state})
        created += 1
    created += _load_units(users)
    lines.insert(0, f"demo data: {created} new patients ({len(DEMO_USERS)} demo users)")
    return lines


def _load_units(users: dict) -> int:
    """Two units of eight patients for shift change: I-PASS handoffs drafted, signed or received."""
    units = json.loads(UNITS_FILE.read_text(encoding="utf-8"))
    doctor, receiver = Actor.system(VIA, users["doctor"]), Actor.system(VIA, users["nurse2"])
    for place in units["placed"]:
        patient = db.session.scalar(select(Patient).where(Patient.mrn == place["mrn"]))
        if patient is not None and patient.unit is None:
            patients.update(Actor.system(VIA, users["nurse"]), patient.id, {"unit": place["unit"], "bed": place["bed"]})
    created = 0
    for row in units["patients"]:
        if db.session.scalar(select(Patient.id).where(Patient.mrn == row["patient"]["mrn"])) is not None:
            continue
        fields = dict(row["patient"], birth_date=date.fromisoformat(row["patient"]["birth_date"]),
                      unit=row["unit"], bed=row["bed"])
        patient = patients.create(Actor.system(VIA, users["nurse"]), fields)
        view = handoffs.create(doctor, patient.id, "ipass", _ipass_data(row))
        if row.get("signed"):
            view = handoffs.finalize(doctor, view.handoff.id, expected={view.handoff.state})
            if row.get("received"):
                handoffs.acknowledge(receiver, view.handoff.id, view.handoff.current_revision, row["received"])
        created += 1
    return created


def _ipass_data(row: dict) -> dict:
    return {
        "illness_severity": row["severity"], "code_status": row["code_status"],
        "patient_summary": {key: row[key] for key in ("one_liner", "background", "assessment", "plan")},
        "action_list": [{"task": task, "owner": owner, "due": due, "done": done}
                        for task, owner, due, done in row["actions"]],
        "situation_awareness": [{"if": when, "then": then} for when, then in row["contingencies"]],
    }
