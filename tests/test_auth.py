"""Sign-in, sessions with CSRF, bearer tokens, idle timeout and roles (contract 3.2)."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from handoff.auth.models import Credential
from handoff.common import utcnow
from handoff.extensions import db
from tests.conftest import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_sets_httponly_cookie_and_returns_csrf_token(client, nurse):
    response = login(client, "nurse")
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "nurse" and body["user"]["role"] == "nurse"
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "handoff_session=" in cookie
    assert client.get("/api/v1/auth/me").get_json()["username"] == "nurse"


def test_unsafe_cookie_request_without_csrf_header_is_403(client, nurse):
    csrf = login(client, "nurse").get_json()["csrf_token"]
    patient = {"mrn": "C-1", "given_name": "A", "family_name": "B", "birth_date": "1980-01-01"}
    assert client.post("/api/v1/patients", json=patient).status_code == 403
    assert client.post("/api/v1/patients", json=patient, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.post("/api/v1/patients", json=patient, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_wrong_password_and_unknown_user_get_the_same_401(client, nurse):
    wrong = login(client, "nurse", "not the password")
    unknown = login(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    token_wrong = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": "x"})
    token_unknown = client.post("/api/v1/auth/tokens", json={"username": "ghost", "password": "x"})
    assert token_wrong.status_code == token_unknown.status_code == 401
    assert token_wrong.get_json() == token_unknown.get_json()


@pytest.mark.parametrize("path", ["/api/v1/patients", "/api/v1/handoffs", "/api/v1/checklists",
                                  "/api/v1/checklists/discharge", "/api/v1/audit", "/api/v1/patients/1",
                                  "/api/v1/handoffs/1/revisions", "/api/v1/auth/me", "/api/v1/no-such-route"])
def test_api_routes_answer_401_without_credentials(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["message"]


def test_openapi_document_needs_no_credentials(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_bearer_token_works_without_csrf_and_can_be_revoked(client, nurse):
    response = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()
    assert token["expires_at"]
    headers = {"Authorization": f"Bearer {token['token']}"}
    patient = {"mrn": "T-1", "given_name": "A", "family_name": "B", "birth_date": "1980-01-01"}
    assert client.post("/api/v1/patients", json=patient, headers=headers).status_code == 201
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/patients", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_hashes(app, client, nurse):
    secret = client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": PASSWORD}).get_json()["token"]
    with app.app_context():
        stored = [c.secret_hash for c in db.session.scalars(db.select(Credential))]
    assert secret not in stored and all(len(h) == 64 for h in stored)


def test_logout_ends_the_session_everywhere(client, nurse):
    csrf = login(client, "nurse").get_json()["csrf_token"]
    cookie = client.get_cookie("handoff_session").value
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.set_cookie("handoff_session", cookie)  # a copied cookie must not work either
    assert client.get("/api/v1/auth/me").status_code == 401


def test_idle_session_expires(app, client, nurse):
    login(client, "nurse")
    with app.app_context():
        idle = timedelta(minutes=app.config["HANDOFF_SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(update(Credential).values(last_used_at=utcnow() - idle))
        db.session.commit()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_wrong_role_is_403(nurse, admin, discharge_scenario):
    definition = nurse.get("/api/v1/checklists/discharge").get_json()
    assert nurse.post("/api/v1/checklists", json=definition).status_code == 403
    assert nurse.get("/api/v1/audit").status_code == 403
    assert admin.get("/api/v1/patients").status_code == 403
    assert nurse.get("/api/v1/users").status_code == 403


def test_every_api_view_declares_its_roles(app):
    """Roles are checked on every route: each /api/v1 view is marked by @requires or @public."""
    unmarked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            target = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
            if not getattr(target, "allowed_roles", None):
                unmarked.append(f"{method} {rule.rule}")
    assert unmarked == []


def test_session_endpoint_lets_a_reloaded_app_recover_its_csrf_token(client, nurse):
    csrf = login(client, "nurse").get_json()["csrf_token"]
    session = client.get("/api/v1/auth/session").get_json()
    assert session["csrf_token"] == csrf and session["user"]["username"] == "nurse"
    assert session["idle_timeout_minutes"] == 15


def test_password_guessing_slows_the_guessing_address_not_the_named_user(app, client, nurse, monkeypatch):
    """Twenty wrong passwords from anyone used to lock the nurse out everywhere (issue 11, point 4)."""
    from handoff import ratelimit

    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000)  # the delay is read, never slept
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(20):
        assert login(attacker, "nurse", "guess").status_code in {401, 429}
    limited = login(attacker, "nurse")
    assert limited.status_code == 429  # even the right password, while this address waits
    assert int(limited.headers["Retry-After"]) >= 1
    assert login(client, "nurse").status_code == 200  # her own workstation is not affected
    assert login(attacker, "someone-else", "guess").status_code == 401  # other names are not affected


def test_admins_manage_users_through_the_api(client, admin, nurse):
    created = admin.post("/api/v1/users", json={"username": "rn.lee", "password": "long-enough-pw", "role": "nurse"})
    assert created.status_code == 201 and "password" not in created.get_json()
    assert "rn.lee" in [u["username"] for u in admin.get("/api/v1/users").get_json()]
    again = admin.post("/api/v1/users", json={"username": "rn.lee", "password": "long-enough-pw", "role": "admin"})
    assert again.status_code == 409
    assert admin.post("/api/v1/users", json={"username": "x", "password": "short", "role": "nurse"}).status_code == 422
    assert login(client, "rn.lee", "long-enough-pw").status_code == 200
