"""Benchmark: do handoff lists and patient search stay fast as the database grows to 100,000 handoffs?

Run: .venv/bin/python tests/benchmarks/bench_handoff_list.py [--large 100000]
(SQLite in a temp dir by default; set DATABASE_URL to a disposable PostgreSQL database to
measure that instead: it is emptied first.)

Machines here are shared and noisy, so the figures that matter are ratios measured in the
same run: the same requests at 1,000 and at 100,000 handoffs, and at 100,000 with the
handoff indexes dropped (what the indexes buy). Not collected by pytest on purpose.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text  # noqa: E402

from handoff import create_app  # noqa: E402
from handoff.auth.service import create_user  # noqa: E402
from handoff.common import utcnow  # noqa: E402
from handoff.domain import Actor  # noqa: E402
from handoff.extensions import db  # noqa: E402
from handoff.patients.models import Patient  # noqa: E402
from tests.benchmarks.bulk import grow_to  # noqa: E402

PASSWORD = "benchmark-password"
REPEATS = 15
HANDOFF_INDEXES = [
    "ix_handoffs_patient_updated",
    "ix_handoffs_status_updated",
    "ix_handoffs_checklist_updated",
    "ix_handoffs_updated_at",
]


def timed(client, headers, path: str) -> float:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_data(as_text=True)
    return statistics.median(samples)


def measure(client, headers, patient_id: int) -> dict[str, float]:
    queries = {
        "newest 50 handoffs": "/api/v1/handoffs?per_page=50",
        "one patient's handoffs": f"/api/v1/handoffs?patient_id={patient_id}",
        "final ipass handoffs": "/api/v1/handoffs?status=final&checklist=ipass&per_page=50",
        "page 20 of drafts": "/api/v1/handoffs?status=draft&page=20&per_page=50",
        "patient search": "/api/v1/patients?q=okafor",
    }
    return {name: timed(client, headers, path) for name, path in queries.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="handoff-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        user = create_user(Actor.system("bench"), "bench", PASSWORD, "nurse")
        db.session.add_all(
            Patient(
                mrn=f"B-{i:05d}",
                given_name="Walter",
                family_name=("Okafor", "Marquez")[i % 2],
                birth_date=utcnow().date().replace(year=1950),
            )
            for i in range(2000)
        )
        db.session.commit()
        patients = db.session.scalars(text("SELECT id FROM patients ORDER BY id")).all()
        user_id = user.id
        client = app.test_client()
        token = client.post("/api/v1/auth/tokens", json={"username": "bench", "password": PASSWORD}).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}

        grow_to(args.small, patients, user_id)
        small = measure(client, headers, patients[7])
        grow_to(args.large, patients, user_id)
        large = measure(client, headers, patients[7])
        for index in HANDOFF_INDEXES:
            db.session.execute(text(f"DROP INDEX {index}"))
        db.session.commit()
        unindexed = measure(client, headers, patients[7])

    print(f"database: {url.split(':')[0]}; median of {REPEATS} requests each")
    print(
        f"{'query':<24} {'ms @' + str(args.small):>10} {'ms @' + str(args.large):>11} "
        f"{'growth x':>9} {'no-index x':>11}"
    )
    for name in small:
        print(
            f"{name:<24} {small[name] * 1000:>10.1f} {large[name] * 1000:>11.1f} "
            f"{large[name] / small[name]:>9.2f} {unindexed[name] / large[name]:>11.2f}"
        )
    print(
        f"growth x = time at {args.large:,} / time at {args.small:,} handoffs ({args.large // args.small}x the rows);"
        " no-index x = time without the handoff indexes / time with them, both at the large size"
    )


if __name__ == "__main__":
    main()
