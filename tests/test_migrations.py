"""Migrations: `db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from handoff.checklists.models import ChecklistVersion
from handoff.extensions import db


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
