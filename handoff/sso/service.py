"""From checked ID token claims to a Handoff user and session. Knows nothing of HTTP or OIDC wire formats.

The person is known by (issuer, subject), never by name or e-mail, which a provider may reassign.
The first sign-in provisions a user with the mapped role; each later one brings the role (and the
display name) up to date with what the provider says now. Claims that map to no Handoff role
sign nobody in. Every one of these is audited.
"""

import secrets

from flask import current_app
from sqlalchemy import select

from ..audit import service as audit
from ..auth import service as auth
from ..auth.models import User
from ..common import utcnow
from ..domain import Actor, DomainError
from ..extensions import db
from .models import UserIdentity
from .settings import ROLE_PRECEDENCE, parse_role_map

USERNAME_CLAIMS = ("preferred_username", "email", "upn")
MAX_USERNAME = 64


class Refused(DomainError):
    """The provider vouched for this person but Handoff will not sign them in; `message` says why."""


def role_values(claims: dict, claim_path: str) -> list[str]:
    """The values of the role claim: a string, a list, or nested (`realm_access.roles` for Keycloak)."""
    value = claims
    for part in claim_path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(claims: dict, claim_path: str, role_map: dict[str, str]) -> str | None:
    roles = {role_map[value] for value in role_values(claims, claim_path) if value in role_map}
    return next((role for role in ROLE_PRECEDENCE if role in roles), None)


def sign_in(claims: dict, issuer: str, client_addr: str) -> User:
    """Provision or update the user the claims name and return them, or raise Refused.

    The caller starts the browser session (auth.access.begin_cookie_session), as for a password.
    """
    config = current_app.config
    subject = str(claims.get("sub") or "")
    anonymous = Actor(None, client_addr)
    role = mapped_role(claims, config["HANDOFF_OIDC_ROLE_CLAIM"], parse_role_map(config["HANDOFF_OIDC_ROLE_MAP"]))
    identity = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject))
    if role is None:
        audit.record(anonymous, "auth.sso.refused", "user", identity.user_id if identity else None,
                     detail={"issuer": issuer, "subject": subject, "reason": "no mapped role",
                             "values": role_values(claims, config["HANDOFF_OIDC_ROLE_CLAIM"])[:20]})
        raise Refused("Your hospital account has no Handoff role. Ask your unit's Handoff administrator "
                      "or the IT service desk to give you the nurse, physician or administrator role "
                      "for Handoff, then sign in again.", keep_writes=True)
    if identity is None:
        user = _provision(claims, issuer, subject, role, anonymous)
    else:
        user = identity.user
        _update(user, identity, claims, role, client_addr)
    if not user.is_active:
        audit.record(anonymous, "auth.sso.refused", "user", user.id, detail={"reason": "user turned off"})
        raise Refused("Your Handoff account is turned off. Ask your unit's Handoff administrator.", keep_writes=True)
    return user


def _provision(claims: dict, issuer: str, subject: str, role: str, actor: Actor) -> User:
    username = _username(claims, subject)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        audit.record(actor, "auth.sso.refused", "user", None,
                     detail={"issuer": issuer, "subject": subject, "reason": f"username {username} taken"})
        raise Refused(f"Handoff already has an account named {username} that was not made by the hospital "
                      "sign-in. Ask your unit's Handoff administrator to rename or remove it, then sign in again.",
                      keep_writes=True)
    # No password works for this user: it signs in through the provider only.
    user = auth.create_user(actor, username, secrets.token_urlsafe(32), role, _display_name(claims), via="sso")
    db.session.add(UserIdentity(user=user, issuer=issuer, subject=subject))
    db.session.flush()
    return user


def _update(user: User, identity: UserIdentity, claims: dict, role: str, client_addr: str) -> None:
    identity.last_sign_in_at = utcnow()
    changes = {}
    if user.role != role:
        changes["role"] = {"from": user.role, "to": role}
        user.role = role
    name = _display_name(claims)
    if name and name != user.display_name:
        changes["display_name"] = {"from": user.display_name, "to": name}
        user.display_name = name
    if changes:
        audit.record(Actor(user, client_addr), "user.update", "user", user.id, detail={"via": "sso", **changes})


def _username(claims: dict, subject: str) -> str:
    for claim in USERNAME_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_USERNAME:
            return value.strip()
    return subject[:MAX_USERNAME]


def _display_name(claims: dict) -> str | None:
    name = claims.get("name")
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None
