"""Users and their credentials: passwords, sign-in with its guessing limits, sessions, tokens.

Nothing here reads the request: the routes pass the client address and the acting user
(`auth.access` is the request side). Only the SHA-256 of a session or token secret is
stored; the secret has 256 random bits, so a fast hash is enough. A session's CSRF token
is derived from its secret (`csrf_token_for`), so no secret of a session is kept in clear.

Sessions end at the first of: sign-out; `HANDOFF_SESSION_IDLE_MINUTES` without a request;
`HANDOFF_SESSION_MAX_HOURS` after sign-in, however busy (an absolute lifetime: a stolen
cookie or a workstation left signed in does not live forever); a new sign-in in the same
browser (`start_session(replaces=...)`); an admin ending it or disabling its user. Every way
of signing in (the password here; a hospital's single sign-on later) starts the session
through `start_session`, so all of this holds for each.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import or_, select

from .. import ratelimit
from ..audit import service as audit
from ..common import as_utc, sha256_hex, utcnow
from ..database import MAX_ID, get
from ..domain import Actor, Conflict, NotFound, RateLimited, Unauthenticated
from ..extensions import db
from ..pagination import Page, paginate
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
        if self.credential.kind != "session" or not self.secret:
            return None
        return csrf_token_for(self.secret)


def csrf_token_for(session_secret: str) -> str:
    """The session's CSRF token: an HMAC keyed by its secret, so only the cookie's holder can know it."""
    return hmac.new(session_secret.encode(), b"handoff csrf token", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def current(cls) -> "SessionPolicy":
        config = current_app.config
        return cls(idle=timedelta(minutes=config["HANDOFF_SESSION_IDLE_MINUTES"]),
                   lifetime=timedelta(hours=config["HANDOFF_SESSION_MAX_HOURS"]))


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


def _verify_password(username: str, password: str) -> tuple[User | None, str]:
    """(the user of that name or None, "ok" or why not: "unknown", "wrong password", "disabled").

    The reason is for the audit trail only. The same work is done whatever it is, so the
    answer's timing tells nothing either."""
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.is_active else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return user, "unknown" if user is None else "disabled" if not user.is_active else "wrong password"
    if user is None or not user.is_active:
        return user, "unknown" if user is None else "disabled"
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, "ok"


def sign_in(username: str, password: str, *, kind: str, client_addr: str, user_agent: str | None = None,
            replaces: str | None = None) -> SignedIn:
    """Check the password (within the guessing limits) and issue a session or a bearer token.

    The limits (`ratelimit`: per name and address, per address, per name) are checked before
    the password and count the same for names that exist and names that do not. Refusals are
    kept in the audit trail (`auth.login.limited`, `auth.login.failed`; `auth.token.*` for
    tokens) with the name tried. `replaces` is the session secret this browser held, if any.
    """
    attempt = "auth.login" if kind == "session" else "auth.token"
    anonymous = Actor(None, client_addr)
    try:
        ratelimit.check_sign_in(username, client_addr)
    except RateLimited as refused:
        audit.keep(anonymous, f"{attempt}.limited", "user", None,
                   detail={"username": username, "retry_after": refused.retry_after})
        raise
    user, outcome = _verify_password(username, password)
    if outcome != "ok":
        ratelimit.sign_in_failed(username, client_addr)
        audit.keep(anonymous, f"{attempt}.failed", "user", user.id if user else None,
                   detail={"username": username, "reason": outcome})
        raise Unauthenticated(WRONG_CREDENTIALS, keep_writes=True)
    ratelimit.sign_in_succeeded(username, client_addr)
    if kind == "session":
        return start_session(user, client_addr, user_agent, replaces=replaces, via="password")
    secret, credential = issue_credential(user, kind, client_addr, user_agent)
    audit.record(Actor(user, client_addr), "auth.token.create", "credential", credential.id)
    return SignedIn(user, credential, secret)


def start_session(user: User, client_addr: str, user_agent: str | None = None, *, replaces: str | None = None,
                  via: str = "password") -> SignedIn:
    """Start a browser session for a user who has proved who they are (`via`: how).

    The one way a session begins, whatever the sign-in. The session this browser held before
    (`replaces`, its cookie's secret) ends, whoever it belonged to: its cookie no longer works.
    """
    if not user.is_active:
        raise Unauthenticated(WRONG_CREDENTIALS)
    replaced = _live_session(replaces) if replaces else None
    if replaced is not None:
        revoke(replaced)
    secret, credential = issue_credential(user, "session", client_addr, user_agent)
    detail = {"via": via, "credential": credential.id, **({"replaced": replaced.id} if replaced else {})}
    audit.record(Actor(user, client_addr), "auth.login", "user", user.id, detail=detail)
    return SignedIn(user, credential, secret)


def _live_session(secret: str) -> Credential | None:
    credential = db.session.scalar(select(Credential).where(Credential.secret_hash == sha256_hex(secret),
                                                            Credential.kind == "session"))
    return credential if credential is not None and credential.revoked_at is None else None


def issue_credential(user: User, kind: str, client_addr: str | None = None,
                     user_agent: str | None = None) -> tuple[str, Credential]:
    """Make a fresh 256-bit secret; only its hash is kept. A session expires at its absolute lifetime."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = (SessionPolicy.current().lifetime if kind == "session"
                else timedelta(days=current_app.config["HANDOFF_TOKEN_DAYS"]))
    credential = Credential(
        user_id=user.id, kind=kind, secret_hash=sha256_hex(secret), created_at=now, last_used_at=now,
        expires_at=now + lifetime, client_addr=(client_addr or None) and client_addr[:64],
        user_agent=(user_agent or None) and user_agent[:200],
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


def usable_credential(secret: str, kind: str, now: datetime | None = None) -> Credential | None:
    """The credential with this secret if it still works: not revoked, expired, idle or past its lifetime,
    and its user not disabled."""
    credential = db.session.scalar(
        select(Credential).where(Credential.secret_hash == sha256_hex(secret), Credential.kind == kind)
    )
    if credential is None or credential.revoked_at is not None or not credential.user.is_active:
        return None
    now = now or utcnow()
    if credential.expires_at is not None and as_utc(credential.expires_at) <= now:
        return None
    if credential.kind == "session":
        policy = SessionPolicy.current()  # a lowered setting applies to sessions already open
        if (now - as_utc(credential.created_at) >= policy.lifetime
                or now - as_utc(credential.last_used_at) > policy.idle):
            return None
    return credential


# Use is recorded at most this often: a write on every request would make every read a write (and on
# PostgreSQL a row version per request). A session then idles out at most this much early.
TOUCH_INTERVAL = timedelta(seconds=60)


def touch(credential: Credential, now: datetime | None = None) -> None:
    """Record use, which keeps a session from idling out (never past its lifetime), when it was last
    recorded over a minute ago."""
    now = now or utcnow()
    if credential.last_used_at is None or now - as_utc(credential.last_used_at) >= TOUCH_INTERVAL:
        credential.last_used_at = now


def ends_at(credential: Credential) -> datetime | None:
    """When the credential stops working if nothing ends it sooner (a session: idle or lifetime)."""
    ends = as_utc(credential.expires_at) if credential.expires_at is not None else None
    if credential.kind == "session":
        policy = SessionPolicy.current()
        candidates = [as_utc(credential.last_used_at) + policy.idle, as_utc(credential.created_at) + policy.lifetime]
        ends = min(candidates + ([ends] if ends else []))
    return ends


# --- users and their credentials, for admins ---------------------------------------------------------


def get_user(user_id: int) -> User:
    user = get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"There is no user named {username!r}.")
    return user


def _live(user_id: int):
    """The statement for a user's credentials that still work, newest first."""
    now, policy = utcnow(), SessionPolicy.current()
    return (select(Credential).where(
        Credential.user_id == user_id, Credential.revoked_at.is_(None),
        or_(Credential.expires_at.is_(None), Credential.expires_at > now),
        or_(Credential.kind != "session",
            (Credential.last_used_at >= now - policy.idle) & (Credential.created_at > now - policy.lifetime)),
    ).order_by(Credential.created_at.desc(), Credential.id.desc()))


@dataclass
class CredentialView:
    credential: Credential
    ends_at: datetime | None
    current: bool  # the credential the admin is using for this very request


def list_credentials(actor: Actor, user_id: int, page: int, per_page: int, current_id: int | None = None) -> Page:
    """A user's sessions and bearer tokens that still work, newest first (admin); the read is kept in the trail."""
    user = get_user(user_id)
    found = paginate(_live(user.id), page, per_page)
    found.items = [CredentialView(c, ends_at(c), c.id == current_id) for c in found.items]
    audit.keep(actor, "user.sessions.read", "user", user.id,
               detail={"username": user.username, "returned": len(found.items)})
    return found


def end_credential(actor: Actor, user_id: int, credential_id: int) -> None:
    """End one session or token of a user (admin); one that already ended, or another's, is not found."""
    user = get_user(user_id)
    credential = (db.session.scalar(_live(user.id).where(Credential.id == credential_id))
                  if 0 < credential_id <= MAX_ID else None)
    if credential is None:
        raise NotFound(f"User {user_id} has no session or token {credential_id} that still works.")
    revoke(credential)
    audit.keep(actor, "user.session.end", "credential", credential.id,
               detail={"username": user.username, "user_id": user.id, "kind": credential.kind})


def end_credentials(actor: Actor, user_id: int) -> int:
    """End every session and token of a user (admin); how many still worked."""
    user = get_user(user_id)
    ended = _end_all(user)
    audit.keep(actor, "user.sessions.end", "user", user.id, detail={"username": user.username, "ended": ended})
    return ended


def _end_all(user: User) -> int:
    credentials = db.session.scalars(_live(user.id)).all()
    for credential in credentials:
        revoke(credential)
    return len(credentials)


def set_disabled(actor: Actor, user_id: int | None, disabled: bool, *, user: User | None = None) -> User:
    """Disable a user (every session and token ends at once; sign-in and tokens are refused) or enable them again.

    An admin cannot disable themselves: the last admin would lock everyone out of the API.
    """
    user = user or get_user(user_id)
    if disabled and actor.user_id == user.id:
        raise Conflict("You cannot disable your own account; ask another admin.",
                       [{"path": "disabled", "message": "Not your own account."}])
    user.is_active = not disabled
    detail = {"username": user.username}
    if disabled:
        detail["ended"] = _end_all(user)
    audit.keep(actor, "user.disable" if disabled else "user.enable", "user", user.id, detail=detail)
    return user
