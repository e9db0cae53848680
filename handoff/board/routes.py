"""Board routes: the unit's rows, and a receiver taking the unit over."""

from flask import Response
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES
from ..documents import service as documents
from ..handoffs.schemas import AcknowledgementSchema
from ..http import actor
from ..idempotency import idempotent
from . import service
from .schemas import BoardAcknowledgeSchema, BoardQuerySchema, BoardRowSchema

# Each view declares its whole contract in its decorators (idempotency, roles, body, answer), as
# flask-smorest intends, so the stacks of similar routes look alike by design (`duplicates` lists them).
blp = Blueprint("board", __name__, url_prefix="/api/v1", description="Shift change for a whole unit")


@blp.route("/board", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(BoardQuerySchema, location="query")
@blp.response(200, BoardRowSchema(many=True))
def board(args):
    """One row per patient on the unit: unstable, watcher, stable, none, then by bed"""
    return service.rows(actor(), args["unit"])


@blp.route("/board.pdf", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(BoardQuerySchema, location="query")
@blp.response(200, content_type="application/pdf", description="The unit's printable I-PASS handoff sheet")
def sheet(args):
    """The unit handoff sheet: every patient's latest I-PASS in board order, page N of M"""
    body = documents.board_sheet_pdf(actor(), args["unit"])
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="unit-handoff-sheet.pdf"', "Cache-Control": "no-store"})


@blp.route("/board/acknowledge", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.arguments(BoardAcknowledgeSchema)
@blp.response(201, AcknowledgementSchema(many=True))
def acknowledge(args):
    """Take over the unit: a receipt for every item, or none (a refused item is named by its index)"""
    return service.acknowledge_all(actor(), args["items"])
