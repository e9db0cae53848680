"""Sign-in, sign-out, bearer tokens, and user management (admin)."""

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..http import actor
from . import service
from .access import SESSION_COOKIE, authenticate_request, public, requires
from .models import ROLES
from .schemas import CredentialsSchema, LoginResultSchema, NewUserSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in, tokens and users")


@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(200, LoginResultSchema)
def login(args):
    """Sign in; sets an HttpOnly session cookie and returns the CSRF token for unsafe requests"""
    signed_in = service.sign_in(args["username"], args["password"], kind="session", client_addr=actor().client_addr)
    g.set_session_cookie = signed_in.secret
    return signed_in


@blp.route("/auth/logout", methods=["POST"])
@requires(*ROLES)
@blp.response(204)
def logout():
    """Sign out: the session (or token) used for this request stops working everywhere"""
    service.sign_out(actor(), g.credential)
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
    return service.SignedIn(g.user, g.credential)


@blp.route("/auth/tokens", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
def create_token(args):
    """Exchange a username and password for a bearer token (for integrations; no CSRF needed)"""
    return service.sign_in(args["username"], args["password"], kind="bearer", client_addr=actor().client_addr)


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@requires(*ROLES)
@blp.response(204)
def revoke_token(token_id):
    """Revoke a bearer token (your own; admins may revoke anyone's)"""
    service.revoke_token(actor(), token_id)


@blp.route("/users")
class Users(MethodView):
    @requires("admin")
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """Every user (admin)"""
        return service.list_users()

    @requires("admin")
    @blp.arguments(NewUserSchema)
    @blp.response(201, UserSchema)
    def post(self, args):
        """Create a user (admin)"""
        return service.create_user(actor(), args["username"], args["password"], args["role"],
                                   args.get("display_name"))


def init_app(app) -> None:
    """Authenticate every /api/v1 request before its view; set or clear the session cookie after."""

    @app.before_request
    def _authenticate():
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
