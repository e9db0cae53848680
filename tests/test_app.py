"""The app around the API: shell, health check, headers, error pages, settings."""

import pytest

from handoff import create_app


def test_shell_loads_without_login_and_links_manifest_and_service_worker(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'rel="manifest"' in html and "/sw.js" in html
    with client.get("/manifest.webmanifest") as response:
        manifest = response.get_json(force=True)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    with client.get("/sw.js") as response:
        assert response.headers["Cache-Control"] == "no-cache"


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_down(make_app):
    broken = make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"


def test_pages_keep_html_errors_and_the_api_answers_json(client, nurse):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = nurse.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["code"] == 404


def test_hardening_headers_and_no_caching_of_patient_data(client, nurse, make_patient):
    shell = client.get("/")
    csp = shell.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert shell.headers["X-Content-Type-Options"] == "nosniff"
    assert shell.headers["X-Frame-Options"] == "DENY"
    patient = make_patient()
    assert nurse.get(f"/api/v1/patients/{patient['id']}").headers["Cache-Control"] == "no-store"


def test_bad_json_is_a_clear_4xx(nurse):
    response = nurse.post("/api/v1/patients", data="{not json", headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.get_json()["message"]


def test_serving_without_secret_key_is_refused(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("HANDOFF_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_text_no_database_can_store_is_refused_with_its_path(client, nurse):
    nul = nurse.post("/api/v1/patients", json={"mrn": "A\u0000B", "given_name": "A", "family_name": "B",
                                               "birth_date": "1980-01-01"})
    assert nul.status_code == 422 and nul.get_json()["errors"][0]["path"] == "mrn"
    surrogate = nurse.post("/api/v1/handoffs", data='{"patient_id": 1, "checklist": "discharge", '
                                                     '"data": {"what_matters": "\\ud800"}}',
                           headers={"Content-Type": "application/json"})
    assert surrogate.status_code == 422 and surrogate.get_json()["errors"][0]["path"] == "data.what_matters"
    assert nurse.get("/api/v1/patients?q=%00").status_code == 422
    login = client.post("/api/v1/auth/login", json={"username": "nurse\u0000", "password": "x"})
    assert login.status_code == 422
