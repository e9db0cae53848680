"""The one module that speaks OpenID Connect, through Authlib's Flask client.

Authlib does the protocol: discovery from `{issuer}/.well-known/openid-configuration`, the
authorization-code flow with PKCE (S256), `state` and `nonce`, the token exchange, and the ID
token's checks (signature against the provider's JWKS, re-fetched once when a key id is
unknown, so key rotation works; `iss` equal to the discovered issuer; `aud` holding our client
id (`id_token_checks`); `exp`/`iat` with Authlib's two minutes of leeway; the nonce sent). Nothing here parses a
token by hand. The only network calls are to the configured issuer's endpoints, and only during
a sign-in or sign-out.

Authlib keeps each sign-in's state in `PendingSignIn` rows (its "cache"), not in the cookie, so
the callback's delete makes every `state` single-use on every host.
"""

from dataclasses import dataclass
from datetime import timedelta

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, url_for
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from requests import RequestException
from sqlalchemy import delete

from ..common import as_utc, utcnow
from ..extensions import db
from .models import PendingSignIn

NAME = "hospital"
EXTENSION = "handoff.sso"
# How long a sign-in may take at the provider (typing a password, a second factor).
SIGN_IN_MINUTES = 15
HTTP_TIMEOUT_SECONDS = 10


class SignInFailed(Exception):
    """The provider's answer could not be accepted; `message` is for the person signing in."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # for the audit trail and the log


@dataclass
class ProviderAnswer:
    claims: dict  # the ID token's claims, checked
    id_token: str  # kept for the provider's sign-out (id_token_hint)
    issuer: str


class DatabaseCache:
    """Authlib's cache interface (get/set/delete) over `PendingSignIn`, in the request's transaction."""

    def get(self, key: str):
        row = db.session.get(PendingSignIn, key)
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        return row.value

    def set(self, key: str, value: str, expires: int | None = None) -> None:
        now = utcnow()
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at <= now))
        db.session.merge(PendingSignIn(key=key, value=value,
                                       expires_at=now + timedelta(seconds=expires or SIGN_IN_MINUTES * 60)))

    def delete(self, key: str) -> None:
        db.session.execute(delete(PendingSignIn).where(PendingSignIn.key == key))


def init_app(app) -> None:
    config = app.config
    oauth = OAuth()
    oauth.init_app(app, cache=DatabaseCache())
    client = oauth.register(
        NAME,
        client_id=config["HANDOFF_OIDC_CLIENT_ID"],
        client_secret=config["HANDOFF_OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{config['HANDOFF_OIDC_ISSUER'].rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256",
                       "default_timeout": HTTP_TIMEOUT_SECONDS},
    )
    client.framework.expires_in = SIGN_IN_MINUTES * 60
    app.extensions[EXTENSION] = client


def _client():
    return current_app.extensions[EXTENSION]


def start_sign_in():
    """The redirect to the provider's authorization endpoint (state, nonce and PKCE made by Authlib)."""
    try:
        return _client().authorize_redirect(_callback_url())
    except (RequestException, ValueError, KeyError) as error:
        raise SignInFailed("The hospital sign-in service does not answer. Try again in a minute.",
                           f"discovery failed: {error}") from error


def finish_sign_in() -> ProviderAnswer:
    """Exchange the code and check the ID token; raise SignInFailed with a plain reason otherwise."""
    client = _client()
    try:
        token = client.authorize_access_token(claims_options=id_token_checks())
    except MismatchingStateError as error:
        raise SignInFailed("This sign-in link was already used or has expired. Start again.",
                           "state unknown or already used") from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise SignInFailed("The sign-in was cancelled at the hospital sign-in page.",
                               f"provider: {error.error}") from error
        raise SignInFailed("The hospital sign-in service refused this sign-in. Start again.",
                           f"provider: {error.error} {error.description or ''}".strip()) from error
    except ExpiredTokenError as error:
        raise SignInFailed("The hospital's answer has expired. Check the tablet's clock and start again.",
                           "id_token expired") from error
    except (InvalidClaimError, MissingClaimError) as error:
        raise SignInFailed("The hospital's answer was not meant for Handoff. Ask IT to check the sign-on set-up.",
                           f"id_token claim: {error}") from error
    except JoseError as error:
        raise SignInFailed("The hospital's answer could not be verified. Ask IT to check the sign-on set-up.",
                           f"id_token signature: {error.error}") from error
    except RequestException as error:
        raise SignInFailed("The hospital sign-in service does not answer. Try again in a minute.",
                           f"token request failed: {error}") from error
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SignInFailed("The hospital sign-in service sent no identity. Ask IT to check the sign-on set-up.",
                           "no id_token in the token response")
    return ProviderAnswer(dict(claims), token["id_token"], current_app.config["HANDOFF_OIDC_ISSUER"])


def id_token_checks() -> dict:
    """The claims Authlib must check beyond its own (signature, exp, iat, nonce, azp).

    Authlib's default checks `aud` only through `azp`; OpenID Connect Core 3.1.3.7 asks that `aud`
    hold our client id, so it is named here, and `iss` is the configured issuer, not only whatever
    the discovery document says.
    """
    return {"iss": {"essential": True, "values": [current_app.config["HANDOFF_OIDC_ISSUER"]]},
            "aud": {"essential": True, "values": [current_app.config["HANDOFF_OIDC_CLIENT_ID"]]}}


def logout_url(id_token: str | None, after: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None when its discovery has none."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    extra = {} if id_token else {"client_id": client.client_id}
    return client.create_logout_url(post_logout_redirect_uri=after, id_token_hint=id_token, **extra)["url"]


def _callback_url() -> str:
    # The redirect URI registered at the provider: https://HOST/auth/oidc/callback (README).
    return f"{current_app.config['HANDOFF_PUBLIC_URL']}{url_for('sso.callback')}"
