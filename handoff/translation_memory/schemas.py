"""Translation memory API shapes (DESIGN 3.6)."""

from marshmallow import Schema, fields, validate

from ..api_fields import Username, UtcDateTime, not_blank
from ..languages import LANGUAGES
from ..pagination import PageArgsSchema


class TranslationCreateSchema(Schema):
    lang = fields.String(required=True, validate=validate.OneOf(LANGUAGES),
                         metadata={"description": "The language of `text`: a shipped summary language"})
    source = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank],
                           metadata={"description": "The free text as typed (matched ignoring case and spacing)"})
    text = fields.String(required=True, validate=[validate.Length(min=1, max=4000), not_blank],
                         metadata={"description": "What `source` says, in `lang`"})


class TranslationQuerySchema(PageArgsSchema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words in the source or text"})


class TranslationSchema(Schema):
    id = fields.Integer()
    lang = fields.String()
    source = fields.String()
    text = fields.String()
    created_by = Username(allow_none=True, metadata={"description": "null for the built-in phrase library"})
    created_at = UtcDateTime()
    builtin = fields.Boolean()
    reviewed = fields.Boolean()
    author = fields.String(allow_none=True)
