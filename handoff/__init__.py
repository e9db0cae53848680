"""Handoff: structured discharge and shift handoffs. `create_app` builds the Flask app."""

from flask import Flask, current_app

from . import config as config_module
from . import logging as safe_logging
from .extensions import api, babel, db, migrate
from .http import request_is_https

TRANSLATIONS = config_module.PROJECT_ROOT / "handoff" / "translations"

SECURITY_HEADERS = {
    # No inline script anywhere: the PWA's code is in static files.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE_PATH),
        template_folder=str(config_module.PROJECT_ROOT / "templates"),
        static_folder=str(config_module.PROJECT_ROOT / "static"),
    )
    app.config.update(config_module.from_environment(config))
    app.json.sort_keys = False
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        config_module.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)

    safe_logging.init_app(app)  # before the engine is made: no SQL parameters, no patient data in any log
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.PROJECT_ROOT / "migrations"), render_as_batch=True)
    api.init_app(app)
    # Documents choose their language per request (force_locale); the default is English.
    babel.init_app(app, locale_selector=lambda: "en", default_translation_directories=str(TRANSLATIONS))
    _register_models()

    from . import database, errors, text_safety
    from .audit import requests as audit_requests
    from .audit import sealer as audit_sealer
    from .audit.routes import blp as audit_blp
    from .auth import routes as auth_routes
    from .board.routes import blp as board_blp
    from .checklists.routes import blp as checklists_blp
    from .documents import filters as document_filters
    from .documents import routes as documents_routes
    from .documents.routes import blp as documents_blp
    from .fhir.routes import blp as fhir_blp
    from .handoffs.routes import blp as handoffs_blp
    from .patients.routes import blp as patients_blp
    from .pwa.routes import bp as pwa_bp
    from .shares import routes as shares_routes
    from .sso import routes as sso_routes
    from .translation_memory.routes import blp as translations_blp

    for blueprint in (auth_routes.blp, checklists_blp, patients_blp, handoffs_blp, documents_blp,
                      shares_routes.blp, translations_blp, board_blp, audit_blp, fhir_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(shares_routes.pages)
    sso_routes.init_app(app)  # hospital single sign-on pages (DESIGN 3.9); its Authlib client when configured
    document_filters.init_app(app)
    documents_routes.init_app(app)  # a render that could not be made in time answers 503 with Retry-After
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "handoff_session"})
    api.spec.options["security"] = [{"bearer": []}, {"session": []}]

    errors.init_app(app)
    text_safety.init_app(app)  # before authentication: a NUL in a user name must not reach the database
    auth_routes.init_app(app)
    audit_requests.init_app(app)  # before database: it then sees the status after commit, and outlives rollbacks
    database.init_app(app)
    audit_sealer.init_app(app)
    app.after_request(_security_headers)

    from .cli import register as register_cli

    register_cli(app)
    return app


def _register_models() -> None:
    """Import every model so metadata (and Alembic autogenerate) sees all tables."""
    from . import idempotency as _idempotency  # noqa: F401
    from . import ratelimit as _ratelimit  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .auth import models as _auth  # noqa: F401
    from .checklists import models as _checklists  # noqa: F401
    from .documents import models as _documents  # noqa: F401
    from .handoffs import models as _handoffs  # noqa: F401
    from .patients import models as _patients  # noqa: F401
    from .shares import models as _shares  # noqa: F401
    from .sso import models as _sso  # noqa: F401
    from .translation_memory import models as _translation_memory  # noqa: F401


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    hsts_seconds = current_app.config["HANDOFF_HSTS_SECONDS"]
    if hsts_seconds and request_is_https():  # over plain http the header means nothing (RFC 6797 §7.2)
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
    if response.mimetype == "application/json" and "Cache-Control" not in response.headers:
        # Patient data must not sit in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
    return response
