"""Patient API shapes; these schemas are the one place patient input is checked."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from ..api_fields import UtcDateTime, not_blank
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
from ..pagination import PageArgsSchema
from ..text_safety import no_format_controls, no_format_controls_at_all

NAME = validate.Length(min=1, max=100)


class _Place(fields.String):
    """A unit or bed: text with surrounding white space dropped; blank or null clears it (see `_blank_is_none`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _blank_is_none(data: dict) -> dict:
    """After validation (a validator must never see None): a blank unit or bed means none."""
    return {key: (None if key in ("unit", "bed") and value == "" else value) for key, value in data.items()}


def _unit(**kwargs):
    return _Place(allow_none=True, validate=validate.Length(max=64), metadata={"example": "5 North"}, **kwargs)


def _bed(**kwargs):
    return _Place(allow_none=True, validate=validate.Length(max=16), metadata={"example": "12B"}, **kwargs)


class PatientSchema(Schema):
    id = fields.Integer(dump_only=True)
    mrn = fields.String(required=True, validate=[validate.Length(min=1, max=64), not_blank, no_format_controls_at_all])
    given_name = fields.String(required=True, validate=[NAME, not_blank, no_format_controls])
    family_name = fields.String(required=True, validate=[NAME, not_blank, no_format_controls])
    birth_date = fields.Date(required=True, metadata={"example": "1947-03-12"})
    preferred_language = fields.String(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(LANGUAGES))
    unit = _unit()
    bed = _bed()
    created_at = UtcDateTime(dump_only=True)

    @post_load
    def _no_blank_places(self, data, **_kwargs):
        return _blank_is_none(data)

    @validates("birth_date")
    def _birth_date_is_plausible(self, value: date, **_kwargs) -> None:
        if value > date.today():
            raise ValidationError("Birth date cannot be in the future.")
        if value.year < 1880:
            raise ValidationError("Birth date is too far in the past.")


class LatestHandoffSchema(Schema):
    """Dumps `board.service.LatestHandoff`: the patient list's glance at the newest handoff."""

    id = fields.Integer()
    checklist = fields.String(metadata={"description": "The checklist key", "example": "ipass"})
    revision = fields.Integer(metadata={"description": "The current revision"})
    status = fields.String(metadata={"enum": ["draft", "final"]})
    illness_severity = fields.String(allow_none=True, metadata={
        "enum": ["unstable", "watcher", "stable", None], "description": "An I-PASS's illness severity"})
    acknowledged = fields.Boolean(metadata={"description": "The current revision is signed and has a receipt"})


class ListedPatientSchema(PatientSchema):
    """Dumps `patients.service.ListedPatient`: the patient's fields, and their latest handoff."""

    latest_handoff = fields.Nested(LatestHandoffSchema, dump_only=True, allow_none=True, metadata={
        "description": "The newest handoff started for this patient (any checklist), or null"})

    def get_attribute(self, obj, attr, default):
        return obj.latest_handoff if attr == "latest_handoff" else super().get_attribute(obj.patient, attr, default)


class PatientUpdateSchema(Schema):
    """PATCH: only the fields sent change."""

    unit = _unit()
    bed = _bed()
    preferred_language = fields.String(validate=validate.OneOf(LANGUAGES))

    @post_load
    def _something_to_change(self, data, **_kwargs):
        if not data:
            raise ValidationError("Send at least one of unit, bed, preferred_language.", field_name="_schema")
        return _blank_is_none(data)


class PatientQuerySchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Name or MRN"})
    unit = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Patients on this unit"})
