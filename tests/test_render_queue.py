"""Renders off the request path (issue 10, points 1, 2 and 6): no lock held while a PDF renders, one render per
document however many ask, renders started at signing, a time limit and a content budget, a bounded cache.

Nothing here is timed. A render is held at a "hold" (two FIFOs the render process opens, see pool._pause_at),
so a test knows a render is in progress, and lets it go when it has checked what it wanted.
"""

import io
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from pypdf import PdfReader

from handoff.common import utcnow
from handoff.documents import cache, pool, rendering
from handoff.extensions import db
from tests.conftest import load_scenario

AWAIT = 120  # seconds: only a broken render makes a test wait this long, and then it fails instead of hanging


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


class Hold:
    """A render waits at `started` until `reached()` is called, then at `release` until `release()` is."""

    def __init__(self, folder):
        self.folder = folder
        os.mkfifo(folder / "started")
        os.mkfifo(folder / "release")

    def reached(self) -> None:
        _within(lambda: open(self.folder / "started").close(), "no render reached the hold")

    def release(self) -> None:
        _within(lambda: open(self.folder / "release", "w").close(), "the held render is gone")


def _within(action, failure: str) -> None:
    done = threading.Event()

    def run():
        action()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(AWAIT), failure


class InThread:
    """A request made on another thread; `result()` waits for its answer."""

    def __init__(self, call):
        self._answer = {}
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call):
        try:
            self._answer["response"] = call()
        except BaseException as error:  # handed to the test thread
            self._answer["error"] = error

    def result(self):
        self._thread.join(AWAIT)
        assert not self._thread.is_alive(), "the request never answered"
        if "error" in self._answer:
            raise self._answer["error"]
        return self._answer["response"]


@pytest.fixture
def hold(app, tmp_path, monkeypatch):
    made = Hold(tmp_path)
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_HOLD", str(tmp_path))
    return made


@pytest.fixture
def walter(make_patient):
    return make_patient(**load_scenario("discharge-heart-failure")["patient"])


def renders_started(app) -> int:
    return pool.shared(app.config["HANDOFF_RENDER_PROCESSES"]).started


def finalize(user, handoff_id, etag):
    response = user.post(f"/api/v1/handoffs/{handoff_id}/finalize", headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response


@contextmanager
def strict_app(make_app, database_url):
    """Another app on the same database whose statements fail at once on a lock instead of waiting for it."""
    if database_url.startswith("postgresql"):
        options = {"pool_pre_ping": True,
                   "connect_args": {"options": "-c lock_timeout=500 -c statement_timeout=10000"}}
        yield make_app(SQLALCHEMY_ENGINE_OPTIONS=options)
    else:
        yield make_app()


def test_no_transaction_or_lock_is_held_while_a_pdf_renders(app, make_app, database_url, nurse, make_handoff,
                                                          walter, hold):
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    printing = InThread(lambda: nurse.get(url))
    hold.reached()  # the render is in progress now
    if database_url.startswith("sqlite"):
        # The one writer of SQLite is free: a transaction that writes starts at once (no busy wait).
        raw = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        raw.close()
    with strict_app(make_app, database_url) as other:
        headers = {"Authorization": f"Bearer {nurse.token}"}
        read = other.test_client().get(f"/api/v1/patients/{walter['id']}", headers=headers)
        assert read.status_code == 200, read.get_json()  # an audited read of a patient answers meanwhile
        with other.app_context():
            from handoff.audit.models import AuditEvent

            kinds = [e.detail.get("kind") for e in db.session.query(AuditEvent).filter_by(action="document.view")]
            db.session.remove()
        assert kinds == ["clinician.pdf"]  # the read being printed is already recorded, in its own transaction
    hold.release()
    response = printing.result()
    assert response.status_code == 200 and response.headers["X-Document-Cache"] == "miss"
    assert "Walter Okafor" in pdf_text(response.data) or "Okafor" in pdf_text(response.data)


def test_two_requests_for_one_uncached_document_cause_one_render(app, nurse, make_handoff, walter, hold):
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf"
    before = renders_started(app)
    first = InThread(lambda: nurse.get(url))
    hold.reached()
    waiting = rendering.waiting().count
    second = InThread(lambda: nurse.get(url))
    assert rendering.waiting().wait_for(waiting + 1, AWAIT)  # the second waits for the first one's render
    hold.release()
    answers = [first.result(), second.result()]
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(a.headers["X-Document-Cache"] for a in answers) == ["hit", "miss"]
    assert answers[0].data == answers[1].data
    assert renders_started(app) - before == 1


def test_signing_starts_both_renders_and_the_first_request_is_a_cache_hit(app, nurse, make_handoff, make_patient,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_PRERENDER", True)
    scenario = load_scenario("discharge-heart-failure")
    patient = make_patient(**{**scenario["patient"], "preferred_language": "es"})
    handoff, etag = make_handoff(patient=patient)
    before = renders_started(app)
    finalize(nurse, handoff["id"], etag)
    base = f"/api/v1/handoffs/{handoff['id']}/documents"
    summary = nurse.get(f"{base}/patient-summary.pdf")  # in the patient's language, Spanish
    clinician = nurse.get(f"{base}/clinician.pdf")
    assert summary.status_code == 200 and clinician.status_code == 200
    assert summary.headers["X-Document-Cache"] == "hit" and clinician.headers["X-Document-Cache"] == "hit"
    assert renders_started(app) - before == 2
    assert "Sus medicinas" in pdf_text(summary.data) or "medicinas" in pdf_text(summary.data)


def test_a_render_past_its_time_limit_is_stopped_with_503_and_the_next_request_works(app, nurse, make_handoff,
                                                                                     walter, hold, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_TIMEOUT_SECONDS", 1)
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    stopped = nurse.get(url)  # held and never released: a runaway render
    assert stopped.status_code == 503
    assert stopped.headers["Retry-After"] == str(rendering.RETRY_AFTER_SECONDS)
    body = stopped.get_json()
    assert body["code"] == 503 and "stopped after 1 seconds" in body["message"] and body["errors"] == []
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_HOLD", None)
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_TIMEOUT_SECONDS", 20)  # the limit is for runaways: a render fits
    again = nurse.get(url)
    assert again.status_code == 200 and again.headers["X-Document-Cache"] == "miss"
    assert again.data.startswith(b"%PDF")


def test_a_document_past_the_content_budget_is_refused_with_422_before_any_render(app, nurse, make_handoff, walter,
                                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_MAX_HTML_BYTES", 2048)
    handoff, _ = make_handoff(patient=walter)
    before = renders_started(app)
    response = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf")
    assert response.status_code == 422
    assert "too large to print" in response.get_json()["message"]
    assert renders_started(app) == before


def test_the_board_sheet_renders_in_the_pool_too(app, nurse, make_patient, ipass_scenario):
    patient = make_patient(unit="7W", bed="12")
    created = nurse.post("/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": "ipass",
                                                  "data": ipass_scenario["data"]})
    assert created.status_code == 201
    before = renders_started(app)
    sheet = nurse.get("/api/v1/board.pdf?unit=7W")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")
    assert renders_started(app) - before == 1


# --- point 6: the cache stays bounded ----------------------------------------------------------------


def test_evicted_documents_are_rendered_again_and_read_the_same(app, nurse, make_handoff, walter):
    handoff, etag = make_handoff(patient=walter)
    finalize(nurse, handoff["id"], etag)
    urls = [f"/api/v1/handoffs/{handoff['id']}/documents/{name}" for name in ("clinician.pdf", "patient-summary.pdf")]
    first = [nurse.get(url) for url in urls]
    assert [r.headers["X-Document-Cache"] for r in first] == ["miss", "miss"]
    with app.app_context():
        kept = cache.evict(max_age_days=30, max_bytes=10 * 1024 * 1024)
        assert (kept.by_age, kept.by_size, kept.kept) == (0, 0, 2)
        smallest = min(len(r.data) for r in first)
        by_size = cache.evict(max_age_days=30, max_bytes=smallest)  # room for one at most: the older goes
        assert by_size.by_size >= 1 and by_size.kept_bytes <= smallest
        by_age = cache.evict(max_age_days=30, max_bytes=10 * 1024 * 1024, now=utcnow() + timedelta(days=31))
        assert by_age.kept == 0
        db.session.remove()
    again = [nurse.get(url) for url in urls]
    assert [r.headers["X-Document-Cache"] for r in again] == ["miss", "miss"]
    for before, after in zip(first, again, strict=True):
        assert pdf_text(after.data) == pdf_text(before.data)
        assert after.data == before.data  # renders are deterministic (renderer.render_pdf)
    assert [nurse.get(url).headers["X-Document-Cache"] for url in urls] == ["hit", "hit"]


def test_render_evict_command_applies_the_configured_bounds(app, nurse, make_handoff, walter, monkeypatch):
    handoff, _ = make_handoff(patient=walter)
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").status_code == 200
    monkeypatch.setitem(app.config, "HANDOFF_DOCUMENT_CACHE_MAX_MB", 0)
    result = app.test_cli_runner().invoke(args=["render", "evict"])
    assert result.exit_code == 0, result.output
    assert "evicted 1 documents (0 by age, 1 by size); 0 kept, 0 bytes" in result.output


# --- point 2: production renders through the queue, in a real worker process (PostgreSQL) ----------------


@pytest.fixture(scope="module")
def render_worker(database_url, tmp_path_factory):
    """`flask render worker` as production runs it: its own process, two renders at once, its log kept to count
    renders. Jobs are rows, so a job deferred before the worker listens is simply run when it does."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    if not database_url.startswith("postgresql"):
        pytest.skip("the render queue lives in PostgreSQL; the embedded SQLite default renders in-process")
    log_path = tmp_path_factory.mktemp("render-worker") / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url, "HANDOFF_RENDER_BACKEND": "queue", "SECRET_KEY": "test-secret",
           "HANDOFF_AUDIT_SEALER": "0"}
    root = Path(__file__).resolve().parents[1]
    with open(log_path, "wb") as log_file:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "render", "worker",
                                   "--concurrency", "2"], cwd=root, env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield log_path
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert worker.returncode in (0, -signal.SIGTERM), log_path.read_text()


@pytest.fixture
def queued(app, render_worker, monkeypatch):
    """The app renders through the queue; the queue starts empty; returns a counter of the worker's renders."""
    from sqlalchemy import text

    from handoff.documents import queue

    monkeypatch.setitem(app.config, "HANDOFF_RENDER_BACKEND", "queue")
    with app.app_context():
        db.session.execute(text("TRUNCATE procrastinate.procrastinate_jobs RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()

    def renders(marker: str = "rendered ") -> int:
        return render_worker.read_text().count(marker)

    yield renders
    queue.close_web_clients()


def active_jobs(app) -> list[tuple]:
    from sqlalchemy import text

    with app.app_context():
        rows = db.session.execute(text("SELECT status, lock FROM procrastinate.procrastinate_jobs "
                                       "WHERE task_name = 'handoff.render_document' ORDER BY id")).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_a_queued_render_runs_in_the_worker_process_and_is_cached(app, nurse, make_handoff, walter, queued):
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    before, pool_before = queued(), renders_started(app)
    first = nurse.get(url)
    assert first.status_code == 200 and first.headers["X-Document-Cache"] == "miss"
    assert "Okafor" in pdf_text(first.data)
    assert queued() - before == 1 and renders_started(app) == pool_before  # the worker rendered it, not this process
    second = nurse.get(url)
    assert second.headers["X-Document-Cache"] == "hit" and second.data == first.data


def test_signing_queues_both_documents_and_the_first_requests_are_cache_hits(app, nurse, make_handoff, walter,
                                                                              queued, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_PRERENDER", True)
    handoff, etag = make_handoff(patient=walter)
    before = queued()
    finalize(nurse, handoff["id"], etag)
    base = f"/api/v1/handoffs/{handoff['id']}/documents"
    answers = [nurse.get(f"{base}/patient-summary.pdf"), nurse.get(f"{base}/clinician.pdf")]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.headers["X-Document-Cache"] for a in answers] == ["hit", "hit"]
    assert queued() - before == 2
    assert queued("rendered patient-summary en") >= 1


def test_two_requests_for_one_queued_document_cause_one_render(app, make_app, database_url, nurse, make_handoff,
                                                              walter, queued, hold):
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/patient-summary.pdf"
    before = queued()
    waiting = rendering.waiting().count
    first = InThread(lambda: nurse.get(url))
    hold.reached()  # the worker is rendering it
    second = InThread(lambda: nurse.get(url))
    assert rendering.waiting().wait_for(waiting + 2, AWAIT)  # both wait for the one job
    assert [status for status, _ in active_jobs(app)] == ["doing"]
    with strict_app(make_app, database_url) as other:  # meanwhile nothing is locked: an audited read answers
        read = other.test_client().get(f"/api/v1/patients/{walter['id']}",
                                       headers={"Authorization": f"Bearer {nurse.token}"})
        assert read.status_code == 200
    hold.release()
    answers = [first.result(), second.result()]
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(a.headers["X-Document-Cache"] for a in answers) == ["hit", "miss"]
    assert answers[0].data == answers[1].data
    assert queued() - before == 1


def test_a_queued_render_past_its_time_limit_answers_503_and_the_next_works(app, nurse, make_handoff, walter,
                                                                             queued, hold, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_TIMEOUT_SECONDS", 1)
    handoff, _ = make_handoff(patient=walter)
    url = f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf"
    stopped = nurse.get(url)  # the worker's render process is held, then killed at the limit
    assert stopped.status_code == 503 and stopped.headers["Retry-After"]
    assert "stopped after 1 seconds" in stopped.get_json()["message"]
    assert [status for status, _ in active_jobs(app)] == ["failed"]
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_HOLD", None)
    monkeypatch.setitem(app.config, "HANDOFF_RENDER_TIMEOUT_SECONDS", 20)
    again = nurse.get(url)
    assert again.status_code == 200 and again.data.startswith(b"%PDF")


def test_render_processes_step_back_in_cpu_priority_so_saves_on_the_same_host_run_first(app, nurse, make_handoff,
                                                                                           walter):
    handoff, _ = make_handoff(patient=walter)
    assert nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/clinician.pdf").status_code == 200
    assert pool._POOL.nice == app.config["HANDOFF_RENDER_NICE"] == 10  # the app's pool, at the default
    own = os.nice(0)
    lowered = pool.Pool(1, nice=7)
    try:  # asked inside a render process: its niceness is this process's plus 7
        assert lowered._pool.schedule(os.nice, args=(0,)).result(timeout=AWAIT) == min(19, own + 7)
    finally:
        lowered.stop()
