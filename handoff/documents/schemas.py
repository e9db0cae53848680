"""Query arguments of the document routes."""

from marshmallow import Schema, fields, validate

from ..patients.models import LANGUAGES


class DocumentQuerySchema(Schema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "Default: the patient's"})
    revision = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    large = fields.Boolean(load_default=False, metadata={"description": "Large print (18 pt)"})


class ClinicianQuerySchema(Schema):
    revision = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


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
