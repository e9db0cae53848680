"""Share routes: create (clinicians) and revoke (any staff), and the patient's own pages under /p/."""

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from flask_babel import force_locale, gettext
from flask_smorest import Blueprint as ApiBlueprint

from ..auth.access import requires
from ..auth.models import CLINICAL_ROLES, ROLES
from ..documents import service as documents
from ..domain import RateLimited
from ..errors import keep_writes_if_asked
from ..http import actor
from ..idempotency import idempotent
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
from ..openapi_links import SHARE_CREATED
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
@blp.doc(**SHARE_CREATED)
def create_share(args, handoff_id):
    """Make a take-home link (signed handoffs only) with a QR code"""
    return service.create(actor(), handoff_id, args.get("expires_in_days"))


@blp.route("/shares/<int:share_id>", methods=["DELETE"])
@requires(*ROLES)
@blp.response(204)
def revoke_share(share_id):
    """Revoke a take-home link at once (any nurse, physician or admin, whoever made it)"""
    service.revoke(actor(), share_id)


@pages.errorhandler(service.ShareNotFound)
def _not_found(error: service.ShareNotFound) -> Response:
    keep_writes_if_asked(error)  # a wrong guess is counted and audited
    html = render_template("documents/link_not_found.html")
    return Response(html, status=404, mimetype="text/html", headers=PRIVATE)


def patient_language() -> str | None:
    """The language of a page shown before any link opens (too many tries).

    The token being tried is not read: a page in the patient's language for a valid token and
    in another for a guess would tell a guesser which tokens are real, the very thing the limit
    stops. A browser that already opened its link carries the share cookie, which names the
    patient, so their recorded language is used; otherwise the phone's `Accept-Language`, which
    a patient set to their own language. None when neither matches a shipped language.
    """
    lang = service.cookie_language(request.cookies.get(service.COOKIE))
    return lang if lang in LANGUAGES else request.accept_languages.best_match(LANGUAGES)


def _too_many_tries_text(lang: str) -> dict:
    with force_locale(lang):
        return {"lang": lang, "title": gettext("Too many tries"),
                "lead": gettext("This phone or network has tried too many links that do not work."),
                "advice": gettext("Wait a few minutes, then scan the code on your paper again. "
                                  "If it still does not open, ask your care team for a new link.")}


@pages.errorhandler(RateLimited)
def _too_many_tries(error: RateLimited) -> Response:
    """The patient's 429: in their language first, then the other shipped ones; private, with Retry-After."""
    keep_writes_if_asked(error)  # the refusal is audited
    lang = patient_language()
    order = [lang] if lang else [DEFAULT_LANGUAGE]
    order += [other for other in LANGUAGES if other not in order]
    html = render_template("shares/too_many_tries.html", lang=order[0],
                           texts=[_too_many_tries_text(each) for each in order])
    return Response(html, status=429, mimetype="text/html",
                    headers={**PRIVATE, "Retry-After": str(error.retry_after)})


def _opened(token: str, as_pdf: bool) -> Response:
    """Trade the token for a short-lived cookie, then show the summary at a clean URL."""
    cookie = service.exchange(actor(), token)
    response = redirect("/p/summary.pdf" if as_pdf else "/p/summary", code=303)
    response.set_cookie(service.COOKIE, cookie, max_age=service.COOKIE_MINUTES * 60, httponly=True,
                        samesite="Lax", path="/p", secure=current_app.config["SESSION_COOKIE_SECURE"])
    response.headers.update(PRIVATE)
    return response


def _opening_text(lang: str) -> dict:
    with force_locale(lang):
        return {"lang": lang, "title": gettext("Your plan after the hospital"),
                "opening": gettext("Opening your plan…"),
                "incomplete": gettext("This link is not complete. Scan the code on your paper again."),
                "no_script": gettext("If nothing opens, turn on JavaScript in your browser, or ask your care team "
                                     "for a printed copy.")}


@pages.get("/")
def open_page():
    """The page of the link handed out (`/p/#TOKEN`): its script posts the fragment's token to /p/open.

    The server never sees the token here; the page is the same for every link (the language is the phone's)."""
    lang = patient_language() or DEFAULT_LANGUAGE
    order = [lang, *(other for other in LANGUAGES if other != lang)]
    html = render_template("shares/open.html", lang=lang, texts=[_opening_text(each) for each in order])
    return Response(html, mimetype="text/html", headers=PRIVATE)


@pages.post("/open")
def open_posted():
    """The token from the page's fragment, posted as a form: the summary (or its PDF) at a clean URL."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)  # another site must not plant its link's cookie in this browser
    return _opened(request.form.get("token", ""), request.form.get("as") == "pdf")


@pages.get("/<string:token>")
def open_link(token: str):
    """The older form of the link (DESIGN 3.3): works as it did; the README says how a proxy masks it in its log."""
    return _opened(token.removesuffix(".pdf"), token.endswith(".pdf"))


def _page_args():
    return PatientPageQuerySchema().load(request.args)


@pages.get("/summary")
def summary_page():
    shown = service.shown(service.from_cookie(request.cookies.get(service.COOKIE)))
    html = documents.patient_summary_page(actor(), shown.handoff_id, shown.revision_number, _page_args()["lang"],
                                          large_print=True, audit_action="share.view", updated=shown.updated)
    return Response(html, mimetype="text/html", headers=PRIVATE)


@pages.get("/summary.pdf")
def summary_pdf():
    shown = service.shown(service.from_cookie(request.cookies.get(service.COOKIE)))
    body, _hit = documents.pdf(actor(), shown.handoff_id, documents.PATIENT_SUMMARY, shown.revision_number,
                               _page_args()["lang"], large_print=True, audit_action="share.view",
                               updated=shown.updated)
    return Response(body, mimetype="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": 'inline; filename="my-plan.pdf"'})
