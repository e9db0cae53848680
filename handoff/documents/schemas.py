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


class UntranslatedSchema(Schema):
    path = fields.String(metadata={"description": "Where the text is, under data"})
    text = fields.String(metadata={"description": "Exactly what a translation's source must match"})


class FormulaSchema(Schema):
    name = fields.String(metadata={"enum": ["flesch_kincaid", "smog", "szigriszt_pazos", "crawford"]})
    grade = fields.Float()
    score = fields.Float(allow_none=True, metadata={"description": "Szigriszt-Pazos perspicuity (INFLESZ scale)"})
    band = fields.String(allow_none=True, metadata={"description": "INFLESZ band, e.g. \"bastante fácil\""})


class ReadabilitySchema(Schema):
    grade_level = fields.Float(metadata={"description": "The highest grade of `formulas` (the strictest), with text "
                                                        "left in another language counted as hard; names, medicine "
                                                        "names, dates and times are not counted"})
    strictest_grade = fields.Float(metadata={"description": "The same as `grade_level` (its second-release name)"})
    formulas = fields.List(fields.Nested(FormulaSchema))
    target = fields.Integer()
    flagged_terms = fields.List(fields.Nested(FlaggedTermSchema))
    untranslated = fields.List(fields.Nested(UntranslatedSchema),
                               metadata={"description": "Patient-visible free text not in the summary's language"})
    lang = fields.String()
    revision = fields.Integer()
