"""Benchmark: what the document cache saves. Renders the clinician PDF and the patient summary PDF
of the shared heart-failure scenario cold (new revision each time) and warm (cached), and prints
the ratio, measured in the same run. Run: .venv/bin/python tests/benchmarks/bench_documents.py
"""

import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade  # noqa: E402

from handoff import create_app  # noqa: E402
from handoff.auth.service import create_user  # noqa: E402
from handoff.domain import Actor  # noqa: E402
from handoff.extensions import db  # noqa: E402
from tests.conftest import load_scenario  # noqa: E402

ROUNDS = 8


def main() -> None:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='handoff-bench-')}/docs.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        create_user(Actor.system("bench"), "bench", "benchmark-password", "nurse")
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/tokens", json={"username": "bench", "password": "benchmark-password"})
    auth = {"Authorization": f"Bearer {token.get_json()['token']}"}
    scenario = load_scenario("discharge-heart-failure")
    patient = client.post("/api/v1/patients", json=scenario["patient"], headers=auth).get_json()
    created = client.post(
        "/api/v1/handoffs",
        headers=auth,
        json={"patient_id": patient["id"], "checklist": "discharge", "data": scenario["data"]},
    )
    handoff_id, etag = created.get_json()["id"], created.headers["ETag"]
    print(f"median of {ROUNDS}; cold = a new revision each time (rendered), warm = the same revision again (cache)")
    for kind in ("clinician.pdf", "patient-summary.pdf"):
        cold, warm = [], []
        for round_number in range(ROUNDS):
            data = copy.deepcopy(scenario["data"])
            data["what_matters"] = f"{scenario['data']['what_matters']} ({round_number})"
            saved = client.put(
                f"/api/v1/handoffs/{handoff_id}", json={"data": data}, headers={**auth, "If-Match": etag}
            )
            etag = saved.headers["ETag"]
            path = f"/api/v1/handoffs/{handoff_id}/documents/{kind}"
            for samples, expected in ((cold, "miss"), (warm, "hit")):
                start = time.perf_counter()
                response = client.get(path, headers=auth)
                samples.append(time.perf_counter() - start)
                assert response.headers["X-Document-Cache"] == expected
        cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm) * 1000
        print(f"{kind:<22} cold {cold_ms:7.1f} ms   warm {warm_ms:6.1f} ms   cold/warm {cold_ms / warm_ms:5.1f}x")


if __name__ == "__main__":
    main()
