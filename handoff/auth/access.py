"""The request side of sign-in: find the credential a request carries, check CSRF, check roles.

Sessions and tokens are rows in the database (not signed cookies), so signing out or
revoking a token takes effect on every app host at once, and the app keeps no state of
its own between requests. Every /api/v1 view declares its roles with `requires` or
`public` (a test checks).
"""

import hmac
from functools import wraps

from flask import g, request

from ..errors import abort
from ..http import client_addr
from . import service
from .models import ROLES

SESSION_COOKIE = "handoff_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def authenticate_request() -> None:
    """Set g.user and g.credential from a bearer token or the session cookie, or answer 401/403."""
    g.user = None
    g.credential = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(401, "Use 'Authorization: Bearer TOKEN'.")
        credential = service.usable_credential(secret.strip(), "bearer")
    else:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            abort(401)
        credential = service.usable_credential(secret, "session")
    if credential is None:
        abort(401, "Your sign-in has expired or was revoked. Sign in again.")
    g.user = credential.user  # known from here on, so a refusal below is audited as theirs
    g.credential = credential
    if credential.kind == "session":
        g.session_secret = secret
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), service.csrf_token_for(secret).encode()):
                abort(403, f"Missing or wrong {CSRF_HEADER} header.")
    service.touch(credential)


def current_sign_in() -> service.SignedIn:
    """The user and credential of this request (with the session's secret, from which its CSRF token comes)."""
    return service.SignedIn(g.user, g.credential, g.get("session_secret"))


def begin_cookie_session(user, via: str) -> service.SignedIn:
    """Start a browser session for `user` and set its cookie on this response (any way of signing in).

    The session this browser held ends (`service.start_session(replaces=...)`)."""
    signed_in = service.start_session(user, client_addr(), request.user_agent.string or None,
                                      replaces=request.cookies.get(SESSION_COOKIE), via=via)
    g.set_session_cookie = signed_in.secret
    return signed_in


def requires(*roles: str):
    """Allow a view to the given roles only. Every /api/v1 view carries one (a test checks)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("user") is None:
                abort(401)
            if g.user.role not in roles:
                abort(403, f"This needs the role {' or '.join(roles)}; you are signed in as {g.user.role}.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate


def public(view):
    """Mark a view that answers without credentials (login, token exchange)."""
    view.allowed_roles = ("anyone",)
    return view
