"""Handoff routes: thin: parse, call the service, serialise, set ETag and Location."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES
from ..documents import service as documents
from ..http import actor, if_match_tags, page_headers
from ..idempotency import idempotent
from ..openapi_links import HANDOFF_CREATED, HANDOFF_SAVED, HANDOFF_SIGNED
from . import service
from .models import HandoffState
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

# Each view declares its whole contract in its decorators (idempotency, roles, body, answer), as
# flask-smorest intends, so the stacks of similar routes look alike by design (`duplicates` lists them).
blp = Blueprint("handoffs", __name__, url_prefix="/api/v1/handoffs", description="Handoffs and their revisions")

IF_MATCH = {"parameters": [{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
                            "description": "The ETag of the handoff as last read"}]}


def _etag(view: service.HandoffView) -> dict:
    return {"ETag": f'"{view.handoff.state.tag}"'}


def _expected() -> set[HandoffState] | None:
    """The states `If-Match` names (None for `*`); a tag this app never sent matches no state."""
    tags = if_match_tags()
    return None if tags is None else {state for state in map(HandoffState.from_tag, tags) if state}


@blp.route("")
class Handoffs(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.arguments(HandoffQuerySchema, location="query")
    @blp.response(200, HandoffSchema(many=True))
    def get(self, args):
        """List handoffs, newest change first (paginated: X-Total-Count, Link)"""
        page = service.search(actor(), args, args.pop("page"), args.pop("per_page"))
        return page.items, 200, page_headers(page)

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.arguments(HandoffCreateSchema)
    @blp.response(201, HandoffSchema)
    @blp.doc(**HANDOFF_CREATED)
    def post(self, args):
        """Start a handoff for a patient (revision 1, draft)"""
        checklist = args["checklist"]
        view = service.create(actor(), args["patient_id"], checklist["key"], args["data"], checklist["version"])
        location = url_for("handoffs.HandoffDetail", handoff_id=view.handoff.id)
        return view, 201, {**_etag(view), "Location": location}


@blp.route("/<int:handoff_id>")
class HandoffDetail(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.response(200, HandoffSchema)
    def get(self, handoff_id):
        """The latest revision of a handoff"""
        view = service.read(actor(), handoff_id)
        return view, 200, _etag(view)

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.doc(**IF_MATCH)
    @blp.arguments(HandoffUpdateSchema)
    @blp.response(200, HandoffSchema)
    @blp.doc(**HANDOFF_SAVED)
    def put(self, args, handoff_id):
        """Save a new revision (If-Match required; a signed handoff needs a reason)"""
        view = service.save(actor(), handoff_id, args["data"], args.get("reason"), _expected())
        return view, 200, _etag(view)


@blp.route("/<int:handoff_id>/finalize", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.doc(**IF_MATCH)
@blp.response(200, FinalizedHandoffSchema)
@blp.doc(**HANDOFF_SIGNED)
def finalize(handoff_id):
    """Sign the current revision; 422 lists every missing or invalid field"""
    view = service.finalize(actor(), handoff_id, _expected())
    # Reading grade and hard terms of the patient summary: advice, never a refusal.
    view.warnings = documents.finalize_warnings(view)
    return view, 200, _etag(view)


@blp.route("/<int:handoff_id>/acknowledge", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.arguments(AcknowledgeSchema)
@blp.response(201, AcknowledgementSchema)
def acknowledge(args, handoff_id):
    """Confirm receipt of a signed revision, with the receiver's synthesis"""
    return service.acknowledge(actor(), handoff_id, args["revision"], args["synthesis"])


@blp.route("/<int:handoff_id>/revisions", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.response(200, RevisionSummarySchema(many=True))
def revisions(handoff_id):
    """Every revision, oldest first"""
    return service.revisions(actor(), handoff_id)


@blp.route("/<int:handoff_id>/revisions/<int:number>", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.response(200, RevisionSchema)
def revision(handoff_id, number):
    """One revision, with its data"""
    return service.read_revision(actor(), handoff_id, number)


@blp.route("/<int:handoff_id>/diff", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(DiffQuerySchema, location="query")
@blp.response(200, ChangeSchema(many=True))
def diff(args, handoff_id):
    """What changed between revisions `from` and `to` (default: the last two)"""
    return service.changes(actor(), handoff_id, args.get("from_"), args.get("to"))
