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
