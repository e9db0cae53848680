"""Sign-in, sign-out, bearer tokens, and user management (admin): users, their sessions and tokens."""

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..http import actor, page_headers
from ..pagination import PageArgsSchema
from . import service
from .access import SESSION_COOKIE, authenticate_request, current_sign_in, public, requires
from .models import ROLES
from .schemas import (
    CredentialSchema,
    CredentialsSchema,
    EndedSchema,
    LoginResultSchema,
    NewUserSchema,
    TokenSchema,
    UserChangeSchema,
    UserSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in, tokens and users")


@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(200, LoginResultSchema)
def login(args):
    """Sign in; sets an HttpOnly session cookie and returns the CSRF token for unsafe requests.

    The session this browser held before, if any, ends: its cookie no longer works."""
    signed_in = service.sign_in(args["username"], args["password"], kind="session", client_addr=actor().client_addr,
                                user_agent=request.user_agent.string or None,
                                replaces=request.cookies.get(SESSION_COOKIE))
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
    return current_sign_in()


@blp.route("/auth/tokens", methods=["POST"])
@public
@blp.arguments(CredentialsSchema)
@blp.response(201, TokenSchema)
def create_token(args):
    """Exchange a username and password for a bearer token (for integrations; no CSRF needed)"""
    return service.sign_in(args["username"], args["password"], kind="bearer", client_addr=actor().client_addr,
                           user_agent=request.user_agent.string or None)


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


@blp.route("/users/<int:user_id>")
class OneUser(MethodView):
    @requires("admin")
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user (admin)"""
        return service.get_user(user_id)

    @requires("admin")
    @blp.arguments(UserChangeSchema)
    @blp.response(200, UserSchema)
    def patch(self, args, user_id):
        """Disable a user, ending every session and token at once, or enable them again (admin; not yourself)"""
        return service.set_disabled(actor(), user_id, args["disabled"])


@blp.route("/users/<int:user_id>/sessions")
class UserSessions(MethodView):
    @requires("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CredentialSchema(many=True))
    def get(self, args, user_id):
        """A user's sessions and bearer tokens that still work, newest first (admin; paginated: X-Total-Count, Link)"""
        page = service.list_credentials(actor(), user_id, args["page"], args["per_page"], g.credential.id)
        return page.items, 200, page_headers(page)

    @requires("admin")
    @blp.response(200, EndedSchema)
    def delete(self, user_id):
        """End every session and bearer token of a user at once (admin)"""
        return {"ended": service.end_credentials(actor(), user_id)}


@blp.route("/users/<int:user_id>/sessions/<int:credential_id>", methods=["DELETE"])
@requires("admin")
@blp.response(204)
def end_session(user_id, credential_id):
    """End one session or bearer token of a user (admin); its cookie or token stops working at once"""
    service.end_credential(actor(), user_id, credential_id)


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
        # Registered before database.init_app, so this runs after the commit: a session whose commit
        # failed (the answer is then 409 or 503) sets no cookie.
        secure = app.config["SESSION_COOKIE_SECURE"]
        secret = g.pop("set_session_cookie", None)
        if secret and response.status_code < 400:
            response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="Strict", path="/", secure=secure)
        if g.pop("clear_session_cookie", False):
            response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict", secure=secure)
        return response
