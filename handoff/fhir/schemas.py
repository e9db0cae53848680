"""Query arguments of the FHIR routes."""

from marshmallow import Schema

from ..api_fields import Id


class DocumentQuerySchema(Schema):
    revision = Id(metadata={"description": "A signed revision; default: the latest signed one"})


class ResponseQuerySchema(Schema):
    revision = Id(metadata={"description": "Any revision; default: the current one"})


class QuestionnaireQuerySchema(Schema):
    version = Id(metadata={"description": "A checklist version; default: the latest"})
