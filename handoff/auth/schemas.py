"""Authentication and user API shapes."""

from marshmallow import Schema, fields, validate

from .models import ROLES


class CredentialsSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))


class NewUserSchema(UserSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=1024))


class LoginResultSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(allow_none=True)
    idle_timeout_minutes = fields.Integer()


class TokenSchema(Schema):
    id = fields.Integer()
    token = fields.String(metadata={"description": "Shown once; send as 'Authorization: Bearer TOKEN'"})
    expires_at = fields.String()
