"""Checklist routes: list, read (any signed-in user), publish (admin)."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import ROLES
from ..http import actor
from ..idempotency import idempotent
from . import service
from .schemas import ChecklistDocumentSchema, ChecklistPublishSchema, ChecklistQuerySchema, ChecklistSummarySchema

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
    @blp.arguments(ChecklistPublishSchema)
    @blp.doc(requestBody={"content": {"application/json": {"schema": ChecklistDocumentSchema}}})
    @blp.response(201, ChecklistDocumentSchema)
    def post(self, definition):
        """Publish a definition; the same key becomes its next version"""
        checklist = service.publish(actor(), definition)
        location = f"{request.path.rstrip('/')}/{checklist.key}?version={checklist.version}"
        return service.as_document(checklist), 201, {"Location": location}


@blp.route("/<string:key>")
class ChecklistDetail(MethodView):
    @requires(*ROLES)
    @blp.arguments(ChecklistQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ChecklistDocumentSchema)
    def get(self, key, version=None):
        """Latest definition, or `?version=N`"""
        return service.as_document(service.get(key, version))
