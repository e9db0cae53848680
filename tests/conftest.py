"""Shared fixtures: one app per test session, a clean database per test, API clients per role.

The suite runs on SQLite by default and on PostgreSQL when HANDOFF_TEST_DATABASE_URL is set
(`./dev test` does both). The schema is built by running the real migrations.
"""

import copy
import itertools
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from handoff import create_app
from handoff.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"


def load_scenario(name: str) -> dict:
    return json.loads((FIXTURES / "scenarios" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("HANDOFF_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'handoff-test.db'}"


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Another app on the same database (a second worker, or the app after a restart).

    Its engine is disposed after the test, so no connection is left for the garbage collector."""
    made = []

    def make(**overrides):
        other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url, **overrides})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(app):
    """Empty every table and put back what a fresh migration leaves (built-ins, chain head).

    On PostgreSQL the live server of the browser tests may still be finishing a request of the
    test before (a tablet's last background sync): TRUNCATE can then deadlock with it, and
    PostgreSQL aborts this side. That is the documented answer to a deadlock: try again.
    """
    from sqlalchemy.exc import OperationalError

    from handoff.audit.service import ensure_chain_head
    from handoff.checklists.service import seed_builtin
    from handoff.translation_memory.service import seed_library

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        for attempt in range(1, 6):
            try:
                if db.engine.dialect.name == "postgresql":
                    db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                else:
                    for table in tables:
                        db.session.execute(text(f"DELETE FROM {table}"))
                seed_builtin(db.session)
                seed_library()
                ensure_chain_head()
                db.session.commit()
                break
            except OperationalError as error:
                db.session.rollback()
                if "deadlock" not in str(error).lower() or attempt == 5:
                    raise
        db.session.remove()
    yield


class ApiClient:
    """A Flask test client signed in with a bearer token, speaking JSON."""

    def __init__(self, client, token: str | None, username: str, role: str):
        self.client = client
        self.token = token
        self.username = username
        self.role = role

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def put(self, path, json=None, headers=None, **kwargs):
        return self.client.put(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a user through the service and return an ApiClient signed in as them."""
    from handoff.auth.service import create_user
    from handoff.domain import Actor

    counter = itertools.count(1)

    def make(role: str = "nurse", username: str | None = None) -> ApiClient:
        username = username or f"{role}{next(counter)}"
        with app.app_context():
            create_user(Actor.system("test"), username, PASSWORD, role)
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        response = client.post("/api/v1/auth/tokens", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        return ApiClient(client, response.get_json()["token"], username, role)

    return make


@pytest.fixture
def nurse(make_user) -> ApiClient:
    return make_user("nurse", "nurse")


@pytest.fixture
def physician(make_user) -> ApiClient:
    return make_user("physician", "physician")


@pytest.fixture
def admin(make_user) -> ApiClient:
    return make_user("admin", "admin")


@pytest.fixture
def discharge_scenario() -> dict:
    return load_scenario("discharge-heart-failure")


@pytest.fixture
def ipass_scenario() -> dict:
    return load_scenario("ipass-sepsis-watcher")


@pytest.fixture
def make_patient(nurse):
    counter = itertools.count(1)

    def make(**overrides) -> dict:
        number = next(counter)
        body = {"mrn": f"TEST-{number:06d}", "given_name": "Rosa", "family_name": f"Tester{number}",
                "birth_date": "1950-05-17", "preferred_language": "en", **overrides}
        response = nurse.post("/api/v1/patients", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def make_handoff(nurse, make_patient, discharge_scenario):
    """Start a handoff (discharge scenario data by default); returns (body, etag)."""

    def make(data=None, checklist: str = "discharge", patient: dict | None = None, as_user=None):
        patient = patient or make_patient()
        payload = copy.deepcopy(discharge_scenario["data"] if data is None else data)
        response = (as_user or nurse).post(
            "/api/v1/handoffs", json={"patient_id": patient["id"], "checklist": checklist, "data": payload}
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json(), response.headers["ETag"]

    return make


@pytest.fixture
def gunicorn_server(database_url, tmp_path):
    """A fresh production server (gunicorn, 2 workers) for this test: (base URL, path of its log)."""
    from tests.servers import gunicorn

    log_path = tmp_path / "gunicorn.log"
    with gunicorn(database_url, log_path) as base:
        yield base, log_path


# --- the tablet app in Chromium (tests/pwa.py has the steps; these start the parts lazily) --------


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    from tests.servers import gunicorn

    log_path = tmp_path_factory.mktemp("pwa") / "gunicorn.log"
    with gunicorn(database_url, log_path) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        from tests.pwa import CHROMIUM, CHROMIUM_ARGS

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser, live_server):
    """A fresh browser profile the size of a landscape tablet; returns a function making pages."""
    from tests.pwa import TIMEOUT_MS

    contexts = []

    def open_tablet(**options):
        context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server, **options)

        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context, context.new_page()

    yield open_tablet
    for context in contexts:
        context.close()
