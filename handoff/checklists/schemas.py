"""Checklist API shapes."""

from marshmallow import INCLUDE, Schema, fields, validate


class ChecklistSummarySchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String()


class ChecklistQuerySchema(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class ChecklistDocumentSchema(Schema):
    """A whole definition (sections and fields nest freely; see docs/checklists in the README)."""

    class Meta:
        unknown = INCLUDE

    key = fields.String(required=True, metadata={"example": "discharge"})
    title = fields.String(required=True)
    description = fields.String()
    sections = fields.List(fields.Dict(), required=True)
    rules = fields.List(fields.Dict())
    version = fields.Integer(dump_only=True)
