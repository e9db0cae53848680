"""Checklist API shapes."""

from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validates_schema

from ..api_fields import Id
from .definition import validate_definition


class ChecklistSummarySchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String()


class ChecklistQuerySchema(Schema):
    version = Id()


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


class ChecklistPublishSchema(Schema):
    """A definition to publish: checked whole by the meta-schema (which names exact paths such as
    `sections.0.fields.2.type`), then kept exactly as posted, so a GET posts back unchanged."""

    class Meta:
        unknown = INCLUDE

    @validates_schema(pass_original=True)
    def _is_a_valid_definition(self, _data, original, **_kwargs):
        problems = validate_definition(original)
        if problems:
            messages: dict[str, list[str]] = {}
            for problem in problems:
                messages.setdefault(problem["path"], []).append(problem["message"])
            raise ValidationError(messages)

    @post_load(pass_original=True)
    def _as_posted(self, _data, original, **_kwargs):
        return original
