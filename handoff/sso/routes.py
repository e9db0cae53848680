"""The browser's side of single sign-on: start at the provider, come back with a session, sign out there.

Pages, not API: errors here are plain HTML a nurse can read (templates/sso/). Thin: `client`
speaks the protocol, `service` decides who is signed in.
"""

from flask import Blueprint, current_app, g, redirect, render_template, request, session
from werkzeug.exceptions import HTTPException

from ..audit import service as audit
from ..auth import service as auth
from ..auth.access import SESSION_COOKIE, authenticate_request, begin_cookie_session
from ..domain import Actor
from ..errors import abort
from ..http import client_addr
from . import client, service
from .settings import enabled

bp = Blueprint("sso", __name__, url_prefix="/auth/oidc")

ID_TOKEN_KEY = "sso_id_token"
NO_STORE = {"Cache-Control": "no-store"}


@bp.before_request
def _only_when_configured():
    if not enabled(current_app.config):
        return _page("Single sign-on is not set up", "This Handoff has no hospital sign-in. Sign in with your "
                     "Handoff user name and password.", 404)
    return None


@bp.get("/login")
def login():
    try:
        response = client.start_sign_in()
    except client.SignInFailed as failure:
        return _failed(failure)
    response.headers.update(NO_STORE)
    return response


@bp.get("/callback")
def callback():
    try:
        answer = client.finish_sign_in()
    except client.SignInFailed as failure:
        return _failed(failure)
    try:
        user = service.sign_in(answer.claims, answer.issuer, client_addr())
    except service.Refused as refusal:
        g.commit_on_error = True  # the refusal's audit event stays
        return _page("You cannot use Handoff yet", refusal.message, 403)
    # The one way a browser session begins (auth.access): the same cookie as a password sign-in,
    # and the session this browser held before ends.
    begin_cookie_session(user, via="sso")
    session[ID_TOKEN_KEY] = answer.id_token
    return _to_app()


@bp.get("/logout")
def logout():
    """End the Handoff session, then the provider's (RP-initiated logout) when its discovery offers it.

    The session cookie is SameSite=Strict, so only a navigation started on Handoff's own pages
    carries it: another site cannot sign a nurse out of the hospital's provider through here.
    """
    id_token = session.pop(ID_TOKEN_KEY, None)
    after = f"{current_app.config['HANDOFF_PUBLIC_URL']}/"
    credential = _browser_session()
    if credential is None:
        return redirect(after, code=303)
    auth.sign_out(Actor(credential.user, client_addr()), credential)
    g.clear_session_cookie = True
    target = client.logout_url(id_token, after) or after
    return redirect(target, code=303)


def _browser_session():
    """This browser's live Handoff session, checked exactly as /api/v1 checks it (auth.access), or None."""
    if not request.cookies.get(SESSION_COOKIE) or request.headers.get("Authorization"):
        return None
    try:
        authenticate_request()
    except HTTPException:
        return None
    return g.credential if g.credential.kind == "session" else None


def _to_app():
    response = redirect("/", code=303)
    response.headers.update(NO_STORE)
    return response


def _failed(failure: client.SignInFailed):
    current_app.logger.warning("single sign-on failed: %s", failure.reason)
    audit.record(Actor(None, client_addr()), "auth.sso.failed", "user", None, detail={"reason": failure.reason[:500]})
    g.commit_on_error = True  # the audit event, and the used state's deletion, stay
    return _page("Sign-in did not work", failure.message, 400)


def _page(title: str, message: str, status: int):
    body = render_template("sso/refused.html", title=title, message=message,
                           sso_name=current_app.config["HANDOFF_OIDC_DISPLAY_NAME"],
                           can_retry=enabled(current_app.config))
    return current_app.response_class(body, status=status, mimetype="text/html", headers=NO_STORE)


def init_app(app) -> None:
    """Register the pages; with SSO configured, its Authlib client; password sign-in off if asked."""
    app.register_blueprint(bp)
    if enabled(app.config):
        client.init_app(app)

    @app.before_request
    def _password_login_off():
        if request.endpoint == "auth.login" and not app.config["HANDOFF_PASSWORD_LOGIN"]:
            abort(403, f"Password sign-in is turned off here. Sign in with "
                       f"{app.config['HANDOFF_OIDC_DISPLAY_NAME']} (GET /auth/oidc/login).")

    @app.context_processor
    def _sso_shell():
        return {"sso_name": app.config["HANDOFF_OIDC_DISPLAY_NAME"] if enabled(app.config) else "",
                "password_login": app.config["HANDOFF_PASSWORD_LOGIN"]}
