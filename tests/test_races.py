"""Races answer as the contract says (issue 11, point 2), through the real production server (gunicorn, 2 workers)
on either database: two creates of one MRN at the same moment give 201 and 409 (PostgreSQL gave 201 and 500), and
the same Idempotency-Key and body sent at once with two credentials of one user do the work once and give both
the same answer (they gave 201 and 409)."""

import threading
import uuid

import pytest
import requests

from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow
ROUNDS = 4


def tokens(base: str, username: str, count: int) -> list[dict]:
    headers = []
    for _ in range(count):
        got = requests.post(f"{base}/api/v1/auth/tokens", json={"username": username, "password": PASSWORD},
                            timeout=30)
        assert got.status_code == 201, got.text
        headers.append({"Authorization": f"Bearer {got.json()['token']}"})
    return headers


def at_once(*calls):
    """Run the calls in threads released together; their responses in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_creates_of_one_mrn_at_once_give_201_and_409(gunicorn_server, nurse):
    base, log_path = gunicorn_server
    first, second = tokens(base, nurse.username, 2)
    for round_ in range(ROUNDS):
        body = {"mrn": f"RACE-{round_}", "given_name": "Ana", "family_name": "Ruiz", "birth_date": "1950-01-02"}
        answers = at_once(*(lambda h=h, b=body: requests.post(f"{base}/api/v1/patients", json=b, headers=h,
                                                              timeout=60)
                            for h in (first, second)))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409).json()
        assert refused["errors"] == [{"path": "mrn", "message": "Already in use."}]
        found = requests.get(f"{base}/api/v1/patients?q=RACE-{round_}", headers=first, timeout=30).json()
        assert len(found) == 1
    assert "Traceback" not in log_path.read_text()


def test_one_idempotency_key_sent_at_once_by_two_credentials_does_the_work_once(gunicorn_server, nurse):
    base, log_path = gunicorn_server
    first, second = tokens(base, nurse.username, 2)
    for round_ in range(ROUNDS):
        key = str(uuid.uuid4())
        body = {"mrn": f"IDEM-{round_}", "given_name": "Ana", "family_name": "Ruiz", "birth_date": "1950-01-02"}
        answers = at_once(*(lambda h=h, b=body, k=key: requests.post(f"{base}/api/v1/patients", json=b,
                                                                     headers={**h, "Idempotency-Key": k}, timeout=60)
                            for h in (first, second)))
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json()["id"] == answers[1].json()["id"]
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
        found = requests.get(f"{base}/api/v1/patients?q=IDEM-{round_}", headers=first, timeout=30).json()
        assert len(found) == 1
    assert "Traceback" not in log_path.read_text()
