"""No patient data in the render worker's log (issue 11, point 3): procrastinate logs every job it starts and
ends with its arguments, and a render job's argument is the document's HTML (names, MRN, birth date, doses).
A real `flask render worker` renders a patient's PDFs from the queue; its log names the jobs and holds none of
the patient's identifiers."""

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import text

from handoff.extensions import db
from tests.servers import ROOT

pytestmark = pytest.mark.slow

MRN = "LOGMRN-73310"
GIVEN = "Ottoline"
FAMILY = "Vasquez-Brightwater"
BORN = "1941-06-19"


@pytest.fixture
def worker_log(app, database_url, tmp_path, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("the render queue lives in PostgreSQL; the embedded SQLite default renders in-process")
    from handoff.documents import queue

    monkeypatch.setitem(app.config, "HANDOFF_RENDER_BACKEND", "queue")
    with app.app_context():
        db.session.execute(text("TRUNCATE procrastinate.procrastinate_jobs RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url, "HANDOFF_RENDER_BACKEND": "queue", "SECRET_KEY": "test-secret",
           "HANDOFF_AUDIT_SEALER": "0"}
    with log_path.open("wb") as log_file:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "render", "worker",
                                   "--concurrency", "1"], cwd=ROOT, env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop() -> str:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # lets the render under way finish and log its end
            worker.wait(60)
        return log_path.read_text()

    try:
        yield stop
    finally:
        stop()
        queue.close_web_clients()


def test_the_render_workers_log_names_its_jobs_and_no_patient(worker_log, nurse, make_handoff, make_patient):
    patient = make_patient(mrn=MRN, given_name=GIVEN, family_name=FAMILY, birth_date=BORN)
    handoff, _ = make_handoff(patient=patient)
    for document in ("clinician.pdf", "patient-summary.pdf"):
        got = nurse.get(f"/api/v1/handoffs/{handoff['id']}/documents/{document}")
        assert got.status_code == 200 and got.headers["X-Document-Cache"] == "miss"  # rendered by the worker
    log = worker_log()
    assert log.count("Starting job handoff.render_document[") == 2, log  # the jobs are named ...
    assert "handoff.render_document[1](…)" in log
    for word in (MRN, GIVEN, FAMILY, BORN):  # ... and their arguments, the documents' HTML, are not
        assert word not in log, f"{word!r} in the render worker's log:\n{log}"
