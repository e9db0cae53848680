"""The services work with no request at all: the CLI, the demo loader and tests call them directly.

They take an Actor and raise domain errors; only errors.py knows the HTTP answers.
"""

import pytest
from flask import has_request_context
from sqlalchemy import select

from handoff.audit.models import AuditEvent
from handoff.auth.service import create_user
from handoff.domain import Actor, Conflict, Forbidden, Invalid, NotFound, Stale
from handoff.errors import status_of
from handoff.extensions import db
from handoff.handoffs import service as handoffs
from handoff.patients import service as patients
from tests.conftest import PASSWORD, load_scenario

PATIENT = {"mrn": "SVC-1", "given_name": "Walter", "family_name": "Okafor", "preferred_language": "es"}


@pytest.fixture
def clinicians(app):
    from datetime import date

    with app.app_context():
        assert not has_request_context()
        nurse = create_user(Actor.system("test"), "svc-nurse", PASSWORD, "nurse")
        doctor = create_user(Actor.system("test"), "svc-doctor", PASSWORD, "physician")
        as_nurse, as_doctor = Actor(nurse, "10.1.2.3"), Actor(doctor, "10.1.2.4")
        patient = patients.create(as_nurse, {**PATIENT, "birth_date": date(1947, 3, 12)})
        yield as_nurse, as_doctor, patient
        db.session.rollback()


def test_a_handoff_is_started_saved_signed_and_acknowledged_without_a_request(clinicians):
    as_nurse, as_doctor, patient = clinicians
    data = load_scenario("discharge-heart-failure")["data"]
    view = handoffs.create(as_nurse, patient.id, "discharge", data)
    first = view.handoff.state
    saved = handoffs.save(as_nurse, view.handoff.id, {**data, "what_matters": "Home by Friday"}, None, {first})
    assert saved.revision.number == 2 and saved.handoff.current_revision == 2
    signed = handoffs.finalize(as_nurse, view.handoff.id, {saved.handoff.state})
    assert signed.handoff.status == "final"
    ack = handoffs.acknowledge(as_doctor, view.handoff.id, 2, "Heart failure, diuretic changed, labs Friday.")
    assert ack.user.username == "svc-doctor"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.handoff_id == view.handoff.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.username, e.client_addr) for e in events] == [
        ("handoff.create", "svc-nurse", "10.1.2.3"), ("handoff.update", "svc-nurse", "10.1.2.3"),
        ("handoff.finalize", "svc-nurse", "10.1.2.3"), ("handoff.acknowledge", "svc-doctor", "10.1.2.4")]


def test_services_raise_domain_errors_that_map_to_the_contract(clinicians):
    as_nurse, as_doctor, patient = clinicians
    view = handoffs.create(as_nurse, patient.id, "discharge", {})
    old = view.handoff.state
    handoffs.save(as_nurse, view.handoff.id, {"what_matters": "Walk the dog"}, None, {old})
    with pytest.raises(Stale) as stale:
        handoffs.save(as_doctor, view.handoff.id, {"what_matters": "Garden"}, None, {old})
    assert stale.value.detail["current_revision"] == 2 and status_of(stale.value) == 412
    with pytest.raises(Invalid) as incomplete:
        handoffs.finalize(as_nurse, view.handoff.id, None)
    assert {"encounter.admitted_on", "medications"} <= {p["path"] for p in incomplete.value.problems}
    assert status_of(incomplete.value) == 422
    with pytest.raises(Conflict) as duplicate:
        patients.create(as_nurse, {**PATIENT, "birth_date": patient.birth_date})
    assert duplicate.value.problems == [{"path": "mrn", "message": "Already in use."}]
    with pytest.raises(NotFound):
        handoffs.read(as_nurse, 2**40)
    assert status_of(Forbidden("no")) == 403
