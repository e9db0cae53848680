"""Hospital single sign-on (DESIGN 3.9, issue 13) against a real OpenID Connect provider.

The provider is the `oidc-provider-mock` package on a loopback port (tests/sso_provider.py); the
app is a Flask test client, the browser's part (the provider's authorization form) is played with
`requests`. Nothing stands in for the provider.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from handoff.audit.models import AuditEvent
from handoff.auth.models import Credential, User
from handoff.extensions import db
from tests.conftest import PASSWORD
from tests.sso_provider import CLIENT_ID, authorize, provider, set_person, split_provider, sso_settings


@pytest.fixture
def issuer():
    with provider() as url:
        yield url


@pytest.fixture
def sso_app(make_app, issuer):
    return make_app(**sso_settings(issuer))


def sign_in(app, issuer, sub, client=None, **claims):
    """The whole round trip: /auth/oidc/login → the provider's form → /auth/oidc/callback."""
    if claims:
        set_person(issuer, sub, **claims)
    client = client or app.test_client()
    start = client.get("/auth/oidc/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = authorize(start.headers["Location"], sub)
    return client, client.get(callback)


def audit_actions(app) -> list[tuple[str, dict | None]]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)).all()
        db.session.remove()
    return [(action, detail) for action, detail in rows]


def count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return n


def test_login_starts_a_code_flow_with_pkce_state_and_nonce_at_the_discovered_endpoint(sso_app, issuer):
    start = sso_app.test_client().get("/auth/oidc/login")
    assert start.status_code == 302
    url = urlsplit(start.headers["Location"])
    discovered = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert f"{url.scheme}://{url.netloc}{url.path}" == discovered["authorization_endpoint"]
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert set(query["scope"].split()) >= {"openid", "profile", "email"}
    assert query["redirect_uri"].endswith("/auth/oidc/callback")


def test_first_sign_in_provisions_the_user_with_the_mapped_role_and_a_password_like_session(sso_app, issuer):
    client, done = sign_in(sso_app, issuer, "00u1nurse", preferred_username="amy.chen", name="Amy Chen",
                           email="amy.chen@hospital.example", roles=["RN", "Everyone"])
    assert done.status_code == 303 and done.headers["Location"] == "/"
    cookie = client.get_cookie("handoff_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"

    session = client.get("/api/v1/auth/session")
    assert session.status_code == 200
    body = session.get_json()
    assert body["user"]["username"] == "amy.chen" and body["user"]["role"] == "nurse"
    assert body["user"]["display_name"] == "Amy Chen" and body["user"]["identity_provider"] == issuer
    assert body["csrf_token"] and body["idle_timeout_minutes"] == 15
    me = client.get("/api/v1/auth/me").get_json()
    assert (me["username"], me["role"]) == ("amy.chen", "nurse")
    # The session is an ordinary one: unsafe requests need its CSRF token.
    assert client.post("/api/v1/patients", json={}).status_code == 403

    actions = audit_actions(sso_app)
    assert ("user.create", {"username": "amy.chen", "role": "nurse", "via": "sso"}) in actions
    assert any(action == "auth.login" and detail["via"] == "sso" for action, detail in actions)


def test_the_users_list_shows_who_came_from_the_identity_provider(sso_app, issuer, admin):
    sign_in(sso_app, issuer, "00u2md", preferred_username="dr.raman", roles="MD")
    users = {user["username"]: user for user in admin.get("/api/v1/users").get_json()}
    assert users["dr.raman"]["identity_provider"] == issuer and users["dr.raman"]["role"] == "physician"
    assert users["admin"]["identity_provider"] is None


def test_a_later_sign_in_updates_the_role_from_the_claim_and_audits_it(sso_app, issuer):
    sign_in(sso_app, issuer, "00u3", preferred_username="kim", roles=["RN"])
    client, done = sign_in(sso_app, issuer, "00u3", preferred_username="kim", roles=["RN", "HandoffAdmin"])
    assert done.status_code == 303
    assert client.get("/api/v1/auth/me").get_json()["role"] == "admin"  # the most rights the claim names
    assert count(sso_app, User) == 1
    assert ("user.update", {"via": "sso", "role": {"from": "nurse", "to": "admin"}}) in audit_actions(sso_app)


def test_the_same_person_is_known_by_subject_not_by_name(sso_app, issuer):
    sign_in(sso_app, issuer, "00u4", preferred_username="pat", roles="RN")
    client, _ = sign_in(sso_app, issuer, "00u4", preferred_username="pat.new", roles="RN")
    assert client.get("/api/v1/auth/me").get_json()["username"] == "pat"
    assert count(sso_app, User) == 1


def test_claims_that_map_to_no_role_get_a_plain_page_and_no_session(sso_app, issuer):
    client, refused = sign_in(sso_app, issuer, "00u5", preferred_username="visitor", roles=["Everyone"])
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    page = refused.get_data(as_text=True)
    assert "You cannot use Handoff yet" in page and "no Handoff role" in page
    assert client.get_cookie("handoff_session") is None
    assert client.get("/api/v1/auth/session").status_code == 401
    assert count(sso_app, User) == 0 and count(sso_app, Credential) == 0
    assert any(action == "auth.sso.refused" and detail["reason"] == "no mapped role"
               for action, detail in audit_actions(sso_app))


def test_a_role_taken_away_at_the_provider_ends_access_without_touching_the_account(sso_app, issuer):
    sign_in(sso_app, issuer, "00u6", preferred_username="lee", roles=["RN"])
    client, refused = sign_in(sso_app, issuer, "00u6", preferred_username="lee", roles=[])
    assert refused.status_code == 403 and client.get("/api/v1/auth/me").status_code == 401


def test_a_replayed_state_is_refused_even_with_a_copy_of_the_first_cookie(sso_app, issuer):
    set_person(issuer, "00u7", preferred_username="sam", roles="RN")
    client = sso_app.test_client()
    start = client.get("/auth/oidc/login")
    flask_cookie = client.get_cookie("handoff_sso").value
    callback = authorize(start.headers["Location"], "00u7")
    assert client.get(callback).status_code == 303
    credentials = count(sso_app, Credential)

    again = client.get(callback)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    attacker = sso_app.test_client()
    attacker.set_cookie("handoff_sso", flask_cookie)  # the cookie as it was before the callback
    replay = attacker.get(callback)
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)
    assert attacker.get_cookie("handoff_session") is None
    assert count(sso_app, Credential) == credentials


def test_another_app_host_finishes_a_sign_in_one_host_started(sso_app, make_app, issuer):
    """The sign-in's state, nonce and PKCE verifier are in the database, not in one process."""
    set_person(issuer, "00u16", preferred_username="host.two", roles="RN")
    first = sso_app.test_client()
    start = first.get("/auth/oidc/login")
    callback = authorize(start.headers["Location"], "00u16")
    second_host = make_app(**sso_settings(issuer)).test_client()
    second_host.set_cookie("handoff_sso", first.get_cookie("handoff_sso").value)
    assert second_host.get(callback).status_code == 303
    assert second_host.get("/api/v1/auth/me").get_json()["username"] == "host.two"


def test_a_callback_from_a_sign_in_this_browser_never_started_is_refused(sso_app, issuer):
    set_person(issuer, "00u8", preferred_username="eve", roles="RN")
    victim_start = sso_app.test_client().get("/auth/oidc/login")
    callback = authorize(victim_start.headers["Location"], "00u8")
    refused = sso_app.test_client().get(callback)  # login CSRF: someone else's code and state
    assert refused.status_code == 400 and count(sso_app, Credential) == 0


def test_an_id_token_not_signed_by_the_providers_published_keys_is_refused(make_app):
    with split_provider() as issuer:
        app = make_app(**sso_settings(issuer))
        client, refused = sign_in(app, issuer, "00u9", preferred_username="mallory", roles="RN")
    assert refused.status_code == 400
    assert "could not be verified" in refused.get_data(as_text=True)
    assert client.get_cookie("handoff_session") is None and count(app, Credential) == 0
    assert any(action == "auth.sso.failed" and detail["reason"].startswith("id_token signature")
               for action, detail in audit_actions(app))


def test_an_expired_id_token_is_refused(make_app):
    # The provider's tokens expire ten minutes before they are issued: past Authlib's two-minute leeway.
    with provider(token_lifetime=timedelta(minutes=-10)) as issuer:
        app = make_app(**sso_settings(issuer))
        client, refused = sign_in(app, issuer, "00u10", preferred_username="old", roles="RN")
    assert refused.status_code == 400 and "expired" in refused.get_data(as_text=True)
    assert client.get_cookie("handoff_session") is None and count(app, Credential) == 0


def test_an_id_token_issued_to_another_client_is_refused_by_the_apps_checks(sso_app, make_app, issuer):
    """Wrong audience. In the code flow the provider binds each code to the client that asked for it, so
    a token for another client can only arrive through a broken or hostile provider (or a relay):
    the real provider issues one to `another-app` here, and the app's configured client checks it."""
    from joserfc.errors import InvalidClaimError

    from handoff.sso.client import id_token_checks

    set_person(issuer, "00u11", preferred_username="ann", roles="RN")
    other = "another-app"
    authorization = requests.get(f"{issuer}/oauth2/authorize", allow_redirects=False, timeout=10, params={
        "response_type": "code", "client_id": other, "redirect_uri": "http://localhost/cb", "scope": "openid",
        "nonce": "n-0123456789", "state": "s-0123456789"})
    assert authorization.status_code == 200
    code = parse_qs(urlsplit(authorize(authorization.url, "00u11")).query)["code"][0]
    token = requests.post(f"{issuer}/oauth2/token", auth=(other, "x"), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"}).json()
    assert token["id_token"]

    with sso_app.test_request_context():
        checker = sso_app.extensions["handoff.sso"]
        with pytest.raises(InvalidClaimError, match="aud"):
            checker.parse_id_token(token, nonce="n-0123456789", claims_options=id_token_checks())
    # The same token passes an app that is the client it was issued to: the audience is what failed.
    other_app = make_app(**sso_settings(issuer, HANDOFF_OIDC_CLIENT_ID=other))
    with other_app.test_request_context():
        checker = other_app.extensions["handoff.sso"]
        assert checker.parse_id_token(token, nonce="n-0123456789", claims_options=id_token_checks())["sub"] == "00u11"



def test_cancelling_at_the_provider_gets_a_plain_page(sso_app, issuer):
    client = sso_app.test_client()
    start = client.get("/auth/oidc/login")
    denied = client.get(authorize(start.headers["Location"], "00u12", action="deny"))
    assert denied.status_code == 400 and "cancelled" in denied.get_data(as_text=True)


def test_a_password_user_of_the_same_name_is_not_taken_over(sso_app, issuer, nurse):
    client, refused = sign_in(sso_app, issuer, "00u13", preferred_username="nurse", roles="HandoffAdmin")
    assert refused.status_code == 403 and "already has an account named nurse" in refused.get_data(as_text=True)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_sign_out_ends_the_session_and_signs_out_at_the_provider(sso_app, issuer):
    client, _ = sign_in(sso_app, issuer, "00u14", preferred_username="jo", roles="RN")
    out = client.get("/auth/oidc/logout")
    assert out.status_code == 303
    target = urlsplit(out.headers["Location"])
    discovered = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert f"{target.scheme}://{target.netloc}{target.path}" == discovered["end_session_endpoint"]
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert query["post_logout_redirect_uri"] == "http://localhost:5000/" and query["id_token_hint"].count(".") == 2
    assert client.get("/api/v1/auth/session").status_code == 401
    # The provider's own page takes it from there, and sends the browser back to Handoff.
    confirm = requests.get(out.headers["Location"], timeout=10)
    assert confirm.status_code == 200 and "http://localhost:5000/" in confirm.text
    # Without a live session (signed out already, or a link from another site) it goes home, not to the provider.
    assert client.get("/auth/oidc/logout").headers["Location"] == "http://localhost:5000/"


def test_password_sign_in_can_be_turned_off_while_tokens_stay(make_app, issuer, nurse):
    app = make_app(**sso_settings(issuer, HANDOFF_PASSWORD_LOGIN=False))
    client = app.test_client()
    refused = client.post("/api/v1/auth/login", json={"username": "nurse", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Password sign-in is turned off" in refused.get_json()["message"]
    assert client.post("/api/v1/auth/tokens", json={"username": "nurse", "password": PASSWORD}).status_code == 201
    _, done = sign_in(app, issuer, "00u15", preferred_username="ok", roles="RN")
    assert done.status_code == 303


def test_the_pages_answer_404_when_single_sign_on_is_not_set_up(client):
    for path in ("/auth/oidc/login", "/auth/oidc/callback?code=x&state=y", "/auth/oidc/logout"):
        answer = client.get(path)
        assert answer.status_code == 404 and "no hospital sign-in" in answer.get_data(as_text=True)


def test_the_shell_offers_the_hospital_sign_in_only_when_set_up(sso_app, client):
    assert 'data-sso-name="General Hospital"' in sso_app.test_client().get("/").get_data(as_text=True)
    assert 'data-sso-name=""' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("settings", "message"), [
    ({"HANDOFF_OIDC_ROLE_MAP": "nurse=RN,doctor=MD"}, "'doctor' is not a Handoff role"),
    ({"HANDOFF_OIDC_ROLE_MAP": "nurse"}, "is not ROLE=VALUE"),
    ({"HANDOFF_OIDC_ROLE_MAP": ""}, "HANDOFF_OIDC_ROLE_MAP is empty"),
    ({"HANDOFF_OIDC_ROLE_MAP": "nurse=X,admin=X"}, "maps 'X' to both"),
    ({"HANDOFF_OIDC_CLIENT_SECRET": ""}, "HANDOFF_OIDC_CLIENT_SECRET is not set"),
    ({"HANDOFF_OIDC_ISSUER": "http://idp.example"}, "must be an https:// URL"),
])
def test_wrong_settings_stop_start_up_with_a_clear_message(make_app, settings, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(**{**sso_settings("https://idp.example"), **settings})


def test_password_sign_in_cannot_be_turned_off_without_single_sign_on(make_app):
    with pytest.raises(RuntimeError, match="nobody could sign in"):
        make_app(HANDOFF_PASSWORD_LOGIN=False)


@pytest.mark.parametrize(("claims", "claim", "role"), [
    ({"roles": ["Everyone", "RN"]}, "roles", "nurse"),
    ({"roles": "MD"}, "roles", "physician"),
    ({"groups": ["RN", "HandoffAdmin"]}, "groups", "admin"),
    ({"realm_access": {"roles": ["MD"]}}, "realm_access.roles", "physician"),
    ({"roles": ["rn"]}, "roles", None),  # values are matched exactly, as the provider sends them
    ({"roles": [{"RN": 1}]}, "roles", None),
    ({}, "roles", None),
])
def test_role_mapping(claims, claim, role):
    from handoff.sso.service import mapped_role
    from handoff.sso.settings import parse_role_map

    assert mapped_role(claims, claim, parse_role_map("nurse=RN,physician=MD,admin=HandoffAdmin")) == role


def test_a_provider_that_does_not_answer_gets_a_plain_page_not_a_500(make_app):
    from tests.servers import free_port

    app = make_app(**sso_settings(f"http://localhost:{free_port()}"))  # nothing listens there
    answer = app.test_client().get("/auth/oidc/login")
    assert answer.status_code == 400 and "does not answer" in answer.get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "?code=abc", "?state=nope", "?code=abc&state=nope", "?error=server_error"])
def test_a_callback_with_missing_or_made_up_parameters_is_refused_plainly(sso_app, query):
    answer = sso_app.test_client().get(f"/auth/oidc/callback{query}")
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    assert count(sso_app, Credential) == 0


def test_the_sign_out_page_ends_browser_sessions_only_never_a_bearer_token(sso_app, admin):
    out = sso_app.test_client().get("/auth/oidc/logout", headers={"Authorization": f"Bearer {admin.token}"})
    assert out.status_code == 303 and out.headers["Location"] == "http://localhost:5000/"
    assert admin.get("/api/v1/auth/me").status_code == 200
