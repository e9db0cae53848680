"""Users and their credentials: passwords, sign-in with its guessing limits, sessions, tokens.

Nothing here reads the request: the routes pass the client address and the acting user
(`auth.access` is the request side). Only the SHA-256 of a session or token secret is
stored; the secret has 256 random bits, so a fast hash is enough.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from .. import ratelimit
from ..audit import service as audit
from ..common import as_utc, sha256_hex, utcnow
from ..database import get
from ..domain import Actor, Conflict, NotFound, Unauthenticated
from ..extensions import db
from .models import Credential, User
from .schemas import MAX_PASSWORD_LENGTH

WRONG_CREDENTIALS = "Wrong username or password."

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("handoff-timing-equaliser")


@dataclass
class SignedIn:
    """A credential just issued (its secret shown once) or the one a request carries (no secret)."""

    user: User
    credential: Credential
    secret: str | None = None

    @property
    def csrf_token(self) -> str | None:
        return self.credential.csrf_token


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(actor: Actor, username: str, password: str, role: str, display_name: str | None = None,
                *, via: str | None = None) -> User:
    """`username`, `password` and `role` have passed `NewUserSchema`."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.",
                       [{"path": "username", "message": "Already taken."}])
    user = User(username=username, password_hash=hash_password(password), role=role, display_name=display_name)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id,
                 detail={"username": user.username, "role": user.role, **({"via": via} if via else {})})
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)).all())


def check_credentials(username: str, password: str) -> User | None:
    """The user, or None; the caller answers the same whatever the reason."""
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


def sign_in(username: str, password: str, *, kind: str, client_addr: str) -> SignedIn:
    """Check the password (within the guessing limits) and issue a session or a bearer token.

    The limits (`ratelimit`: per name and address, per address, per name) are checked before
    the password and count the same for names that exist and names that do not.
    """
    ratelimit.check_sign_in(username, client_addr)
    user = check_credentials(username, password)
    if user is None:
        ratelimit.sign_in_failed(username, client_addr)
        raise Unauthenticated(WRONG_CREDENTIALS, keep_writes=True)
    ratelimit.sign_in_succeeded(username, client_addr)
    secret, credential = issue_credential(user, kind)
    actor = Actor(user, client_addr)
    if kind == "session":
        audit.record(actor, "auth.login", "user", user.id)
    else:
        audit.record(actor, "auth.token.create", "credential", credential.id)
    return SignedIn(user, credential, secret)


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


def sign_out(actor: Actor, credential: Credential) -> None:
    revoke(credential)
    audit.record(actor, "auth.logout", "user", actor.user_id)


def revoke_token(actor: Actor, token_id: int) -> None:
    """Revoke a bearer token: one's own, or anyone's for an admin; others' look like none."""
    credential = get(Credential, token_id)
    if credential is None or credential.kind != "bearer" or (
        credential.user_id != actor.user_id and actor.user.role != "admin"
    ):
        raise NotFound(f"There is no token {token_id} of yours.")
    revoke(credential)
    audit.record(actor, "auth.token.revoke", "credential", credential.id)


def usable_credential(secret: str, kind: str, idle_minutes: int, now: datetime | None = None) -> Credential | None:
    """The credential with this secret if it still works: not revoked, expired or idle too long."""
    credential = db.session.scalar(
        select(Credential).where(Credential.secret_hash == sha256_hex(secret), Credential.kind == kind)
    )
    if credential is None or credential.revoked_at is not None or not credential.user.is_active:
        return None
    now = now or utcnow()
    if credential.expires_at is not None and as_utc(credential.expires_at) <= now:
        return None
    if credential.kind == "session" and now - as_utc(credential.last_used_at) > timedelta(minutes=idle_minutes):
        return None
    return credential


# Use is recorded at most this often: a write on every request would make every read a write (and on
# PostgreSQL a row version per request). A session then idles out at most this much early.
TOUCH_INTERVAL = timedelta(seconds=60)


def touch(credential: Credential, now: datetime | None = None) -> None:
    """Record use, which keeps a session from idling out (when it was last recorded over a minute ago)."""
    now = now or utcnow()
    if credential.last_used_at is None or now - as_utc(credential.last_used_at) >= TOUCH_INTERVAL:
        credential.last_used_at = now
