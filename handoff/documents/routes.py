"""Document routes: the patient summary (HTML, PDF), the clinician PDF, readability."""

from flask import Flask, Response, jsonify
from flask_smorest import Blueprint
from werkzeug.exceptions import ServiceUnavailable

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES
from ..errors import wants_json
from ..http import actor
from . import service
from .rendering import RenderUnavailable
from .schemas import ClinicianQuerySchema, DocumentQuerySchema, ReadabilityQuerySchema, ReadabilitySchema

blp = Blueprint("documents", __name__, url_prefix="/api/v1/handoffs", description="Documents of a handoff")


def pdf_response(body: bytes, filename: str, cache_hit: bool) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Document-Cache"] = "hit" if cache_hit else "miss"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/<int:handoff_id>/documents/patient-summary.html", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, content_type="text/html", description="The patient's take-home summary page")
def patient_summary_html(args, handoff_id):
    """Patient summary in plain language (`?lang=en|es`, `?revision=N`, `?large=true`)"""
    html = service.patient_summary_page(actor(), handoff_id, args.get("revision"), args.get("lang"), args["large"])
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@blp.route("/<int:handoff_id>/documents/patient-summary.pdf", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, content_type="application/pdf", description="The patient's take-home summary as PDF")
def patient_summary_pdf(args, handoff_id):
    """Patient summary as PDF"""
    body, hit = service.pdf(actor(), handoff_id, service.PATIENT_SUMMARY, args.get("revision"), args.get("lang"),
                            args["large"])
    return pdf_response(body, f"handoff-{handoff_id}-patient-summary.pdf", hit)


@blp.route("/<int:handoff_id>/documents/clinician.pdf", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(ClinicianQuerySchema, location="query")
@blp.response(200, content_type="application/pdf", description="The receiving clinician's handoff PDF")
def clinician_pdf(args, handoff_id):
    """Clinician handoff PDF (`?revision=N`)"""
    body, hit = service.pdf(actor(), handoff_id, service.CLINICIAN, args.get("revision"), None)
    return pdf_response(body, f"handoff-{handoff_id}-clinician.pdf", hit)


@blp.route("/<int:handoff_id>/readability", methods=["GET"])
@requires(*CLINICAL_ROLES)
@blp.arguments(ReadabilityQuerySchema, location="query")
@blp.response(200, ReadabilitySchema)
def readability(args, handoff_id):
    """Reading grade of the patient summary and the hard terms left in it"""
    return service.readability(actor(), handoff_id, args.get("lang"))


def init_app(app: Flask) -> None:
    app.register_error_handler(RenderUnavailable, _render_unavailable)


def _render_unavailable(error: RenderUnavailable):
    """503 with Retry-After: the render was stopped at its time limit, or none finished while the request waited.

    Nothing in the request is wrong and a later try may well succeed (the render goes on being made or the
    load passes), so it is the server's answer, not a 4xx; the body has the one error shape (errors.py)."""
    headers = {"Retry-After": str(error.retry_after)}
    if not wants_json():
        return ServiceUnavailable(error.message).get_response(), 503, headers
    response = jsonify({"code": 503, "status": "Service Unavailable", "message": error.message, "errors": []})
    response.status_code = 503
    response.headers.update(headers)
    return response
