"""Fields every API schema shares: UTC timestamps, record ids, text that must not be blank.

One spelling for every moment the API sends: ISO 8601 in UTC with a `Z`, whatever the
database hands back (SQLite gives naive datetimes, PostgreSQL aware ones).
"""

from marshmallow import ValidationError, fields, validate

from .common import iso
from .database import MAX_ID

ID_RANGE = validate.Range(min=1, max=MAX_ID)


class UtcDateTime(fields.DateTime):
    """Dumps `2026-11-21T19:30:00Z`; loads ISO 8601, taking a value without a zone as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


def Id(**kwargs) -> fields.Integer:  # noqa: N802 (reads like a field class at the call site)
    """A record id: a positive 32-bit integer."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def Username(**kwargs) -> fields.Pluck:  # noqa: N802
    """A user, shown by their user name (signatures, authors, receipts)."""
    from .auth.schemas import UserSchema

    return fields.Pluck(UserSchema, "username", **kwargs)
