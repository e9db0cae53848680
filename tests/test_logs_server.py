"""No patient data in logs (issue 11, point 3), read from the real production server's log files.

A gunicorn with an access log and an error log serves an app with two test-only routes that fail the
way a bug would: a row the database refuses (a constraint error carrying the patient's MRN, names and
birth date, at flush: a 500; at commit: a 409) and an exception whose message quotes an MRN. The run
also searches by name, opens a take-home link in both forms and tries a wrong one. Then the logs are
read: they hold the tracebacks and the requests, and no MRN, name, birth date or share token.
"""

import os
import subprocess
import sys
import time
from datetime import date

import pytest
import requests
from flask import request

from handoff import create_app
from handoff.extensions import db
from handoff.patients.models import Patient
from tests.conftest import PASSWORD
from tests.servers import ROOT, free_port

pytestmark = pytest.mark.slow

MRN = "LOGMRN-48213"
GIVEN = "Zephyrine"
FAMILY = "Quillfeather"
BORN = "1937-11-23"
FORBIDDEN_WORDS = (MRN, GIVEN, FAMILY, BORN, "11/23/1937", "23/11/1937")


def faulty_app():
    """The production app plus routes that fail with patient data (loaded by gunicorn as `module:faulty_app()`)."""
    app = create_app()

    def patient_row(body) -> Patient:
        # The MRN in use: a unique violation (PostgreSQL's DETAIL names the key's value). No given name: a NOT
        # NULL violation (PostgreSQL's DETAIL lists the whole row).
        return Patient(mrn=body["mrn"], given_name=body["given_name"], family_name=body["family_name"],
                       birth_date=date.fromisoformat(body["birth_date"]))

    def refused_at_flush():
        db.session.add(patient_row(request.get_json()))
        db.session.flush()  # raises inside the view: the app's 500 handler logs the traceback
        return "", 204

    def refused_at_commit():
        db.session.add(patient_row(request.get_json()))
        return "", 204  # the request's commit fails: 409, logged with its traceback at info

    def value_error():
        raise ValueError(f"no patient with MRN {request.args['mrn']!r}")

    app.add_url_rule("/test-only/flush", view_func=refused_at_flush, methods=["POST"])
    app.add_url_rule("/test-only/commit", view_func=refused_at_commit, methods=["POST"])
    app.add_url_rule("/test-only/raise", view_func=value_error)
    return app


@pytest.fixture
def logged_server(database_url, tmp_path):
    """gunicorn (2 workers) serving `faulty_app` with an access log, an error log and captured output."""
    port = free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("access", "error", "output")}
    # Served over plain http, so cookies are not Secure-only (requests would not send them back): the subject
    # here is what the logs hold, not the cookie's flags (tests/test_sessions.py covers those).
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test-server", "PYTHONWARNINGS": "",
           "HANDOFF_PUBLIC_URL": f"http://127.0.0.1:{port}", "HANDOFF_COOKIE_SECURE": "0"}
    with logs["output"].open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "--access-logfile", str(logs["access"]), "--error-logfile", str(logs["error"]),
             "tests.test_logs_server:faulty_app()"],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def stop() -> None:
        # A graceful stop: every worker finishes its request and writes its access line first.
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None and time.monotonic() < deadline, logs["output"].read_text()
            time.sleep(0.2)
        yield base, logs, stop
    finally:
        stop()


def test_logs_of_errors_searches_and_share_links_hold_no_patient_data(logged_server, nurse, make_handoff,
                                                                        make_patient):
    base, logs, stop = logged_server
    patient = make_patient(mrn=MRN, given_name=GIVEN, family_name=FAMILY, birth_date=BORN)
    handoff, etag = make_handoff(patient=patient)
    assert nurse.post(f"/api/v1/handoffs/{handoff['id']}/finalize", headers={"If-Match": etag}).status_code == 200
    tokens = [nurse.post(f"/api/v1/handoffs/{handoff['id']}/share", json={}).get_json()["url"].rsplit("#", 1)[1]
              for _ in range(2)]
    bearer = requests.post(f"{base}/api/v1/auth/tokens", json={"username": nurse.username, "password": PASSWORD},
                           timeout=30).json()["token"]
    staff = {"Authorization": f"Bearer {bearer}"}
    same_row = {"mrn": MRN, "given_name": GIVEN, "family_name": FAMILY, "birth_date": BORN}

    assert requests.post(f"{base}/test-only/flush", json=same_row, timeout=30).status_code == 500
    no_given_name = {**same_row, "mrn": f"{MRN}-B", "given_name": None}
    assert requests.post(f"{base}/test-only/flush", json=no_given_name, timeout=30).status_code == 500
    assert requests.post(f"{base}/test-only/commit", json=same_row, timeout=30).status_code == 409
    assert requests.get(f"{base}/test-only/raise", params={"mrn": MRN}, timeout=30).status_code == 500
    assert requests.post(f"{base}/api/v1/patients", json={**same_row, "preferred_language": "en"}, headers=staff,
                         timeout=30).status_code == 409
    for q in (FAMILY, MRN, BORN):
        assert requests.get(f"{base}/api/v1/patients", params={"q": q}, headers=staff, timeout=30).ok
    # The old form of the link (still honoured), its PDF form unfollowed, the page form, a wrong token.
    old = requests.get(f"{base}/p/{tokens[0]}", timeout=60)
    assert old.status_code == 200 and GIVEN in old.text
    assert requests.get(f"{base}/p/{tokens[0]}.pdf", allow_redirects=False, timeout=30).status_code == 303
    browser = requests.Session()
    assert browser.get(f"{base}/p/", timeout=30).status_code == 200
    opened = browser.post(f"{base}/p/open", data={"token": tokens[1]}, timeout=60)
    assert opened.status_code == 200 and GIVEN in opened.text
    assert requests.get(f"{base}/p/{tokens[1][::-1]}", timeout=30).status_code == 404

    stop()
    access, error, output = (logs[name].read_text() for name in ("access", "error", "output"))
    # The logs are there and say what happened, so finding nothing below means something.
    assert "GET /p/[token] " in access and "POST /p/open " in access and "q=[hidden]" in access
    assert error.count("Traceback (most recent call last)") >= 4, error + output
    assert "IntegrityError" in error and "ValueError: no patient with MRN '…'" in error
    assert "patients" in error  # the table the database refused is named
    for text, name in ((access, "access"), (error, "error"), (output, "output")):
        for word in (*FORBIDDEN_WORDS, *tokens):
            assert word not in text, f"{word!r} in the {name} log:\n{text}"
