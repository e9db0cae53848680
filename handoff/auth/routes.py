"""Sign-in, sign-out, bearer tokens, and user management (admin)."""

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from .. import ratelimit
from ..audit import service as audit
from ..common import iso
from ..errors import abort
from ..extensions import db
from .models import ROLES, Credential, User
from .schemas import CredentialsSchema, LoginResultSchema, NewUserSchema, TokenSchema, UserSchema
from .service import (
    SESSION_COOKIE,
    UserExists,
    check_credentials,
    create_user,
    issue_credential,
    public,
    requires,
    revoke,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in, tokens and users")

WRONG_CREDENTIALS = "Wrong username or password."
# Password guessing: after this many failures for one user name in the window, sign-in for that
# name answers 429 until the window ends (counted in the database, so every worker agrees). Per
# name, not per address: a ward's tablets share one address behind the hospital's NAT.
LOGIN_FAILURE_LIMIT = 20
LOGIN_WINDOW_SECONDS = 900


def _signed_in_user(args) -> User:
    bucket = f"login:{args['username'].casefold()}"
    if ratelimit.failures(bucket, LOGIN_WINDOW_SECONDS) >= LOGIN_FAILURE_LIMIT:
        abort(429, "Too many failed sign-ins for this user. Wait 15 minutes or ask an administrator.")
    user = check_credentials(args["username"], args["password"])
    if user is None:
        ratelimit.add_failure(bucket, LOGIN_WINDOW_SECONDS)
        abort(401, WRONG_CREDENTIALS)
    return user


@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(200, LoginResultSchema)
def login(args):
    """Sign in; sets an HttpOnly session cookie and returns the CSRF token for unsafe requests"""
    user = _signed_in_user(args)
    secret, credential = issue_credential(user, "session")
    audit.record("auth.login", "user", user.id, user=user)
    g.set_session_cookie = secret
    return {"user": user, "csrf_token": credential.csrf_token,
            "idle_timeout_minutes": current_app.config["HANDOFF_SESSION_IDLE_MINUTES"]}


@blp.route("/auth/logout", methods=["POST"])
@requires(*ROLES)
@blp.response(204)
def logout():
    """Sign out: the session (or token) used for this request stops working everywhere"""
    revoke(g.credential)
    audit.record("auth.logout", "user", g.user.id)
    g.clear_session_cookie = True


@blp.route("/auth/me", methods=["GET"])
@requires(*ROLES)
@blp.response(200, UserSchema)
def me():
    """Who is signed in"""
    return g.user


@blp.route("/auth/session", methods=["GET"])
@requires(*ROLES)
@blp.response(200, LoginResultSchema)
def session():
    """The signed-in user and the CSRF token of this browser session (the app reloads without signing in again)"""
    return {"user": g.user, "csrf_token": g.credential.csrf_token,
            "idle_timeout_minutes": current_app.config["HANDOFF_SESSION_IDLE_MINUTES"]}


@blp.route("/auth/tokens", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
def create_token(args):
    """Exchange a username and password for a bearer token (for integrations; no CSRF needed)"""
    user = _signed_in_user(args)
    secret, credential = issue_credential(user, "bearer")
    audit.record("auth.token.create", "credential", credential.id, user=user)
    return {"id": credential.id, "token": secret, "expires_at": iso(credential.expires_at)}


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@requires(*ROLES)
@blp.response(204)
def revoke_token(token_id):
    """Revoke a bearer token (your own; admins may revoke anyone's)"""
    credential = db.session.get(Credential, token_id) if 0 < token_id < 2**31 else None
    if credential is None or credential.kind != "bearer" or (
        credential.user_id != g.user.id and g.user.role != "admin"
    ):
        abort(404, f"There is no token {token_id} of yours.")
    revoke(credential)
    audit.record("auth.token.revoke", "credential", credential.id)


@blp.route("/users")
class Users(MethodView):
    @requires("admin")
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """Every user (admin)"""
        return db.session.scalars(select(User).order_by(User.username)).all()

    @requires("admin")
    @blp.arguments(NewUserSchema)
    @blp.response(201, UserSchema)
    def post(self, args):
        """Create a user (admin)"""
        try:
            user = create_user(args["username"], args["password"], args["role"], args.get("display_name"))
        except UserExists as exc:
            abort(409, str(exc).capitalize() + ".", [{"path": "username", "message": "Already taken."}])
        except ValueError as exc:
            abort(422, str(exc).capitalize() + ".")
        audit.record("user.create", "user", user.id, detail={"username": user.username, "role": user.role})
        return user


def init_app(app) -> None:
    """Authenticate every /api/v1 request before its view; set or clear the session cookie after."""

    @app.before_request
    def _authenticate():
        from .service import authenticate_request

        if not request.path.startswith("/api/v1/") or request.method == "OPTIONS":
            return None
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is not None and hasattr(view, "view_class"):
            view = getattr(view.view_class, request.method.lower(), None)
        if view is not None and getattr(view, "allowed_roles", None) == ("anyone",):
            g.user = None
            return None
        if request.endpoint in {"api-docs.openapi_json"}:
            return None
        authenticate_request()
        return None

    @app.after_request
    def _session_cookie(response):
        secret = g.pop("set_session_cookie", None)
        if secret and response.status_code < 400:
            response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="Strict", path="/",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        if g.pop("clear_session_cookie", False):
            response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
        return response
