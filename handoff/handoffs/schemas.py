"""Handoff API shapes: what requests may carry, and how handoffs, revisions and receipts are shown.

`data` is checked against the handoff's checklist by the service, with the schemas that
checklist generates (see handoff/checklists/). The output schemas dump the service's
`HandoffView`, `Revision` and `Acknowledgement` objects; nothing else builds these bodies.
"""

from marshmallow import Schema, fields, validate

from ..api_fields import ID_RANGE, Id, Username, UtcDateTime, not_blank
from ..common import iso
from ..database import MAX_ID
from ..pagination import PageArgsSchema
from .models import DRAFT, FINAL


class ChecklistRefField(fields.Field):
    """A checklist key ("discharge": the latest version) or {"key", "version"} as handoffs show it."""

    default_error_messages = {"invalid": 'Use a checklist key such as "discharge", or {{"key": ..., "version": N}}.'}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and 0 < len(value) <= 64:
            return {"key": value, "version": None}
        if isinstance(value, dict) and set(value) <= {"key", "version"}:
            key, version = value.get("key"), value.get("version")
            if isinstance(key, str) and 0 < len(key) <= 64 and (
                version is None or (type(version) is int and 0 < version <= MAX_ID)
            ):
                return {"key": key, "version": version}
        raise self.make_error("invalid")


class HandoffCreateSchema(Schema):
    patient_id = fields.Integer(required=True, validate=ID_RANGE)
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
    reason = fields.String(validate=[validate.Length(min=1, max=2000), not_blank],
                           metadata={"description": "Required when amending a final handoff"})


class HandoffQuerySchema(PageArgsSchema):
    patient_id = Id()
    status = fields.String(validate=validate.OneOf([DRAFT, FINAL]))
    checklist = fields.String(validate=validate.Length(max=64))
    awaiting_acknowledgement = fields.Boolean(
        metadata={"description": "true: signed handoffs that I neither signed nor acknowledged (my inbox)"})


class AcknowledgeSchema(Schema):
    revision = fields.Integer(required=True, validate=ID_RANGE)
    synthesis = fields.String(required=True, validate=[validate.Length(min=1, max=4000), not_blank],
                              metadata={"description": "The receiver's summary in their own words"})


class DiffQuerySchema(Schema):
    from_ = Id(data_key="from")
    to = Id()


class ChecklistRefSchema(Schema):
    key = fields.String()
    version = fields.Integer()


class AcknowledgementSchema(Schema):
    id = fields.Integer()
    revision = fields.Integer(attribute="revision_number")
    by = Username(attribute="user")
    role = fields.String(attribute="user.role")
    synthesis = fields.String()
    created_at = UtcDateTime()


class HandoffSchema(Schema):
    """Dumps a `HandoffView`."""

    id = fields.Integer(attribute="handoff.id")
    patient_id = fields.Integer(attribute="handoff.patient_id")
    checklist = fields.Nested(ChecklistRefSchema, attribute="handoff.checklist_ref")
    revision = fields.Integer(attribute="handoff.current_revision")
    status = fields.String(attribute="handoff.status", metadata={"enum": [DRAFT, FINAL]})
    data = fields.Dict(attribute="revision.data")
    content_hash = fields.String(attribute="revision.content_hash")
    created_at = UtcDateTime(attribute="handoff.created_at")
    updated_at = UtcDateTime(attribute="handoff.updated_at")
    updated_by = Username(attribute="handoff.updated_by")
    finalized_by = Username(attribute="handoff.finalized_by", allow_none=True)
    finalized_at = UtcDateTime(attribute="handoff.finalized_at", allow_none=True)
    acknowledgements = fields.List(fields.Nested(AcknowledgementSchema))


class FinalizedHandoffSchema(HandoffSchema):
    warnings = fields.List(fields.Dict(), metadata={"description": "Advice that does not block signing"})


def _signed_by(revision) -> str | None:
    return revision.signature.signed_by.username if revision.signature else None


def _signed_at(revision) -> str | None:
    return iso(revision.signature.signed_at) if revision.signature else None


class RevisionSummarySchema(Schema):
    """Dumps a `Revision`."""

    number = fields.Integer()
    author = Username()
    created_at = UtcDateTime()
    status = fields.String()
    content_hash = fields.String()
    reason = fields.String(allow_none=True)
    signed_by = fields.Function(_signed_by, metadata={"type": "string", "nullable": True})
    signed_at = fields.Function(_signed_at, metadata={"type": "string", "nullable": True})


class RevisionSchema(RevisionSummarySchema):
    handoff_id = fields.Integer()
    checklist = fields.Nested(ChecklistRefSchema, attribute="handoff.checklist_ref")
    data = fields.Dict()


class ChangeSchema(Schema):
    path = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
