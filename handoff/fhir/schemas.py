"""Query arguments of the FHIR routes."""

from marshmallow import Schema, fields

from ..api_fields import Id


class DocumentQuerySchema(Schema):
    revision = Id(metadata={"description": "A signed revision; default: the latest signed one"})


class ResponseQuerySchema(Schema):
    revision = Id(metadata={"description": "Any revision; default: the current one"})


class QuestionnaireQuerySchema(Schema):
    version = Id(metadata={"description": "A checklist version; default: the latest"})


class ResourceSchema(Schema):
    """For the OpenAPI document only: a FHIR R4 resource in JSON (routes send the resource as built)."""

    resourceType = fields.String(required=True, metadata={"example": "Bundle"})  # noqa: N815 (FHIR's name)
    id = fields.String()
