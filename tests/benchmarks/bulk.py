"""Bulk loading for benchmarks: handoffs (one revision each) and patients inserted directly in batches.

The API would take minutes for 100,000 handoffs (every save is validated, hashed and audited); the list
and search figures only need the rows to exist, as they would after months of use. Runs inside an app
context of the benchmark's own app, on the database the server under test uses.
"""

from datetime import timedelta

from sqlalchemy import insert, select, text

from handoff.common import utcnow
from handoff.extensions import db
from handoff.handoffs.models import Handoff, Revision
from handoff.patients.models import Patient

BATCH = 5000
# A revision as a list row needs it: small, valid data (the list shows no data, but the handoff view reads it).
DATA = {"encounter": {"unit": "5 North"}, "what_matters": "Home by Friday"}
FAMILY_NAMES = ("Okafor", "Marquez", "Nguyen", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Oyelaran")


def add_patients(count: int, prefix: str = "B") -> list[int]:
    """`count` patients (MRNs `{prefix}-00000` ...), returned as ids in insertion order."""
    birth = utcnow().date().replace(year=1950)
    for start in range(0, count, BATCH):
        db.session.execute(
            insert(Patient),
            [
                {
                    "mrn": f"{prefix}-{i:06d}",
                    "given_name": "Walter",
                    "family_name": FAMILY_NAMES[i % len(FAMILY_NAMES)],
                    "birth_date": birth,
                    "preferred_language": "en",
                    "created_at": utcnow(),
                }
                for i in range(start, min(count, start + BATCH))
            ],
        )
    db.session.commit()
    return list(db.session.scalars(select(Patient.id).where(Patient.mrn.like(f"{prefix}-%")).order_by(Patient.id)))


def grow_to(count: int, patients: list[int], user_id: int) -> None:
    """Insert handoffs (one revision each) directly, in batches, until the table holds `count`."""
    have = db.session.scalar(text("SELECT count(*) FROM handoffs"))
    now = utcnow()
    while have < count:
        size = min(BATCH, count - have)
        rows = []
        for i in range(have, have + size):
            at = now - timedelta(minutes=count - i)
            rows.append(
                {
                    "patient_id": patients[i % len(patients)],
                    "checklist_key": ("discharge", "ipass")[i % 2],
                    "checklist_version": 1,
                    "status": ("draft", "final")[i % 3 == 0],
                    "current_revision": 1,
                    "created_at": at,
                    "created_by_id": user_id,
                    "updated_at": at,
                    "updated_by_id": user_id,
                }
            )
        db.session.execute(insert(Handoff), rows)
        ids = db.session.scalars(text("SELECT id FROM handoffs ORDER BY id DESC LIMIT :n").bindparams(n=size)).all()
        db.session.execute(
            insert(Revision),
            [
                {
                    "handoff_id": h,
                    "number": 1,
                    "data": DATA,
                    "content_hash": "0" * 64,
                    "author_id": user_id,
                    "created_at": now,
                }
                for h in ids
            ],
        )
        db.session.commit()
        have += size
    analyze()


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would keep them."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
