"""Audit trail: every read and write of patient data is recorded and hash-chained."""

from sqlalchemy import update

from handoff.audit.models import AuditEvent
from handoff.extensions import db


def test_reads_and_writes_of_patient_data_are_audited(nurse, admin, make_handoff):
    handoff, _ = make_handoff()
    nurse.get(f"/api/v1/handoffs/{handoff['id']}")
    nurse.get(f"/api/v1/handoffs/{handoff['id']}/revisions")
    events = admin.get(f"/api/v1/audit?handoff_id={handoff['id']}").get_json()
    assert [e["action"] for e in events] == ["handoff.create", "handoff.read", "handoff.revisions"]
    assert {e["username"] for e in events} == {"nurse"}
    assert all(e["client_addr"] and e["at"] for e in events)
    patient_events = admin.get(f"/api/v1/audit?patient_id={handoff['patient_id']}").get_json()
    assert patient_events[0]["action"] == "patient.create"


def test_failed_requests_leave_no_audit_event(nurse, admin, make_handoff):
    handoff, etag = make_handoff()
    nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": {"medications": 3}}, headers={"If-Match": etag})
    actions = [e["action"] for e in admin.get(f"/api/v1/audit?handoff_id={handoff['id']}").get_json()]
    assert actions == ["handoff.create"]


def test_audit_filters_by_username_and_since(nurse, physician, admin, make_patient):
    make_patient()
    physician.get("/api/v1/patients?q=x")
    events = admin.get("/api/v1/audit?username=physician").get_json()
    assert [e["action"] for e in events] == ["auth.token.create", "patient.search"]
    assert {e["username"] for e in events} == {"physician"}
    assert admin.get("/api/v1/audit?since=2999-01-01T00:00:00Z").get_json() == []
    assert admin.get("/api/v1/audit?since=not-a-date").status_code == 422


def test_chain_verifies_and_tampering_is_found(app, nurse, admin, make_handoff):
    make_handoff()
    report = admin.get("/api/v1/audit/verify").get_json()
    assert report["ok"] is True and report["checked"] >= 3
    events = admin.get("/api/v1/audit").get_json()
    victim = events[1]["id"]
    with app.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.id == victim).values(username="someone-else"))
        db.session.commit()
    report = admin.get("/api/v1/audit/verify").get_json()
    assert report["ok"] is False and report["broken_at"] == victim


def test_each_event_links_to_the_previous(nurse, admin, make_handoff):
    make_handoff()
    events = admin.get("/api/v1/audit?per_page=1000").get_json()
    assert events[0]["prev_hash"] == "0" * 64
    for earlier, later in zip(events, events[1:], strict=False):
        assert later["prev_hash"] == earlier["hash"]
