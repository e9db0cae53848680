"""Sessions (issue 11, point 5): an absolute lifetime besides the idle one, a new sign-in ends the
session it replaces, admins list and end a user's sessions and tokens and disable users, cookies
are Secure outside development, HSTS over HTTPS, and no session secret is stored in clear."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from handoff import config as config_module
from handoff.audit.models import AuditEvent
from handoff.auth.models import Credential
from handoff.common import utcnow
from handoff.extensions import db
from tests.conftest import PASSWORD
from tests.test_migrations import scratch_database_url  # noqa: F401 (a fixture: an empty database)


def login(client, username, password=PASSWORD, **kwargs):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}, **kwargs)


def token_for(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password})


def events(app, action):
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        db.session.remove()
    return found


def age_credentials(app, **moved_back):
    """Move every credential's times back, as if that much time had passed."""
    with app.app_context():
        for credential in db.session.scalars(select(Credential)):
            for column, by in moved_back.items():
                setattr(credential, column, getattr(credential, column) - by)
        db.session.commit()
        db.session.remove()


# --- lifetimes ---------------------------------------------------------------------------------------


def test_a_busy_session_ends_at_its_absolute_lifetime(app, client, nurse):
    answer = login(client, "nurse").get_json()
    hours = app.config["HANDOFF_SESSION_MAX_HOURS"]
    assert hours == 12
    assert (as_utc_text(answer["expires_at"]) - utcnow()).total_seconds() == pytest.approx(hours * 3600, abs=60)
    # Used a minute ago (never idle), signed in 12 hours less a minute ago: still works.
    age_credentials(app, created_at=timedelta(hours=hours) - timedelta(minutes=1),
                    expires_at=timedelta(hours=hours) - timedelta(minutes=1))
    assert client.get("/api/v1/auth/me").status_code == 200
    age_credentials(app, created_at=timedelta(minutes=2), expires_at=timedelta(minutes=2))
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401 and "expired" in response.get_json()["message"]


def as_utc_text(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_lower_lifetime_applies_to_sessions_already_open(make_app, nurse):
    shorter = make_app(HANDOFF_SESSION_MAX_HOURS="1")
    client = shorter.test_client()
    assert login(client, "nurse").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200
    age_credentials(shorter, created_at=timedelta(minutes=61))  # its stored end (12 h) is not what counts
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_idle_limit_still_holds_within_the_lifetime(app, client, nurse):
    login(client, "nurse")
    age_credentials(app, last_used_at=timedelta(minutes=app.config["HANDOFF_SESSION_IDLE_MINUTES"] + 1))
    assert client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("name, value", [
    ("HANDOFF_SESSION_MAX_HOURS", "0"), ("HANDOFF_SESSION_MAX_HOURS", "twelve"), ("HANDOFF_SESSION_MAX_HOURS", "1.5"),
    ("HANDOFF_SESSION_MAX_HOURS", "-3"), ("HANDOFF_SESSION_IDLE_MINUTES", "0"), ("HANDOFF_SESSION_IDLE_MINUTES", ""),
    ("HANDOFF_COOKIE_SECURE", "maybe"), ("HANDOFF_HSTS_SECONDS", "a year"),
])
def test_a_bad_session_setting_stops_start_up_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        config_module.from_environment({"SECRET_KEY": "k"})


def test_session_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("HANDOFF_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("HANDOFF_SESSION_IDLE_MINUTES", "10")
    settings = config_module.from_environment({"SECRET_KEY": "k"})
    assert (settings["HANDOFF_SESSION_MAX_HOURS"], settings["HANDOFF_SESSION_IDLE_MINUTES"]) == (8, 10)


# --- cookies and transport ----------------------------------------------------------------------------


@pytest.mark.parametrize("environment, overrides, secure", [
    ({}, {}, True),  # production: Secure
    ({"HANDOFF_DEV": "1"}, {}, False),  # ./dev serve, over http
    ({"FLASK_DEBUG": "1"}, {}, False),
    ({}, {"TESTING": True}, False),
    ({"HANDOFF_COOKIE_SECURE": "0"}, {}, False),  # an operator's explicit choice wins either way
    ({"HANDOFF_DEV": "1", "HANDOFF_COOKIE_SECURE": "1"}, {}, True),
])
def test_cookies_are_secure_by_default_outside_development(monkeypatch, environment, overrides, secure):
    for name in ("HANDOFF_DEV", "FLASK_DEBUG", "HANDOFF_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert config_module.from_environment({"SECRET_KEY": "k", **overrides})["SESSION_COOKIE_SECURE"] is secure


def test_a_secure_setting_marks_the_session_cookie_secure(make_app, nurse):
    served = make_app(SESSION_COOKIE_SECURE="1")
    response = login(served.test_client(), "nurse")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Set-Cookie" not in login(served.test_client(), "nurse", "wrong").headers  # no session, no cookie


def test_hsts_only_when_the_client_came_over_https(make_app, nurse):
    served = make_app(HANDOFF_TRUSTED_PROXIES="10.0.0.5")
    direct_https = served.test_client().get("/healthz", base_url="https://handoff.example")
    assert direct_https.headers["Strict-Transport-Security"] == f"max-age={365 * 24 * 3600}"
    assert "Strict-Transport-Security" not in served.test_client().get("/healthz").headers

    def through(peer, proto):
        http = served.test_client()
        http.environ_base["REMOTE_ADDR"] = peer
        return http.get("/healthz", headers={"X-Forwarded-Proto": proto}).headers

    assert "Strict-Transport-Security" in through("10.0.0.5", "https")  # the trusted proxy says so
    assert "Strict-Transport-Security" not in through("10.0.0.5", "http")
    assert "Strict-Transport-Security" not in through("203.0.113.7", "https")  # anyone else's header is ignored
    assert "Strict-Transport-Security" not in through("10.0.0.5", "https, http")  # the proxy's own hop is the last
    off = make_app(HANDOFF_HSTS_SECONDS="0").test_client().get("/healthz", base_url="https://handoff.example")
    assert "Strict-Transport-Security" not in off.headers


# --- secrets ------------------------------------------------------------------------------------------


def test_no_session_secret_or_csrf_token_is_stored_in_clear(app, client, nurse):
    answer = login(client, "nurse").get_json()
    secret = client.get_cookie("handoff_session").value
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM credentials")).mappings().all()
        db.session.remove()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert secret not in stored and answer["csrf_token"] not in stored
    assert "csrf_token" not in rows[0]


def test_the_csrf_token_stays_the_same_for_the_session_and_differs_between_sessions(client, nurse, app):
    first = login(client, "nurse").get_json()["csrf_token"]
    assert client.get("/api/v1/auth/session").get_json()["csrf_token"] == first
    other = login(app.test_client(), "nurse").get_json()["csrf_token"]
    assert other != first and len(first) == 64


# --- a new sign-in ends the session it replaces ------------------------------------------------------------


def test_signing_in_again_ends_the_session_it_replaces(app, client, nurse, admin):
    login(client, "nurse")
    old = client.get_cookie("handoff_session").value
    again = login(client, "nurse")
    assert again.status_code == 200
    new = client.get_cookie("handoff_session").value
    assert new != old and client.get("/api/v1/auth/me").status_code == 200
    client.set_cookie("handoff_session", old)
    assert client.get("/api/v1/auth/me").status_code == 401  # the old cookie no longer works
    client.set_cookie("handoff_session", new)
    assert client.get("/api/v1/auth/me").status_code == 200
    first, second = events(app, "auth.login")[-2:]
    assert second.detail["replaced"] == first.detail["credential"] and second.detail["via"] == "password"


def test_a_failed_sign_in_leaves_the_session_it_would_have_replaced(client, nurse):
    login(client, "nurse")
    assert login(client, "nurse", "wrong password").status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 200


def test_another_user_signing_in_on_the_same_browser_ends_the_first_users_session(app, client, nurse, physician):
    login(client, "nurse")
    nurse_cookie = client.get_cookie("handoff_session").value
    login(client, "physician")
    other = app.test_client()
    other.set_cookie("handoff_session", nurse_cookie)
    assert other.get("/api/v1/auth/me").status_code == 401


def test_other_sign_ins_start_the_same_session_through_one_function(app, nurse):
    """What single sign-on will call: a session like a password sign-in's, audited with how it began."""
    from handoff.auth.models import User
    from handoff.auth.service import start_session
    from handoff.domain import Unauthenticated

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "nurse"))
        signed_in = start_session(user, "198.51.100.4", "Tablet", via="oidc")
        secret, csrf = signed_in.secret, signed_in.csrf_token
        db.session.commit()
        user.is_active = False
        with pytest.raises(Unauthenticated):
            start_session(user, "198.51.100.4", via="oidc")
        db.session.rollback()
        db.session.remove()
    browser = app.test_client()
    browser.set_cookie("handoff_session", secret)
    session = browser.get("/api/v1/auth/session").get_json()
    assert session["user"]["username"] == "nurse" and session["csrf_token"] == csrf
    assert events(app, "auth.login")[-1].detail["via"] == "oidc"


# --- admins: users, their sessions and tokens ------------------------------------------------------------


def user_id(admin, username):
    return next(u["id"] for u in admin.get("/api/v1/users").get_json() if u["username"] == username)


def test_an_admin_lists_a_users_sessions_and_tokens_without_their_secrets(app, client, nurse, admin):
    login(client, "nurse", headers={"User-Agent": "WardTablet/1.0"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    secret = client.get_cookie("handoff_session").value
    nurse_id = user_id(admin, "nurse")
    response = admin.get(f"/api/v1/users/{nurse_id}/sessions")
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "2"
    listed = response.get_json()
    assert [c["kind"] for c in listed] == ["session", "bearer"]  # newest first: the fixture's token came first
    session = listed[0]
    assert session["client_addr"] == "10.1.2.3" and session["user_agent"] == "WardTablet/1.0"
    assert set(session) == {"id", "kind", "created_at", "last_used_at", "ends_at", "client_addr", "user_agent",
                            "current"}
    assert not any(c["current"] for c in listed)
    assert secret not in response.get_data(as_text=True) and nurse.token not in response.get_data(as_text=True)
    # A session ends at its idle limit unless used, a token at its expiry.
    assert as_utc_text(session["ends_at"]) <= as_utc_text(session["last_used_at"]) + timedelta(minutes=15)
    own = admin.get(f"/api/v1/users/{user_id(admin, 'admin')}/sessions").get_json()
    assert [c["current"] for c in own] == [True]
    assert admin.get(f"/api/v1/users/{nurse_id}/sessions?per_page=1").headers["Link"]


def test_ended_and_expired_credentials_are_not_listed(app, client, nurse, admin):
    login(client, "nurse")
    nurse_id = user_id(admin, "nurse")
    age_credentials(app, last_used_at=timedelta(minutes=16))  # the session idled out
    assert [c["kind"] for c in admin.get(f"/api/v1/users/{nurse_id}/sessions").get_json()] == ["bearer"]


def test_an_admin_ends_one_session_and_only_that_one(app, client, nurse, admin):
    login(client, "nurse")
    nurse_id = user_id(admin, "nurse")
    session = admin.get(f"/api/v1/users/{nurse_id}/sessions").get_json()[0]
    assert admin.delete(f"/api/v1/users/{nurse_id}/sessions/{session['id']}").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    assert nurse.get("/api/v1/auth/me").status_code == 200  # her integration token still works
    assert admin.delete(f"/api/v1/users/{nurse_id}/sessions/{session['id']}").status_code == 404  # already ended
    admin_id = user_id(admin, "admin")
    token = admin.get(f"/api/v1/users/{nurse_id}/sessions").get_json()[0]
    assert admin.delete(f"/api/v1/users/{admin_id}/sessions/{token['id']}").status_code == 404  # not admin's
    assert admin.delete(f"/api/v1/users/{nurse_id}/sessions/2147483648").status_code == 404
    assert nurse.get("/api/v1/auth/me").status_code == 200
    ended = events(app, "user.session.end")
    assert [(e.username, e.record_id, e.detail["kind"]) for e in ended] == [("admin", str(session["id"]), "session")]


def test_an_admin_ends_every_session_and_token_of_a_user_at_once(app, client, nurse, physician, admin):
    login(client, "nurse")
    nurse_id = user_id(admin, "nurse")
    response = admin.delete(f"/api/v1/users/{nurse_id}/sessions")
    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert client.get("/api/v1/auth/me").status_code == 401 and nurse.get("/api/v1/auth/me").status_code == 401
    assert physician.get("/api/v1/auth/me").status_code == 200
    assert admin.get(f"/api/v1/users/{nurse_id}/sessions").get_json() == []
    assert login(client, "nurse").status_code == 200  # she may sign in again: she is not disabled
    assert events(app, "user.sessions.end")[-1].detail == {"username": "nurse", "ended": 2}


def test_a_disabled_user_loses_every_credential_and_cannot_sign_in_until_enabled(app, client, nurse, admin):
    login(client, "nurse")
    nurse_id = user_id(admin, "nurse")
    response = admin.patch(f"/api/v1/users/{nurse_id}", json={"disabled": True})
    assert response.status_code == 200 and response.get_json()["disabled"] is True
    assert client.get("/api/v1/auth/me").status_code == 401 and nurse.get("/api/v1/auth/me").status_code == 401
    refused, wrong = login(app.test_client(), "nurse"), login(app.test_client(), "nurse", "wrong password")
    assert refused.status_code == wrong.status_code == 401 and refused.get_json() == wrong.get_json()
    assert [e.detail["reason"] for e in events(app, "auth.login.failed")] == ["disabled", "disabled"]  # admins see why
    assert token_for(app.test_client(), "nurse").get_json() == token_for(app.test_client(), "nurse", "x").get_json()
    assert admin.get(f"/api/v1/users/{nurse_id}").get_json()["disabled"] is True
    assert events(app, "user.disable")[-1].detail == {"username": "nurse", "ended": 2}

    enabled = admin.patch(f"/api/v1/users/{nurse_id}", json={"disabled": False})
    assert enabled.status_code == 200 and enabled.get_json()["disabled"] is False
    assert nurse.get("/api/v1/auth/me").status_code == 401  # what ended stays ended
    assert login(app.test_client(), "nurse").status_code == 200
    assert [e.username for e in events(app, "user.enable")] == ["admin"]


def test_disabling_answers_with_paths_and_never_locks_out_the_admin_acting(admin, nurse):
    nurse_id, admin_id = user_id(admin, "nurse"), user_id(admin, "admin")
    own = admin.patch(f"/api/v1/users/{admin_id}", json={"disabled": True})
    assert own.status_code == 409 and own.get_json()["errors"][0]["path"] == "disabled"
    assert admin.get("/api/v1/auth/me").status_code == 200
    for body in ({}, {"disabled": "maybe"}, {"disabled": True, "role": "admin"}):
        bad = admin.patch(f"/api/v1/users/{nurse_id}", json=body)
        assert bad.status_code == 422 and bad.get_json()["errors"], body
    assert admin.patch("/api/v1/users/99999", json={"disabled": True}).status_code == 404
    assert admin.get("/api/v1/users/99999").status_code == 404
    assert admin.get("/api/v1/users/99999/sessions").status_code == 404
    assert admin.delete("/api/v1/users/99999/sessions").status_code == 404


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/users/{id}"), ("patch", "/api/v1/users/{id}"), ("get", "/api/v1/users/{id}/sessions"),
    ("delete", "/api/v1/users/{id}/sessions"), ("delete", "/api/v1/users/{id}/sessions/1"),
])
def test_session_and_user_administration_is_for_admins_only(client, nurse, physician, admin, method, path):
    path = path.format(id=user_id(admin, "nurse"))
    kwargs = {"json": {"disabled": True}} if method == "patch" else {}
    assert getattr(nurse, method)(path, **kwargs).status_code == 403
    assert getattr(physician, method)(path, **kwargs).status_code == 403
    assert getattr(client, method)(path, **kwargs).status_code == 401
    assert nurse.get("/api/v1/auth/me").status_code == 200  # nothing was ended by the refused calls


def test_the_openapi_document_describes_the_administration(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/users/{user_id}"]) >= {"get", "patch"}
    assert set(paths["/api/v1/users/{user_id}/sessions"]) >= {"get", "delete"}
    assert "delete" in paths["/api/v1/users/{user_id}/sessions/{credential_id}"]


def test_the_cli_disables_and_enables_a_user(app, client, nurse):
    runner = app.test_cli_runner()
    login(client, "nurse")
    result = runner.invoke(args=["user", "disable", "nurse"])
    assert result.exit_code == 0, result.output
    assert "disabled user 'nurse'" in result.output
    assert client.get("/api/v1/auth/me").status_code == 401 and nurse.get("/api/v1/auth/me").status_code == 401
    assert login(app.test_client(), "nurse").status_code == 401
    unknown = runner.invoke(args=["user", "disable", "nobody"])
    assert unknown.exit_code != 0 and "no user named 'nobody'" in unknown.output
    assert runner.invoke(args=["user", "enable", "nurse"]).exit_code == 0
    assert login(app.test_client(), "nurse").status_code == 200
    disabled = events(app, "user.disable")[-1]
    assert (disabled.username, disabled.client_addr, disabled.detail["ended"]) == ("(anonymous)", "cli", 2)


def test_a_second_way_of_signing_in_sets_the_same_cookie_and_replaces_the_browsers_session(make_app, nurse):
    """`access.begin_cookie_session` is what a sign-on callback calls once the user is known."""
    from handoff.auth.access import begin_cookie_session
    from handoff.auth.models import User

    served = make_app()

    @served.route("/test-sign-on/callback")
    def callback():
        begin_cookie_session(db.session.scalar(select(User).where(User.username == "nurse")), via="test-sign-on")
        return "signed in"

    browser = served.test_client()
    login(browser, "nurse")
    by_password = browser.get_cookie("handoff_session").value
    response = browser.get("/test-sign-on/callback")
    assert response.status_code == 200 and "HttpOnly" in response.headers["Set-Cookie"]
    assert browser.get_cookie("handoff_session").value != by_password
    session = browser.get("/api/v1/auth/session").get_json()
    assert session["user"]["username"] == "nurse" and session["csrf_token"]
    stale = served.test_client()
    stale.set_cookie("handoff_session", by_password)
    assert stale.get("/api/v1/auth/me").status_code == 401
    assert events(served, "auth.login")[-1].detail["via"] == "test-sign-on"


def test_the_upgrade_ends_open_sessions_and_keeps_bearer_tokens(scratch_database_url):  # noqa: F811
    """Migration 0012: a session's stored CSRF token goes, so sessions open at the upgrade end; tokens stay."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from handoff import create_app

    fresh = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": scratch_database_url})
    with fresh.app_context():
        upgrade(revision="0010_render_queue")
        now = utcnow()
        db.session.execute(text("INSERT INTO users (id, username, password_hash, role, is_active, created_at) "
                                "VALUES (1, 'rn', 'x', 'nurse', :yes, :now)"), {"yes": True, "now": now})
        for number, kind in enumerate(("session", "bearer"), start=1):
            db.session.execute(text("INSERT INTO credentials (id, user_id, kind, secret_hash, csrf_token, created_at, "
                                    "last_used_at) VALUES (:id, 1, :kind, :hash, 'c', :now, :now)"),
                               {"id": number, "kind": kind, "hash": f"{number:064d}", "now": now})
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT kind, revoked_at FROM credentials ORDER BY id")).all()
        db.session.rollback()  # SQLite: one writer, and the inspector's connection begins as one
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("credentials")}
        downgrade(revision="0010_render_queue")
        db.session.remove()
        db.engine.dispose()
    assert [(kind, revoked is not None) for kind, revoked in rows] == [("session", True), ("bearer", False)]
    assert {"client_addr", "user_agent"} <= columns and "csrf_token" not in columns
