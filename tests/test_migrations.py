"""Migrations: `db upgrade` on an empty database gives exactly the models' schema."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from handoff.checklists.models import ChecklistVersion
from handoff.extensions import db


# SQLite's reflection cannot read an index on an expression (the patient search's lower(...) indexes):
# SQLAlchemy and Alembic say so and leave them out of the comparison there; tests/test_query_counts.py
# checks them on SQLite from sqlite_master, and PostgreSQL compares them here.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_matches_the_models(app):
    # The session's database was built by running every migration (see conftest.app).
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_on_an_empty_sqlite_file_seeds_the_builtins(tmp_path):
    from flask_migrate import upgrade

    from handoff import create_app

    fresh = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    with fresh.app_context():
        upgrade()
        keys = db.session.execute(select(ChecklistVersion.key, ChecklistVersion.version)).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted(keys) == [("discharge", 1), ("ipass", 1)]


def test_migrations_import_nothing_of_the_app():
    """A migration runs against the schema of its own day: the live models and services move on."""
    import ast
    from pathlib import Path

    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name for name in imported if name.split(".")[0] == "handoff"}, path.name


def test_upgrade_seeds_exactly_the_shipped_builtins_and_the_chain_head(tmp_path):
    from flask_migrate import upgrade

    from handoff import create_app
    from handoff.audit.models import GENESIS_HASH, AuditChainHead
    from handoff.checklists.builtin import load_builtin_definitions
    from handoff.checklists.service import as_document, find

    fresh = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    with fresh.app_context():
        upgrade()
        stored = [as_document(find(shipped["key"], shipped["version"])) for shipped in load_builtin_definitions()]
        head = db.session.get(AuditChainHead, 1)
        assert (head.last_hash, head.last_event_id) == (GENESIS_HASH, None)
        db.session.remove()
        db.engine.dispose()
    assert stored == load_builtin_definitions()


@pytest.fixture
def scratch_database_url(database_url, tmp_path):
    """An empty database of the suite's kind: a new SQLite file, or a new PostgreSQL database beside the suite's."""
    if not database_url.startswith(("postgresql", "postgres")):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from handoff.config import _normalise_database_url

    url = make_url(_normalise_database_url(database_url))
    name = "handoff_migration_scratch"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    except DBAPIError as error:
        admin.dispose()
        pytest.skip(f"cannot create a scratch PostgreSQL database here: {error.orig}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _old_style_chain(count: int) -> list[dict]:
    """Events as the appender before migration 0008 wrote them: linked in id order under the head lock."""
    import hashlib
    import json
    from datetime import UTC, datetime, timedelta

    events, prev_hash = [], "0" * 64
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for number in range(1, count + 1):
        at = start + timedelta(minutes=number, microseconds=number)
        content = {"prev_hash": prev_hash, "at": at.isoformat().replace("+00:00", "Z"), "user_id": None,
                   "username": "nurse", "action": "patient.read", "record_type": "patient",
                   "record_id": str(number), "patient_id": number, "handoff_id": None, "client_addr": "10.0.0.7",
                   "detail": {"q": "x"} if number % 2 else None}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()).hexdigest()
        events.append({**content, "at": at, "hash": digest})  # ids 1, 2, 3 ... in this order
        prev_hash = digest
    return events


def test_events_chained_before_sealing_stay_verifiable_after_the_upgrade(scratch_database_url):
    from flask_migrate import downgrade, upgrade

    from handoff import create_app
    from handoff.audit import service as audit
    from handoff.audit.models import AuditChainHead, AuditEvent
    from handoff.domain import Actor

    old = _old_style_chain(4)
    fresh = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": scratch_database_url})
    with fresh.app_context():
        upgrade(revision="0007_patient_unit_bed")
        types = {"at": sa.DateTime(timezone=True), "detail": sa.JSON()}
        old_events = sa.table("audit_events", *(sa.column(name, types.get(name)) for name in old[0]))
        db.session.execute(old_events.insert(), old)
        db.session.execute(text("UPDATE audit_chain_head SET last_hash = :h, last_event_id = 4"),
                           {"h": old[-1]["hash"]})
        db.session.commit()

        upgrade()
        assert db.session.scalars(select(AuditEvent.sequence).order_by(AuditEvent.id)).all() == [1, 2, 3, 4]
        assert [e.hash for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == \
            [e["hash"] for e in old]
        assert db.session.get(AuditChainHead, 1).last_sequence == 4
        report = audit.verify_chain()
        assert report.ok and report.checked == 4, report
        db.session.rollback()  # end the read: the sealer and the migrations use connections of their own

        audit.record(Actor.system("test"), "patient.read", "patient", 5, patient_id=5)
        db.session.commit()
        with pytest.raises(SystemExit):  # Flask-Migrate's answer to the migration's refusal
            downgrade(revision="0007_patient_unit_bed")
        assert audit.seal().sealed == 1
        report = audit.verify_chain()
        assert report.ok and report.checked == 5 and audit.head()["sequence"] == 5
        db.session.rollback()
        downgrade(revision="0007_patient_unit_bed")
        db.session.remove()
        db.engine.dispose()
