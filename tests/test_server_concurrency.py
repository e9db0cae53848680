"""Real gunicorn, two workers, eight tablets saving at once: no lock errors, nothing lost or doubled.

Runs against the same database as the rest of the suite (SQLite file, or PostgreSQL when
HANDOFF_TEST_DATABASE_URL is set), so both engines are proven.
"""

import copy
import threading
import uuid

import pytest
import requests

WRITERS = 8
SAVES_PER_WRITER = 6


@pytest.mark.slow
def test_eight_concurrent_writers_lose_and_duplicate_nothing(gunicorn_server, nurse, make_handoff,
                                                              discharge_scenario):
    base, log_path = gunicorn_server
    session = requests.Session()
    token = session.post(f"{base}/api/v1/auth/tokens",
                         json={"username": "nurse", "password": "correct horse battery"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    shared, _ = make_handoff()
    own = [make_handoff()[0]["id"] for _ in range(WRITERS)]
    saved: dict[int, list[str]] = {handoff_id: [] for handoff_id in [shared["id"], *own]}
    problems: list[str] = []
    lock = threading.Lock()

    def save(http, handoff_id, marker):
        """One logical save: re-read and retry on 412 until it lands (as the tablet outbox does)."""
        key = str(uuid.uuid4())
        for _ in range(200):
            current = http.get(f"{base}/api/v1/handoffs/{handoff_id}", headers=auth, timeout=60)
            if current.status_code != 200:
                problems.append(f"GET {current.status_code}: {current.text[:200]}")
                return
            data = copy.deepcopy(discharge_scenario["data"])
            data["what_matters"] = marker
            response = http.put(f"{base}/api/v1/handoffs/{handoff_id}", json={"data": data}, timeout=60,
                                headers={**auth, "If-Match": current.headers["ETag"], "Idempotency-Key": key})
            if response.status_code == 200:
                with lock:
                    saved[handoff_id].append(marker)
                return
            if response.status_code != 412:
                problems.append(f"PUT {response.status_code}: {response.text[:200]}")
                return
        problems.append(f"save of {marker} never landed")

    def writer(number):
        http = requests.Session()
        for i in range(SAVES_PER_WRITER):
            save(http, own[number], f"own-{number}-{i}")
            save(http, shared["id"], f"shared-{number}-{i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert problems == []
    log = log_path.read_text()
    assert "database is locked" not in log and "Traceback" not in log
    for handoff_id, markers in saved.items():
        revisions = nurse.get(f"/api/v1/handoffs/{handoff_id}/revisions").get_json()
        assert [r["number"] for r in revisions] == list(range(1, len(markers) + 2))
        stored = [nurse.get(f"/api/v1/handoffs/{handoff_id}/revisions/{r['number']}").get_json()["data"]
                  ["what_matters"] for r in revisions[1:]]
        assert sorted(stored) == sorted(markers)  # every save exactly once
    assert len(saved[shared["id"]]) == WRITERS * SAVES_PER_WRITER
