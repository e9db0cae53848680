"""Checklist routes: list, read (any signed-in user), publish (admin)."""

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.models import ROLES
from ..auth.service import requires
from ..errors import abort
from ..idempotency import idempotent
from . import service
from .schemas import ChecklistDocumentSchema, ChecklistQuerySchema, ChecklistSummarySchema

blp = Blueprint("checklists", __name__, url_prefix="/api/v1/checklists", description="Checklist definitions")


@blp.route("")
class Checklists(MethodView):
    @requires(*ROLES)
    @blp.response(200, ChecklistSummarySchema(many=True))
    def get(self):
        """Latest version of every checklist"""
        return service.latest_versions()

    @idempotent
    @requires("admin")
    @blp.doc(requestBody={"content": {"application/json": {"schema": ChecklistDocumentSchema}}})
    @blp.response(201)
    def post(self):
        """Publish a definition; the same key becomes its next version"""
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            abort(422, "Send the checklist definition as a JSON object.", [{"path": "", "message": "Not an object."}])
        checklist = service.publish(raw, g.user)
        location = f"{request.path.rstrip('/')}/{checklist.key}?version={checklist.version}"
        return service.as_document(checklist), 201, {"Location": location}


@blp.route("/<string:key>")
class ChecklistDetail(MethodView):
    @requires(*ROLES)
    @blp.arguments(ChecklistQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ChecklistDocumentSchema)
    def get(self, key, version=None):
        """Latest definition, or `?version=N`"""
        return service.as_document(service.get_or_404(key, version))
