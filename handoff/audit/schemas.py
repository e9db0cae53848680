"""Audit API: query arguments and the event shape."""

from datetime import UTC

from marshmallow import Schema, fields, validate

from ..api_fields import Id, UtcDateTime


class AuditQuerySchema(Schema):
    handoff_id = Id()
    patient_id = Id()
    username = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "ISO 8601; UTC if no zone"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    username = fields.String()
    action = fields.String()
    record_type = fields.String()
    record_id = fields.String(allow_none=True)
    patient_id = fields.Integer(allow_none=True)
    handoff_id = fields.Integer(allow_none=True)
    client_addr = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)
    sequence = fields.Integer(allow_none=True, metadata={"description": "place in the hash chain; null until sealed"})
    prev_hash = fields.String(allow_none=True, metadata={"description": "null until sealed"})
    hash = fields.String(allow_none=True, metadata={"description": "null until sealed"})


class ChainReportSchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    broken_at = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    unsealed = fields.Integer(metadata={"description": "events recorded but not yet sealed into the chain"})


class ChainHeadSchema(Schema):
    """The newest sealed link; keep it outside the database to detect a truncated chain later."""

    sequence = fields.Integer(metadata={"description": "number of sealed events; 0 for an empty chain"})
    hash = fields.String(metadata={"description": "hash of the newest sealed event (the genesis hash if none)"})
    event_id = fields.Integer(allow_none=True)
    at = fields.String(allow_none=True, metadata={"description": "when the newest sealed event happened (ISO, UTC)"})
