"""The command line of contract 3.1: user create, audit seal/head/verify, demo load."""

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


def test_audit_head_prints_the_sealed_head_as_json(app, nurse, make_patient):
    import json

    from handoff.common import iso

    make_patient()
    result = run(app, "audit", "head")
    assert result.exit_code == 0, result.output
    head = json.loads(result.output)
    with app.app_context():
        newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc())).first()
    assert head == {"sequence": newest.sequence, "hash": newest.hash, "event_id": newest.id, "at": iso(newest.at)}


def test_audit_verify_against_an_anchor_finds_deleted_newest_events(app, nurse, make_patient, tmp_path):
    from sqlalchemy import update

    from handoff.audit.models import AuditChainHead

    make_patient()
    make_patient()
    anchor_file = tmp_path / "head.json"
    anchor_file.write_text(run(app, "audit", "head").output)
    held = run(app, "audit", "verify", "--anchor", str(anchor_file))
    assert held.exit_code == 0 and "intact" in held.output and "anchor" in held.output
    with app.app_context():  # delete the two newest events and move the head back to the one before them
        kept = db.session.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc()).offset(2)).first()
        db.session.execute(delete(AuditEvent).where(AuditEvent.sequence > kept.sequence))
        db.session.execute(update(AuditChainHead).values(last_hash=kept.hash, last_sequence=kept.sequence,
                                                         last_event_id=kept.id))
        db.session.commit()
    assert run(app, "audit", "verify").exit_code == 0  # consistent on its own: only the anchor tells
    for anchor in (str(anchor_file), anchor_file.read_text()):
        broken = run(app, "audit", "verify", "--anchor", anchor)
        assert broken.exit_code == 1
        assert "BROKEN" in broken.output and "gone" in broken.output and "rewound" in broken.output


def test_audit_verify_refuses_an_unreadable_anchor(app, tmp_path):
    missing = run(app, "audit", "verify", "--anchor", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 2 and "cannot read" in missing.output
    malformed = run(app, "audit", "verify", "--anchor", '{"sequence": "x"}')
    assert malformed.exit_code == 2 and "sequence" in malformed.output
