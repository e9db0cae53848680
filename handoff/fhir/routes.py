"""FHIR routes (DESIGN 3.8): thin: parse, call the service, answer `application/fhir+json`."""

import json

from flask import Response
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES, ROLES
from ..http import actor
from . import service
from .schemas import DocumentQuerySchema, QuestionnaireQuerySchema, ResourceSchema, ResponseQuerySchema

FHIR_JSON = "application/fhir+json"

blp = Blueprint("fhir", __name__, url_prefix="/api/v1", description="FHIR R4 export")


def fhir_response(resource: dict) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype=FHIR_JSON, headers={"Cache-Control": "no-store"})


@blp.route("/handoffs/<int:handoff_id>/fhir", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, ResourceSchema, content_type=FHIR_JSON, description="A FHIR R4 Bundle of type document")
def handoff_document(args, handoff_id):
    """A signed revision as a FHIR document (`?revision=N`; default the latest signed; 409 if none or a draft)"""
    return fhir_response(service.document(actor(), handoff_id, args.get("revision")))


@blp.route("/handoffs/<int:handoff_id>/fhir/questionnaire-response", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(ResponseQuerySchema, location="query")
@blp.response(200, ResourceSchema, content_type=FHIR_JSON, description="A FHIR R4 QuestionnaireResponse")
def handoff_questionnaire_response(args, handoff_id):
    """A revision's data as a QuestionnaireResponse to its checklist version (`?revision=N`)"""
    return fhir_response(service.questionnaire_response(actor(), handoff_id, args.get("revision")))


@blp.route("/checklists/<string:key>/fhir", methods=["GET"])
@requires(*ROLES)
@blp.arguments(QuestionnaireQuerySchema, location="query")
@blp.response(200, ResourceSchema, content_type=FHIR_JSON, description="A FHIR R4 Questionnaire")
def checklist_questionnaire(args, key):
    """A checklist version as a FHIR Questionnaire (`?version=N`; default the latest)"""
    return fhir_response(service.questionnaire(key, args.get("version")))
