"""Patient routes: thin: parse, call the service, serialise."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES
from ..http import actor, page_headers
from ..idempotency import idempotent
from ..openapi_links import PATIENT_CREATED
from . import service
from .schemas import ListedPatientSchema, PatientQuerySchema, PatientSchema, PatientUpdateSchema

# Each view declares its whole contract in its decorators (idempotency, roles, body, answer), as
# flask-smorest intends, so the stacks of similar routes look alike by design (`duplicates` lists them).
blp = Blueprint("patients", __name__, url_prefix="/api/v1/patients", description="Patients")


@blp.route("")
class Patients(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.arguments(PatientQuerySchema, location="query")
    @blp.response(200, ListedPatientSchema(many=True))
    def get(self, args):
        """Search patients by name or MRN (paginated: X-Total-Count, Link), each with their latest handoff"""
        page = service.search(actor(), args.get("q"), args["page"], args["per_page"], unit=args.get("unit"))
        return page.items, 200, page_headers(page)

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.arguments(PatientSchema)
    @blp.response(201, PatientSchema)
    @blp.doc(**PATIENT_CREATED)
    @blp.alt_response(409, description="An MRN that is already registered")
    def post(self, fields):
        """Register a patient"""
        patient = service.create(actor(), fields)
        return patient, 201, {"Location": url_for("patients.PatientDetail", patient_id=patient.id)}


@blp.route("/<int:patient_id>")
class PatientDetail(MethodView):
    @requires(*CLINICAL_ROLES)
    @blp.response(200, PatientSchema)
    def get(self, patient_id):
        """One patient"""
        return service.read(actor(), patient_id)

    @idempotent
    @requires(*CLINICAL_ROLES)
    @blp.arguments(PatientUpdateSchema)
    @blp.response(200, PatientSchema)
    def patch(self, changes, patient_id):
        """Change a patient's unit, bed or preferred language (only the fields sent)"""
        return service.update(actor(), patient_id, changes)
