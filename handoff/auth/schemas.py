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
    # The issuer of a user that came from the hospital's identity provider (sso.models), else null.
    identity_provider = fields.Function(lambda user: user.identity.issuer if getattr(user, "identity", None) else None,
                                        dump_only=True, metadata={"type": "string", "nullable": True})


class NewUserSchema(UserSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=MAX_PASSWORD_LENGTH))


class LoginResultSchema(Schema):
    """Dumps `auth.service.SignedIn`."""

    user = fields.Nested(UserSchema)
    csrf_token = fields.String(allow_none=True)
    idle_timeout_minutes = fields.Function(lambda _: current_app.config["HANDOFF_SESSION_IDLE_MINUTES"],
                                           metadata={"type": "integer"})


class TokenSchema(Schema):
    """Dumps `auth.service.SignedIn` for a bearer token."""

    id = fields.Integer(attribute="credential.id")
    token = fields.String(attribute="secret",
                          metadata={"description": "Shown once; send as 'Authorization: Bearer TOKEN'"})
    expires_at = UtcDateTime(attribute="credential.expires_at")
