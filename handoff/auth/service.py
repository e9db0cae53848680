"""Who is calling, and may they? Passwords, sessions, bearer tokens, roles, CSRF.

Sessions and tokens are rows in the database (not signed cookies), so signing out or
revoking a token takes effect on every app host at once, and the app keeps no state of
its own between requests.
"""

import hmac
import secrets
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request
from sqlalchemy import select

from ..common import as_utc, sha256_hex, utcnow
from ..errors import abort
from ..extensions import db
from .models import ROLES, Credential, User

SESSION_COOKIE = "handoff_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("handoff-timing-equaliser")


class UserExists(Exception):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(username: str, password: str, role: str, display_name: str | None = None) -> User:
    username = username.strip()
    if role not in ROLES:
        raise ValueError(f"role must be one of: {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise ValueError("username must be 1 to 64 characters")
    if len(password) < 8 or len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError("password must be 8 to 1024 characters")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserExists(f"a user named {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=role, display_name=display_name)
    db.session.add(user)
    db.session.flush()
    return user


def check_credentials(username: str, password: str) -> User | None:
    """The user, or None; the caller answers the same 401 whatever the reason."""
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.is_active else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def issue_credential(user: User, kind: str) -> tuple[str, Credential]:
    """Make a fresh 256-bit secret; only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    credential = Credential(
        user_id=user.id, kind=kind, secret_hash=sha256_hex(secret), created_at=now, last_used_at=now,
        csrf_token=secrets.token_urlsafe(32) if kind == "session" else None,
        expires_at=now + timedelta(days=current_app.config["HANDOFF_TOKEN_DAYS"]) if kind == "bearer" else None,
    )
    db.session.add(credential)
    db.session.flush()
    return secret, credential


def revoke(credential: Credential) -> None:
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()


def _find_credential(secret: str, kind: str) -> Credential | None:
    return db.session.scalar(
        select(Credential).where(Credential.secret_hash == sha256_hex(secret), Credential.kind == kind)
    )


def _usable(credential: Credential | None) -> bool:
    if credential is None or credential.revoked_at is not None or not credential.user.is_active:
        return False
    now = utcnow()
    if credential.expires_at is not None and as_utc(credential.expires_at) <= now:
        return False
    if credential.kind == "session":
        idle = timedelta(minutes=current_app.config["HANDOFF_SESSION_IDLE_MINUTES"])
        if now - as_utc(credential.last_used_at) > idle:
            return False
    return True


def authenticate_request() -> None:
    """Set g.user and g.credential from a bearer token or the session cookie, or answer 401/403."""
    g.user = None
    g.credential = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(401, "Use 'Authorization: Bearer TOKEN'.")
        credential = _find_credential(secret.strip(), "bearer")
    else:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            abort(401)
        credential = _find_credential(secret, "session")
    if not _usable(credential):
        abort(401, "Your sign-in has expired or was revoked. Sign in again.")
    if credential.kind == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), (credential.csrf_token or "").encode()):
            abort(403, f"Missing or wrong {CSRF_HEADER} header.")
    credential.last_used_at = utcnow()
    g.user = credential.user
    g.credential = credential


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
