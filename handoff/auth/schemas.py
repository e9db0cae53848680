"""Authentication and user API shapes; these schemas are the one place user input is checked."""

from flask import current_app
from marshmallow import Schema, fields, validate

from ..api_fields import UtcDateTime, not_blank
from .models import ROLES

MAX_PASSWORD_LENGTH = 1024


class CredentialsSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=[validate.Length(min=1, max=64), not_blank])
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    disabled = fields.Function(lambda user: not user.is_active, dump_only=True,
                               metadata={"type": "boolean", "description": "no sign-in, no session or token works"})
    # The issuer of a user that came from the hospital's identity provider (sso.models), else null.
    identity_provider = fields.Function(lambda user: user.identity.issuer if getattr(user, "identity", None) else None,
                                        dump_only=True, metadata={"type": "string", "nullable": True})


class UserChangeSchema(Schema):
    """`PATCH /users/{id}`: what an admin may change."""

    disabled = fields.Boolean(required=True, metadata={
        "description": "true: every session and token of the user ends at once, and sign-in and new tokens are "
                       "refused (the same 401 as wrong credentials) until set back to false"})


class CredentialSchema(Schema):
    """Dumps `auth.service.CredentialView`: a session or bearer token that still works (never its secret)."""

    id = fields.Integer(attribute="credential.id")
    kind = fields.String(attribute="credential.kind", metadata={"enum": ["session", "bearer"]})
    created_at = UtcDateTime(attribute="credential.created_at")
    last_used_at = UtcDateTime(attribute="credential.last_used_at")
    ends_at = UtcDateTime(metadata={"description": "when it stops working unless ended sooner (a session: "
                                                   "idle or absolute lifetime, whichever comes first)"})
    client_addr = fields.String(attribute="credential.client_addr", allow_none=True,
                                metadata={"description": "where it was issued"})
    user_agent = fields.String(attribute="credential.user_agent", allow_none=True,
                               metadata={"description": "the browser or client it was issued to"})
    current = fields.Boolean(metadata={"description": "the credential of this very request"})


class EndedSchema(Schema):
    ended = fields.Integer(metadata={"description": "how many sessions and tokens were still working and ended"})


class NewUserSchema(UserSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=MAX_PASSWORD_LENGTH))


class LoginResultSchema(Schema):
    """Dumps `auth.service.SignedIn`."""

    user = fields.Nested(UserSchema)
    csrf_token = fields.String(allow_none=True)
    idle_timeout_minutes = fields.Function(lambda _: current_app.config["HANDOFF_SESSION_IDLE_MINUTES"],
                                           metadata={"type": "integer"})
    expires_at = UtcDateTime(attribute="credential.expires_at", metadata={
        "description": "the session's absolute end (HANDOFF_SESSION_MAX_HOURS after sign-in), however busy"})


class TokenSchema(Schema):
    """Dumps `auth.service.SignedIn` for a bearer token."""

    id = fields.Integer(attribute="credential.id")
    token = fields.String(attribute="secret",
                          metadata={"description": "Shown once; send as 'Authorization: Bearer TOKEN'"})
    expires_at = UtcDateTime(attribute="credential.expires_at")
