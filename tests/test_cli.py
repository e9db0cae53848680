"""The command line of contract 3.1: user create, audit seal/verify, demo load."""

from sqlalchemy import delete, select

from handoff.audit.models import AuditEvent
from handoff.auth.models import User
from handoff.extensions import db


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_user_create_reads_password_from_stdin(app, client):
    result = run(app, "user", "create", "maria", "--role", "physician", input="s3cret-pass-phrase\n")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"username": "maria", "password": "s3cret-pass-phrase"})
    assert login.status_code == 200 and login.get_json()["user"]["role"] == "physician"


def test_duplicate_user_fails_with_a_clear_message(app):
    assert run(app, "user", "create", "sam", "--role", "nurse", input="first-password\n").exit_code == 0
    result = run(app, "user", "create", "sam", "--role", "admin", input="second-password\n")
    assert result.exit_code != 0
    assert "already exists" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "sam")) == "nurse"


def test_unknown_role_and_empty_password_are_refused(app):
    assert run(app, "user", "create", "x", "--role", "surgeon", input="password123\n").exit_code != 0
    result = run(app, "user", "create", "y", "--role", "nurse", input="\n")
    assert result.exit_code != 0 and "password" in result.output


def test_audit_verify_reports_the_first_broken_link(app, nurse, make_patient):
    make_patient()
    make_patient()
    ok = run(app, "audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with app.app_context():
        second = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == second))
        db.session.commit()
    broken = run(app, "audit", "verify")
    assert broken.exit_code == 1
    assert f"event {second + 1}" in broken.output


def test_demo_load_is_repeatable_and_its_handoffs_are_valid(app, client):
    first = run(app, "demo", "load")
    assert first.exit_code == 0, first.output
    assert "sign in as nurse" in first.output
    second = run(app, "demo", "load")
    assert second.exit_code == 0 and "0 new patients" in second.output
    token = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "handoff-nurse"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    handoffs = client.get("/api/v1/handoffs?per_page=200", headers=headers).get_json()
    assert {h["checklist"]["key"] for h in handoffs} == {"discharge", "ipass"}
    assert any(h["status"] == "final" for h in handoffs)


def test_audit_seal_links_what_requests_recorded(app, nurse, make_patient):
    make_patient()
    result = run(app, "audit", "seal")
    assert result.exit_code == 0, result.output
    with app.app_context():
        sequences = db.session.scalars(select(AuditEvent.sequence).order_by(AuditEvent.id)).all()
    assert sequences == list(range(1, len(sequences) + 1))
    assert f"sealed {len(sequences)} events; chain head at sequence {len(sequences)}" in result.output
    assert "sealed 0 events" in run(app, "audit", "seal").output

