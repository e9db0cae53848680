"""Share routes: create and revoke (clinicians, API), and the patient's own pages under /p/."""

from flask import Blueprint, Response, current_app, g, redirect, render_template, request
from flask_smorest import Blueprint as ApiBlueprint

from ..auth.models import CLINICAL_ROLES
from ..auth.service import requires
from ..documents import service as documents
from ..idempotency import idempotent
from . import service
from .schemas import ShareCreateSchema, ShareSchema

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
    link, token = service.create(handoff_id, args.get("expires_in_days"), g.user)
    return service.body(link, token)


@blp.route("/shares/<int:share_id>", methods=["DELETE"])
@requires(*CLINICAL_ROLES)
@blp.response(204)
def revoke_share(share_id):
    """Revoke a take-home link at once"""
    service.revoke(share_id, g.user)


def _not_found() -> Response:
    html = render_template("documents/link_not_found.html")
    return Response(html, status=404, mimetype="text/html", headers=PRIVATE)


@pages.get("/<string:token>")
def open_link(token: str):
    """Trade the token for a short-lived cookie, then show the summary at a clean URL."""
    as_pdf = token.endswith(".pdf")
    token = token.removesuffix(".pdf")
    if not (20 <= len(token) <= 100):
        return _not_found()
    try:
        cookie = service.exchange(token)
    except service.ShareNotFound:
        return _not_found()
    response = redirect("/p/summary.pdf" if as_pdf else "/p/summary", code=303)
    response.set_cookie(service.COOKIE, cookie, max_age=service.COOKIE_MINUTES * 60, httponly=True,
                        samesite="Lax", path="/p", secure=current_app.config["SESSION_COOKIE_SECURE"])
    response.headers.update(PRIVATE)
    return response


def _shared_link():
    try:
        return service.from_cookie(request.cookies.get(service.COOKIE))
    except service.ShareNotFound:
        return None


def _lang():
    lang = request.args.get("lang")
    return lang if lang in ("en", "es") else None


@pages.get("/summary")
def summary_page():
    link = _shared_link()
    if link is None:
        return _not_found()
    html = documents.patient_summary_page(link.handoff_id, link.revision_number, _lang(), large_print=True,
                                          audit_action="share.view")
    return Response(html, mimetype="text/html", headers=PRIVATE)


@pages.get("/summary.pdf")
def summary_pdf():
    link = _shared_link()
    if link is None:
        return _not_found()
    body, _hit = documents.pdf(link.handoff_id, documents.PATIENT_SUMMARY, link.revision_number, _lang(),
                               large_print=True, audit_action="share.view")
    return Response(body, mimetype="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": 'inline; filename="my-plan.pdf"'})
