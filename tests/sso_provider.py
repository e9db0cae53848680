"""A real OpenID Connect provider for the single sign-on tests: the `oidc-provider-mock` package.

It serves discovery, JWKS, the authorization form, the token endpoint (signing ID tokens with its
own RSA key) and RP-initiated logout; tests set a person's claims with `PUT /users/{sub}`. Each
`provider()` is a fresh instance with a fresh key, on a loopback port, in a thread. Nothing of
ours answers in its place: `split_provider` only routes one path of a single origin to a second
real instance (whose keys differ), which is what a provider whose published keys do not sign its
tokens looks like.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import oidc_provider_mock
import requests
import werkzeug.serving

CLIENT_ID = "handoff-tests"
CLIENT_SECRET = "handoff-tests-secret"
ROLE_MAP = "nurse=RN,physician=MD,admin=HandoffAdmin"


@contextmanager
def serve(wsgi_app):
    """Serve a WSGI app on a free loopback port in a thread; yield its base URL (its issuer)."""
    server = werkzeug.serving.make_server("localhost", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def provider_app(token_lifetime: timedelta = timedelta(hours=1)):
    return oidc_provider_mock.app(require_nonce=True, access_token_max_age=token_lifetime)


@contextmanager
def provider(token_lifetime: timedelta = timedelta(hours=1)):
    with serve(provider_app(token_lifetime)) as issuer:
        yield issuer


@contextmanager
def split_provider():
    """One issuer whose JWKS is served by a second provider instance (other keys) and all else by the first."""
    signer, publisher = provider_app(), provider_app()

    def dispatch(environ, start_response):
        target = publisher if environ.get("PATH_INFO") == "/jwks" else signer
        return target(environ, start_response)

    with serve(dispatch) as issuer:
        yield issuer


def set_person(issuer: str, sub: str, **claims) -> None:
    response = requests.put(f"{issuer}/users/{quote(sub, safe='')}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def sso_settings(issuer: str, **more) -> dict:
    return {"HANDOFF_OIDC_ISSUER": issuer, "HANDOFF_OIDC_CLIENT_ID": CLIENT_ID,
            "HANDOFF_OIDC_CLIENT_SECRET": CLIENT_SECRET, "HANDOFF_OIDC_ROLE_MAP": ROLE_MAP,
            "HANDOFF_OIDC_DISPLAY_NAME": "General Hospital", **more}


def authorize(authorization_url: str, sub: str, action: str | None = None) -> str:
    """Submit the provider's own authorization form as the person `sub`; return where it sends the browser."""
    data = {"sub": sub, **({"action": action} if action else {})}
    response = requests.post(authorization_url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text
    return response.headers["Location"]
