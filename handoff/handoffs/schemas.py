"""Handoff API shapes. `data` is checked against the handoff's checklist by the service,
with the schemas that checklist generates (see handoff/checklists/forms.py)."""

from marshmallow import Schema, ValidationError, fields, validate

from ..pagination import PageArgsSchema
from .models import DRAFT, FINAL

ID = validate.Range(min=1, max=2**31 - 1)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class ChecklistRefField(fields.Field):
    """A checklist key ("discharge": the latest version) or {"key", "version"} as handoffs show it."""

    default_error_messages = {"invalid": 'Use a checklist key such as "discharge", or {{"key": ..., "version": N}}.'}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and 0 < len(value) <= 64:
            return {"key": value, "version": None}
        if isinstance(value, dict) and set(value) <= {"key", "version"}:
            key, version = value.get("key"), value.get("version")
            if isinstance(key, str) and 0 < len(key) <= 64 and (
                version is None or (type(version) is int and 0 < version < 2**31)
            ):
                return {"key": key, "version": version}
        raise self.make_error("invalid")


class HandoffCreateSchema(Schema):
    patient_id = fields.Integer(required=True, validate=ID)
    checklist = ChecklistRefField(
        required=True,
        metadata={"description": "Checklist key (latest version) or {key, version}", "example": "discharge",
                  "oneOf": [{"type": "string", "minLength": 1, "maxLength": 64},
                            {"type": "object", "properties": {"key": {"type": "string"},
                                                              "version": {"type": "integer", "minimum": 1}},
                             "required": ["key"], "additionalProperties": False}]},
    )
    data = fields.Dict(load_default=dict, metadata={"description": "Field values keyed as in the checklist"})


class HandoffUpdateSchema(Schema):
    data = fields.Dict(required=True)
    reason = fields.String(validate=[validate.Length(min=1, max=2000), _not_blank],
                           metadata={"description": "Required when amending a final handoff"})


class HandoffQuerySchema(PageArgsSchema):
    patient_id = fields.Integer(validate=ID)
    status = fields.String(validate=validate.OneOf([DRAFT, FINAL]))
    checklist = fields.String(validate=validate.Length(max=64))
    awaiting_acknowledgement = fields.Boolean(
        metadata={"description": "true: signed handoffs that I neither signed nor acknowledged (my inbox)"})


class AcknowledgeSchema(Schema):
    revision = fields.Integer(required=True, validate=ID)
    synthesis = fields.String(required=True, validate=[validate.Length(min=1, max=4000), _not_blank],
                              metadata={"description": "The receiver's summary in their own words"})


class DiffQuerySchema(Schema):
    from_ = fields.Integer(data_key="from", validate=ID)
    to = fields.Integer(validate=ID)


class ChecklistRefSchema(Schema):
    key = fields.String()
    version = fields.Integer()


class AcknowledgementSchema(Schema):
    id = fields.Integer()
    revision = fields.Integer()
    by = fields.String()
    role = fields.String()
    synthesis = fields.String()
    created_at = fields.String()


class HandoffSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    checklist = fields.Nested(ChecklistRefSchema)
    revision = fields.Integer()
    status = fields.String(metadata={"enum": [DRAFT, FINAL]})
    data = fields.Dict()
    content_hash = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    updated_by = fields.String()
    finalized_by = fields.String(allow_none=True)
    finalized_at = fields.String(allow_none=True)
    acknowledgements = fields.List(fields.Nested(AcknowledgementSchema))


class FinalizedHandoffSchema(HandoffSchema):
    warnings = fields.List(fields.Dict(), metadata={"description": "Advice that does not block signing"})


class RevisionSummarySchema(Schema):
    number = fields.Integer()
    author = fields.String()
    created_at = fields.String()
    status = fields.String()
    content_hash = fields.String()
    reason = fields.String(allow_none=True)
    signed_by = fields.String(allow_none=True)
    signed_at = fields.String(allow_none=True)


class RevisionSchema(RevisionSummarySchema):
    handoff_id = fields.Integer()
    checklist = fields.Nested(ChecklistRefSchema)
    data = fields.Dict()


class ChangeSchema(Schema):
    path = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
