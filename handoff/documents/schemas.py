"""Query arguments of the document routes."""

from marshmallow import Schema, fields, validate

from ..api_fields import Id
from ..languages import LANGUAGES


class DocumentQuerySchema(Schema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "Default: the patient's"})
    revision = Id()
    large = fields.Boolean(load_default=False, metadata={"description": "Large print (18 pt)"})


class ClinicianQuerySchema(Schema):
    revision = Id()


class ReadabilityQuerySchema(Schema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES))


class FlaggedTermSchema(Schema):
    term = fields.String()
    suggestion = fields.String()


class ReadabilitySchema(Schema):
    grade_level = fields.Float()
    target = fields.Integer()
    flagged_terms = fields.List(fields.Nested(FlaggedTermSchema))
    lang = fields.String()
    revision = fields.Integer()
