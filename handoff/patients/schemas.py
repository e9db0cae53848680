"""Patient API shapes; these schemas are the one place patient input is checked."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates

from ..api_fields import UtcDateTime, not_blank
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
from ..pagination import PageArgsSchema

NAME = validate.Length(min=1, max=100)


class PatientSchema(Schema):
    id = fields.Integer(dump_only=True)
    mrn = fields.String(required=True, validate=[validate.Length(min=1, max=64), not_blank])
    given_name = fields.String(required=True, validate=[NAME, not_blank])
    family_name = fields.String(required=True, validate=[NAME, not_blank])
    birth_date = fields.Date(required=True, metadata={"example": "1947-03-12"})
    preferred_language = fields.String(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(LANGUAGES))
    created_at = UtcDateTime(dump_only=True)

    @validates("birth_date")
    def _birth_date_is_plausible(self, value: date, **_kwargs) -> None:
        if value > date.today():
            raise ValidationError("Birth date cannot be in the future.")
        if value.year < 1880:
            raise ValidationError("Birth date is too far in the past.")


class PatientQuerySchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Name or MRN"})
