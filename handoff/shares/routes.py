"""Share routes: create and revoke (clinicians, API), and the patient's own pages under /p/."""

from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask_smorest import Blueprint as ApiBlueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES
from ..documents import service as documents
from ..errors import keep_writes_if_asked
from ..http import actor
from ..idempotency import idempotent
from . import service
from .schemas import PatientPageQuerySchema, ShareCreateSchema, ShareSchema

# Each view declares its whole contract in its decorators (idempotency, roles, body, answer), as
# flask-smorest intends, so the stacks of similar routes look alike by design (`duplicates` lists them).
blp = ApiBlueprint("shares", __name__, url_prefix="/api/v1", description="Take-home links for patients")
pages = Blueprint("patient_pages", __name__, url_prefix="/p")

PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@blp.route("/handoffs/<int:handoff_id>/share", methods=["POST"])
@idempotent
@requires(*CLINICAL_ROLES)
@blp.arguments(ShareCreateSchema)
@blp.response(201, ShareSchema)
def create_share(args, handoff_id):
    """Make a take-home link (signed handoffs only) with a QR code"""
    return service.create(actor(), handoff_id, args.get("expires_in_days"))


@blp.route("/shares/<int:share_id>", methods=["DELETE"])
@requires(*CLINICAL_ROLES)
@blp.response(204)
def revoke_share(share_id):
    """Revoke a take-home link at once"""
    service.revoke(actor(), share_id)


@pages.errorhandler(service.ShareNotFound)
def _not_found(error: service.ShareNotFound) -> Response:
    keep_writes_if_asked(error)  # a wrong guess is counted and audited
    html = render_template("documents/link_not_found.html")
    return Response(html, status=404, mimetype="text/html", headers=PRIVATE)


@pages.get("/<string:token>")
def open_link(token: str):
    """Trade the token for a short-lived cookie, then show the summary at a clean URL."""
    as_pdf = token.endswith(".pdf")
    cookie = service.exchange(actor(), token.removesuffix(".pdf"))
    response = redirect("/p/summary.pdf" if as_pdf else "/p/summary", code=303)
    response.set_cookie(service.COOKIE, cookie, max_age=service.COOKIE_MINUTES * 60, httponly=True,
                        samesite="Lax", path="/p", secure=current_app.config["SESSION_COOKIE_SECURE"])
    response.headers.update(PRIVATE)
    return response


def _page_args():
    return PatientPageQuerySchema().load(request.args)


@pages.get("/summary")
def summary_page():
    link = service.from_cookie(request.cookies.get(service.COOKIE))
    html = documents.patient_summary_page(actor(), link.handoff_id, link.revision_number, _page_args()["lang"],
                                          large_print=True, audit_action="share.view")
    return Response(html, mimetype="text/html", headers=PRIVATE)


@pages.get("/summary.pdf")
def summary_pdf():
    link = service.from_cookie(request.cookies.get(service.COOKIE))
    body, _hit = documents.pdf(actor(), link.handoff_id, documents.PATIENT_SUMMARY, link.revision_number,
                               _page_args()["lang"], large_print=True, audit_action="share.view")
    return Response(body, mimetype="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": 'inline; filename="my-plan.pdf"'})
