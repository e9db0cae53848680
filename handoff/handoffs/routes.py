"""Handoff routes: thin: parse, call the service, serialise, set ETag and Location."""

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.models import CLINICAL_ROLES
from ..auth.service import requires
from ..documents import service as documents
from ..idempotency import idempotent
from . import service
from .schemas import (
    AcknowledgementSchema,
    AcknowledgeSchema,
    ChangeSchema,
    DiffQuerySchema,
    FinalizedHandoffSchema,
    HandoffCreateSchema,
    HandoffQuerySchema,
    HandoffSchema,
    HandoffUpdateSchema,
    RevisionSchema,
    RevisionSummarySchema,
)

blp = Blueprint("handoffs", __name__, url_prefix="/api/v1/handoffs", description="Handoffs and their revisions")

IF_MATCH = {"parameters": [{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
                            "description": "The ETag of the handoff as last read"}]}


def _etag(handoff) -> dict:
    return {"ETag": f'"{service.etag(handoff)}"'}


@blp.route("")
class Handoffs(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.arguments(HandoffQuerySchema, location="query")
    @blp.response(200, HandoffSchema(many=True))
    def get(self, args):
        """List handoffs, newest change first (paginated: X-Total-Count, Link)"""
        page, per_page = args.pop("page"), args.pop("per_page")
        bodies, headers = service.search(args, page, per_page, g.user)
        return bodies, 200, headers

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.arguments(HandoffCreateSchema)
    @blp.response(201, HandoffSchema)
    def post(self, args):
        """Start a handoff for a patient (revision 1, draft)"""
        checklist = args["checklist"]
        handoff = service.create(args["patient_id"], checklist["key"], args["data"], g.user, checklist["version"])
        headers = {**_etag(handoff), "Location": url_for("handoffs.HandoffDetail", handoff_id=handoff.id)}
        return service.body(handoff), 201, headers


@blp.route("/<int:handoff_id>")
class HandoffDetail(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.response(200, HandoffSchema)
    def get(self, handoff_id):
        """The latest revision of a handoff"""
        handoff, body = service.read(handoff_id)
        return body, 200, _etag(handoff)

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.doc(**IF_MATCH)
    @blp.arguments(HandoffUpdateSchema)
    @blp.response(200, HandoffSchema)
    def put(self, args, handoff_id):
        """Save a new revision (If-Match required; a signed handoff needs a reason)"""
        handoff = service.save(handoff_id, args["data"], args.get("reason"), g.user, service.if_match_from_request())
        return service.body(handoff), 200, _etag(handoff)


@blp.route("/<int:handoff_id>/finalize", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.doc(**IF_MATCH)
@blp.response(200, FinalizedHandoffSchema)
def finalize(handoff_id):
    """Sign the current revision; 422 lists every missing or invalid field"""
    handoff = service.finalize(handoff_id, g.user, service.if_match_from_request())
    # Reading grade and hard terms of the patient summary: advice, never a refusal.
    warnings = documents.finalize_warnings(handoff)
    return {**service.body(handoff), "warnings": warnings}, 200, _etag(handoff)


@blp.route("/<int:handoff_id>/acknowledge", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.arguments(AcknowledgeSchema)
@blp.response(201, AcknowledgementSchema)
def acknowledge(args, handoff_id):
    """Confirm receipt of a signed revision, with the receiver's synthesis"""
    ack = service.acknowledge(handoff_id, args["revision"], args["synthesis"], g.user)
    return service.acknowledgement_body(ack), 201


@blp.route("/<int:handoff_id>/revisions", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.response(200, RevisionSummarySchema(many=True))
def revisions(handoff_id):
    """Every revision, oldest first"""
    return service.revisions(handoff_id)


@blp.route("/<int:handoff_id>/revisions/<int:number>", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.response(200, RevisionSchema)
def revision(handoff_id, number):
    """One revision, with its data"""
    return service.read_revision(handoff_id, number)


@blp.route("/<int:handoff_id>/diff", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(DiffQuerySchema, location="query")
@blp.response(200, ChangeSchema(many=True))
def diff(args, handoff_id):
    """What changed between revisions `from` and `to` (default: the last two)"""
    return service.changes(handoff_id, args.get("from_"), args.get("to"))
