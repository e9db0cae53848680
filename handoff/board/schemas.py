"""Board API shapes (DESIGN 3.7)."""

from marshmallow import Schema, fields, validate

from ..api_fields import ID_RANGE, not_blank
from ..handoffs.schemas import HandoffSchema
from ..patients.schemas import PatientSchema


class BoardQuerySchema(Schema):
    unit = fields.String(required=True, validate=[validate.Length(min=1, max=64), not_blank],
                         metadata={"description": "The unit, exactly as on its patients"})


class BoardRowSchema(Schema):
    """Dumps `board.service.BoardRow`."""

    patient = fields.Nested(PatientSchema)
    handoff = fields.Nested(HandoffSchema, allow_none=True, metadata={"description": "The latest I-PASS handoff"})
    illness_severity = fields.String(allow_none=True, metadata={"enum": ["unstable", "watcher", "stable", None]})
    open_actions = fields.Integer()
    acknowledged = fields.Boolean(metadata={"description": "The latest I-PASS's current signed revision has a receipt"})


class BoardItemSchema(Schema):
    handoff_id = fields.Integer(required=True, validate=ID_RANGE)
    revision = fields.Integer(required=True, validate=ID_RANGE)
    synthesis = fields.String(required=True, validate=[validate.Length(min=1, max=4000), not_blank],
                              metadata={"description": "The receiver's synthesis, or 'read back, no changes'"})


class BoardAcknowledgeSchema(Schema):
    items = fields.List(fields.Nested(BoardItemSchema), required=True, validate=validate.Length(min=1, max=200))
