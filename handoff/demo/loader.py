"""Load the demo: three users and synthetic patients with handoffs of both checklists.

Safe to run again: users and patients that exist (by username, by MRN) are left alone.
The passwords are printed because this is demo data for a laptop, never for a ward.
"""

import json
from datetime import date
from pathlib import Path

from flask import g
from sqlalchemy import select
from werkzeug.datastructures import ETags

from ..audit import service as audit
from ..auth.models import User
from ..auth.service import create_user
from ..extensions import db
from ..handoffs import service as handoffs
from ..patients.models import Patient

DEMO_USERS = (
    ("nurse", "handoff-nurse", "nurse", "Ana Ruiz, RN"),
    ("nurse2", "handoff-nurse2", "nurse", "Tom Becker, RN"),
    ("doctor", "handoff-doctor", "physician", "Dr. Priya Raman"),
    ("admin", "handoff-admin", "admin", "Clinical lead"),
)
PATIENTS_FILE = Path(__file__).with_name("patients.json")


def load_demo() -> list[str]:
    lines = []
    users = {}
    for username, password, role, display_name in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, password, role, display_name)
            audit.record("user.create", "user", user.id, user=user, detail={"via": "demo"})
        users[username] = user
        lines.append(f"  sign in as {username:<7} password {password:<16} ({role})")
    created = 0
    for entry in json.loads(PATIENTS_FILE.read_text(encoding="utf-8")):
        fields = dict(entry["patient"], birth_date=date.fromisoformat(entry["patient"]["birth_date"]))
        if db.session.scalar(select(Patient.id).where(Patient.mrn == fields["mrn"])) is not None:
            continue
        patient = Patient(**fields, created_by_id=users["nurse"].id)
        db.session.add(patient)
        db.session.flush()
        audit.record("patient.create", "patient", patient.id, patient_id=patient.id, user=users["nurse"])
        for item in entry["handoffs"]:
            author = users["nurse"] if item["checklist"] == "discharge" else users["doctor"]
            g.user = author  # the services audit as the signed-in user
            handoff = handoffs.create(patient.id, item["checklist"], item["data"], author)
            if item.get("finalize"):
                handoffs.finalize(handoff.id, author, ETags(star_tag=True))
        created += 1
    lines.insert(0, f"demo data: {created} new patients ({len(DEMO_USERS)} demo users)")
    return lines
