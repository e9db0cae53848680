"""Audit trail: every read and write of patient data is recorded, sealed into a hash chain, and checked.

Requests only record events; a sealer links them into the chain afterwards (handoff/audit/service.py
says why). The tests that need two transactions open at once run on PostgreSQL only: SQLite has
one writer at a time by design.
"""

import json
import threading

import pytest
from sqlalchemy import delete, func, select, text, update

from handoff.audit import service as audit
from handoff.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from handoff.domain import Actor
from handoff.extensions import db


def seal(app) -> int:
    with app.app_context():
        sealed = audit.seal().sealed
        db.session.remove()
    return sealed


def verify(app, anchor=None) -> audit.ChainReport:
    with app.app_context():
        report = audit.verify_chain(anchor=anchor)
        db.session.remove()
    return report


def chain_head(app) -> dict:
    with app.app_context():
        head = audit.head()
        db.session.remove()
    return head


def record_events(app, count: int) -> list[int]:
    with app.app_context():
        ids = [audit.record(Actor.system("test"), "test.event", "test", n).id for n in range(count)]
        db.session.commit()
        db.session.remove()
    return ids


def truncate_and_rewind(app, keep: int) -> None:
    """What a tamperer with database access does to hide the newest events: delete them, move the head back."""
    with app.app_context():
        kept = db.session.scalar(select(AuditEvent).where(AuditEvent.sequence == keep))
        db.session.execute(delete(AuditEvent).where(AuditEvent.sequence > keep))
        db.session.execute(update(AuditChainHead).values(last_hash=kept.hash, last_sequence=keep,
                                                         last_event_id=kept.id))
        db.session.commit()
        db.session.remove()


def requires_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two write transactions at once: PostgreSQL only (SQLite has one writer by design)")


# --- what is recorded ------------------------------------------------------------------------------


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


def test_failed_requests_leave_no_audit_event(app, nurse, admin, make_handoff):
    handoff, etag = make_handoff()
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = nurse.put(f"/api/v1/handoffs/{handoff['id']}", json={"data": {"medications": 3}},
                         headers={"If-Match": etag})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
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


# --- recording takes no shared row; sealing links ---------------------------------------------------


def test_requests_record_events_unsealed_and_leave_the_head_alone(app, nurse, make_patient):
    make_patient()
    with app.app_context():
        head = db.session.get(AuditChainHead, 1)
        assert (head.last_hash, head.last_sequence, head.last_event_id) == (GENESIS_HASH, 0, None)
        events = db.session.scalars(select(AuditEvent)).all()
        assert events and all(e.sequence is None and e.hash is None and e.prev_hash is None for e in events)
    assert verify(app).unsealed == len(events)


def test_sealing_links_every_event_to_the_previous(app, nurse, admin, make_handoff):
    make_handoff()
    sealed = seal(app)
    nurse.get("/api/v1/patients?q=after")  # recorded after sealing: not in the chain yet
    events = admin.get("/api/v1/audit?per_page=1000").get_json()
    assert sealed == len(events) - 1 and sealed >= 5
    chained = [e for e in events if e["sequence"] is not None]
    assert [e["sequence"] for e in chained] == list(range(1, sealed + 1))
    assert chained[0]["prev_hash"] == GENESIS_HASH
    for earlier, later in zip(chained, chained[1:], strict=False):
        assert later["prev_hash"] == earlier["hash"]
    assert events[-1]["sequence"] is None and events[-1]["hash"] is None
    report = admin.get("/api/v1/audit/verify").get_json()
    # unsealed: the search after sealing, and the admin's own read of the trail just before
    assert report == {"ok": True, "checked": sealed, "broken_at": None, "reason": None, "unsealed": 2}
    assert seal(app) == 3 and seal(app) == 0  # and the verify itself


def test_an_event_committed_late_with_a_lower_id_is_sealed_in_a_later_batch(app):
    """On PostgreSQL ids are taken before commit: id 2 may commit after id 3 was sealed."""
    first, late, third = record_events(app, 3)
    with app.app_context():  # hold the middle event back, as an open transaction would
        content = {c.name: getattr(db.session.get(AuditEvent, late), c.name) for c in AuditEvent.__table__.c}
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == late))
        db.session.commit()
    assert seal(app) == 2
    with app.app_context():
        db.session.add(AuditEvent(**content))
        db.session.commit()
    assert seal(app) == 1
    with app.app_context():
        order = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.sequence)).scalars().all()
        db.session.remove()
    assert order == [first, third, late]
    report = verify(app)
    assert report.ok and report.checked == 3 and report.unsealed == 0


# --- tampering ---------------------------------------------------------------------------------------


def test_chain_verifies_and_an_altered_event_is_found(app, nurse, admin, make_handoff):
    make_handoff()
    seal(app)
    report = admin.get("/api/v1/audit/verify").get_json()
    assert report["ok"] is True and report["checked"] >= 3
    events = admin.get("/api/v1/audit").get_json()
    victim = events[1]["id"]
    with app.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.id == victim).values(username="someone-else"))
        db.session.commit()
    report = admin.get("/api/v1/audit/verify").get_json()
    assert report["ok"] is False and report["broken_at"] == victim
    assert "altered" in report["reason"]


def test_a_deleted_middle_event_is_found(app):
    ids = record_events(app, 5)
    seal(app)
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[2]))
        db.session.commit()
    report = verify(app)
    assert not report.ok and report.broken_at == ids[3] and report.checked == 2
    assert "missing" in report.reason


def test_deleting_the_newest_events_and_rewinding_the_head_is_found_against_an_anchor(app):
    record_events(app, 5)
    seal(app)
    anchor = chain_head(app)
    assert anchor["sequence"] == 5 and anchor["event_id"] is not None and anchor["at"].endswith("Z")
    assert verify(app, audit.parse_anchor(json.dumps(anchor))).ok
    truncate_and_rewind(app, keep=3)
    assert verify(app).ok  # on its own a shortened chain is consistent: that is why the head is published
    report = verify(app, anchor)
    assert not report.ok and report.broken_at == anchor["event_id"]
    assert "gone" in report.reason and "rewound" in report.reason


def test_a_chain_rewritten_past_the_anchor_is_found(app):
    """Delete the newest events, rewind the head, let new events be sealed in their place."""
    record_events(app, 4)
    seal(app)
    anchor = chain_head(app)
    truncate_and_rewind(app, keep=2)
    record_events(app, 3)
    seal(app)
    assert chain_head(app)["sequence"] == 5
    report = verify(app, anchor)
    assert not report.ok and "differs" in report.reason


def test_an_anchor_of_an_intact_chain_holds_as_it_grows(app):
    assert verify(app, chain_head(app)).anchor_sequence == 0  # the empty chain's head is the genesis
    record_events(app, 2)
    seal(app)
    anchor = chain_head(app)
    record_events(app, 2)
    seal(app)
    report = verify(app, anchor)
    assert report.ok and report.anchor_sequence == 2 and report.checked == 4


@pytest.mark.parametrize("text, problem", [
    ("not json", "not JSON"),
    ("[1]", "object"),
    ('{"hash": "' + "a" * 64 + '"}', "sequence"),
    ('{"sequence": -1, "hash": "' + "a" * 64 + '"}', "sequence"),
    ('{"sequence": 3, "hash": "abc"}', "hash"),
])
def test_a_malformed_anchor_is_refused_saying_why(text, problem):
    with pytest.raises(audit.BadAnchor, match=problem):
        audit.parse_anchor(text)


# --- the published head ------------------------------------------------------------------------------


def test_the_head_is_published_to_admins_only(app, client, nurse, physician, admin):
    assert client.get("/api/v1/audit/head").status_code == 401
    assert nurse.get("/api/v1/audit/head").status_code == 403
    assert physician.get("/api/v1/audit/head").status_code == 403
    empty = admin.get("/api/v1/audit/head")
    assert empty.status_code == 200
    assert empty.get_json() == {"sequence": 0, "hash": GENESIS_HASH, "event_id": None, "at": None}
    sealed = seal(app)
    published = admin.get("/api/v1/audit/head").get_json()
    newest = admin.get("/api/v1/audit?per_page=1000").get_json()[sealed - 1]
    assert published == {"sequence": sealed, "hash": newest["hash"], "event_id": newest["id"], "at": newest["at"]}
    assert "/api/v1/audit/head" in client.get("/api/v1/openapi.json").get_json()["paths"]


# --- the app's own sealer ------------------------------------------------------------------------------


def test_the_app_seals_in_the_background_after_a_request(app, make_app, nurse):
    served = make_app(HANDOFF_AUDIT_SEALER="1", HANDOFF_AUDIT_SEAL_SECONDS="60")
    sealer = served.extensions["handoff.audit_sealer"]
    http = served.test_client()
    try:
        turns = sealer.rounds
        response = http.get("/api/v1/patients?q=x", headers={"Authorization": f"Bearer {nurse.token}"})
        assert response.status_code == 200
        for _ in range(5):  # a turn already under way at the nudge may miss the request; the next one not
            assert sealer.wait_for_turn(turns, timeout=60)
            turns = sealer.rounds
            if verify(app).unsealed == 0:
                break
    finally:
        sealer.stop()
    report = verify(app)
    assert report.ok and report.unsealed == 0 and report.checked >= 2


def test_no_background_sealer_under_testing_unless_asked(app):
    assert "handoff.audit_sealer" not in app.extensions


# --- no single row every request locks (PostgreSQL) ------------------------------------------------


@pytest.fixture
def impatient_app(make_app):
    """A second app process whose connections give up on a lock after 2 s instead of waiting."""
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c lock_timeout=2000"}})


def test_an_uncommitted_audited_write_does_not_block_another_requests_audited_read(app, impatient_app, nurse,
                                                                                     make_patient):
    requires_postgresql(app)
    patient = make_patient()
    recorded = threading.Event()
    release = threading.Event()
    held_back: list[int] = []

    def slow_writer():
        """A request that has recorded its event and then takes its time (a render, a slow client)."""
        with app.app_context():
            held_back.append(audit.record(Actor.system("test"), "patient.read", "patient", patient["id"],
                                          patient_id=patient["id"]).id)
            recorded.set()
            release.wait(timeout=60)
            db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert recorded.wait(timeout=60)
        reader = impatient_app.test_client()
        response = reader.get(f"/api/v1/patients/{patient['id']}", headers={"Authorization": f"Bearer {nurse.token}"})
        assert response.status_code == 200, response.get_json()
        with impatient_app.app_context():
            assert audit.seal(wait=False).sealed >= 1  # the sealer, too, goes past the open transaction
            newest = db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.sequence.is_not(None)))
            db.session.remove()
        assert newest > held_back[0]  # sealed a higher id than the one still open
    finally:
        release.set()
        writer.join(timeout=60)
    assert seal(app) == 1  # committed late, with a lower id: sealed now, after the higher one
    report = verify(app)
    assert report.ok and report.unsealed == 0
    with app.app_context():
        late = db.session.get(AuditEvent, held_back[0])
        assert late.sequence == report.checked


def test_a_sealer_holding_the_head_blocks_no_request_and_other_sealers_skip(app, impatient_app, nurse, make_patient):
    requires_postgresql(app)
    patient = make_patient()
    with app.app_context(), db.engine.connect() as sealer_elsewhere:
        sealer_elsewhere.execute(text("SELECT * FROM audit_chain_head WHERE id = 1 FOR UPDATE"))
        reader = impatient_app.test_client()
        headers = {"Authorization": f"Bearer {nurse.token}"}
        assert reader.get(f"/api/v1/patients/{patient['id']}", headers=headers).status_code == 200
        assert reader.post("/api/v1/patients", headers=headers, json={
            "mrn": "LOCK-1", "given_name": "Ana", "family_name": "Test", "birth_date": "1960-01-01",
            "preferred_language": "en"}).status_code == 201
        with impatient_app.app_context():
            assert audit.seal(wait=False).busy is True
            db.session.remove()
        sealer_elsewhere.rollback()
    assert seal(app) >= 3
    assert verify(app).ok


# --- the production server: several processes, each with its sealer, one chain -------------------


@pytest.mark.slow
def test_gunicorn_workers_seal_one_unbroken_chain_while_tablets_read(app, database_url, tmp_path, nurse,
                                                                       make_patient):
    import time

    import requests

    from tests.servers import gunicorn

    patients = [make_patient()["id"] for _ in range(4)]
    log_path = tmp_path / "gunicorn.log"
    problems: list[str] = []
    with gunicorn(database_url, log_path, extra_env={"HANDOFF_AUDIT_SEAL_SECONDS": "1"}) as base:
        def tablet(patient_id):
            http = requests.Session()
            headers = {"Authorization": f"Bearer {nurse.token}"}
            for _ in range(15):
                response = http.get(f"{base}/api/v1/patients/{patient_id}", headers=headers, timeout=60)
                if response.status_code != 200:
                    problems.append(f"{response.status_code}: {response.text[:200]}")

        threads = [threading.Thread(target=tablet, args=(patient_id,)) for patient_id in patients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        deadline = time.monotonic() + 60
        while verify(app).unsealed and time.monotonic() < deadline:  # the workers' sealers, not this process
            time.sleep(0.2)
        report = verify(app)
    assert problems == []
    assert report.unsealed == 0, "the server's background sealers left events unsealed"
    assert report.ok, report
    with app.app_context():
        reads = db.session.scalar(select(func.count()).where(AuditEvent.action == "patient.read"))
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert reads == 60 and report.checked == total
    log = log_path.read_text()
    assert "Traceback" not in log and "audit sealer" not in log


# --- what must be kept although the request fails (issue 11, point 6) ------------------------------------


def kept(app, action) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        db.session.remove()
    return found


@pytest.fixture
def failing_commit(app):
    """The database refuses the next commit of a request (a full disk, a lost connection at COMMIT): the
    request answers 503 and rolls back everything it did. Armed by calling it; disarmed after one failure."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    armed = []

    def refuse(session):
        if armed:
            armed.clear()
            raise OperationalError("COMMIT", {}, Exception("could not write to file: No space left on device"))

    sa_event.listen(Session, "before_commit", refuse)
    yield lambda: armed.append(True)
    sa_event.remove(Session, "before_commit", refuse)


def test_failed_sign_ins_are_recorded_with_the_name_tried(app, client, nurse):
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    for username, password in (("nurse", "wrong"), ("nobody", "wrong")):
        assert client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code == 401
    assert client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "x"}).status_code == 401
    failed = kept(app, "auth.login.failed")
    assert [(e.detail["username"], e.detail["reason"], e.client_addr, e.username) for e in failed] == [
        ("nurse", "wrong password", "192.0.2.44", "(anonymous)"), ("nobody", "unknown", "192.0.2.44", "(anonymous)")]
    assert failed[0].record_id is not None and failed[1].record_id is None
    assert [e.detail["username"] for e in kept(app, "auth.token.failed")] == ["nurse"]


def test_a_refused_sign_in_under_the_guessing_limits_is_kept_though_the_request_rolls_back(app, client, nurse,
                                                                                          monkeypatch):
    from handoff import ratelimit

    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    answers = [client.post("/api/v1/auth/login", json={"username": "nurse", "password": "guess"}).status_code
               for _ in range(7)]
    assert answers[-1] == 429
    limited = kept(app, "auth.login.limited")
    assert len(limited) == answers.count(429) >= 1
    assert limited[-1].detail["username"] == "nurse" and limited[-1].detail["status"] == 429
    assert limited[-1].detail["retry_after"] >= 1 and limited[-1].client_addr == "203.0.113.9"


def test_refused_requests_are_recorded_whichever_layer_refused(app, client, nurse, physician, admin, make_handoff):
    assert nurse.get("/api/v1/audit?username=x").status_code == 403  # a role
    client.post("/api/v1/auth/login", json={"username": "nurse", "password": "correct horse battery"})
    assert client.post("/api/v1/patients", json={"mrn": "X"}).status_code == 403  # no CSRF header
    handoff, etag = make_handoff()
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag}).status_code == 200
    signed = nurse.get(f"/api/v1/handoffs/{handoff['id']}").get_json()
    refused = nurse.post(f"/api/v1/handoffs/{handoff['id']}/acknowledge",
                         json={"revision": signed["revision"], "synthesis": "ok"})
    assert refused.status_code == 403  # a rule of the record: the signer cannot acknowledge
    events = kept(app, "request.forbidden")
    assert [(e.username, e.detail["method"], e.detail["path"]) for e in events] == [
        ("nurse", "GET", "/api/v1/audit"), ("nurse", "POST", "/api/v1/patients"),
        ("nurse", "POST", f"/api/v1/handoffs/{handoff['id']}/acknowledge")]
    assert "admin" in events[0].detail["reason"] and "X-CSRF-Token" in events[1].detail["reason"]
    assert events[2].handoff_id == handoff["id"] and events[2].detail["status"] == 403
    assert all(e.client_addr for e in events)


def test_admins_reading_the_trail_are_recorded(app, admin, nurse):
    admin.get("/api/v1/audit?username=nurse&action=auth.token.create")
    admin.get("/api/v1/audit/verify")
    admin.get("/api/v1/audit/head")
    search, = kept(app, "audit.search")
    assert search.username == "admin"
    assert search.detail == {"filters": {"username": "nurse", "action": "auth.token.create"}, "page": 1,
                             "per_page": 100, "returned": 1}
    assert kept(app, "audit.verify")[0].detail["ok"] is True
    assert kept(app, "audit.head")[0].detail == {"sequence": 0}
    # A search lists the trail as it stood before it: its own event is not in its answer.
    listed = [e["action"] for e in admin.get("/api/v1/audit?per_page=1000").get_json()]
    assert listed[-3:] == ["audit.search", "audit.verify", "audit.head"] and len(kept(app, "audit.search")) == 2


@pytest.mark.parametrize("method, path, action", [
    ("get", "/api/v1/audit", "audit.search"),
    ("get", "/api/v1/audit/verify", "audit.verify"),
    ("get", "/api/v1/audit/head", "audit.head"),
    ("get", "/api/v1/users/{nurse}/sessions", "user.sessions.read"),
    ("delete", "/api/v1/users/{nurse}/sessions", "user.sessions.end"),
    ("patch", "/api/v1/users/{nurse}", "user.disable"),
])
def test_an_event_that_matters_survives_its_request_failing(app, admin, nurse, failing_commit, method, path, action):
    nurse_id = next(u["id"] for u in admin.get("/api/v1/users").get_json() if u["username"] == "nurse")
    failing_commit()
    kwargs = {"json": {"disabled": True}} if method == "patch" else {}
    response = getattr(admin, method)(path.format(nurse=nurse_id), **kwargs)
    assert response.status_code == 503
    event, = kept(app, action)
    assert event.username == "admin" and event.detail["status"] == 503
    assert nurse.get("/api/v1/auth/me").status_code == 200  # the work itself was rolled back
    seal(app)
    assert verify(app).ok and verify(app).unsealed == 0


def test_ending_one_session_is_kept_although_the_request_fails(app, client, admin, nurse, failing_commit):
    client.post("/api/v1/auth/login", json={"username": "nurse", "password": "correct horse battery"})
    nurse_id = next(u["id"] for u in admin.get("/api/v1/users").get_json() if u["username"] == "nurse")
    session = admin.get(f"/api/v1/users/{nurse_id}/sessions").get_json()[0]
    failing_commit()
    assert admin.delete(f"/api/v1/users/{nurse_id}/sessions/{session['id']}").status_code == 503
    event, = kept(app, "user.session.end")
    assert event.record_id == str(session["id"]) and event.detail["status"] == 503
    assert client.get("/api/v1/auth/me").status_code == 200


def test_a_request_failing_on_our_side_keeps_its_event_with_the_500(app, admin, monkeypatch):
    from handoff.audit import routes

    def broken(page):
        raise RuntimeError("a bug after the read")

    monkeypatch.setattr(routes, "page_headers", broken)
    assert admin.get("/api/v1/audit").status_code == 500
    event, = kept(app, "audit.search")
    assert event.detail["status"] == 500


def test_an_export_is_kept_when_its_render_fails(app, nurse, make_handoff, monkeypatch):
    from handoff.documents import rendering

    def unavailable(job):
        raise rendering.RenderUnavailable("The document took too long to render.", retry_after=7)

    monkeypatch.setattr(rendering, "ensure", unavailable)
    handoff, _ = make_handoff()
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf")
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.handoff_id == handoff["id"],
                                                            AuditEvent.action == "document.view")).one()
        db.session.remove()
    assert event.detail["kind"] == "clinician.pdf" and event.username == "nurse"


def test_kept_events_of_failed_requests_seal_into_an_unbroken_chain(app, client, nurse, admin, failing_commit):
    client.post("/api/v1/auth/login", json={"username": "nurse", "password": "wrong"})
    nurse.get("/api/v1/audit")
    failing_commit()
    admin.get("/api/v1/audit/head")
    seal(app)
    report = verify(app)
    assert report.ok and report.checked >= 5 and report.unsealed == 0
