"""Error answers: JSON with a plain message and field paths under /api, HTML elsewhere.

Every error body under /api has the same shape, so a client needs one parser:
`{"code": 422, "status": "Unprocessable Entity", "message": "...",
  "errors": [{"path": "medications.2.dose", "message": "..."}]}`

Services raise the domain errors of `domain.py`; this is the one place that maps them to
the contract's status codes (`DOMAIN_STATUS`).

The database going away (PostgreSQL restarting, a network cut, SQLite's file locked past the
busy timeout or unreadable) is not a bug in the request: it answers 503 with `Retry-After`
everywhere, JSON under /api, a page elsewhere (the patient's pages in their language, then
the other shipped one), and nothing of the request is kept (its transaction is rolled back).
The engine checks connections before use (`pool_pre_ping`) and SQLAlchemy drops a pool whose
connection was cut, so the first request after the database returns is served normally.
"""

import logging
from collections.abc import Mapping

from flask import Flask, Response, g, jsonify, render_template, request
from flask_smorest import abort as smorest_abort
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from . import domain

log = logging.getLogger(__name__)

PLAIN_MESSAGES = {
    400: "The request could not be read.",
    401: "Sign in first.",
    403: "Your role does not allow this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "This conflicts with the current state of the record.",
    412: "This record has changed since you loaded it. Reload it and apply your changes again.",
    413: "The request is larger than 1 MiB.",
    415: "Send the body as JSON (Content-Type: application/json).",
    422: "Some fields are not valid.",
    428: "Send the If-Match header with the ETag you last read.",
    429: "Too many requests. Wait a moment and try again.",
    503: "The database is busy or unreachable. Nothing was saved. Try again shortly.",
}

# Seconds a client is asked to wait when the database is away: a restart or fail-over takes about this.
UNAVAILABLE_RETRY_AFTER = 5

# The patient's "try again later" page, readable without the database (no catalog lookup can fail here).
UNAVAILABLE_PAGE_TEXT = {
    "en": {"title": "Your plan cannot be shown right now",
           "lead": "Our system is busy or stopped for a moment. Your plan is safe.",
           "advice": "Wait a few minutes, then open the link again."},
    "es": {"title": "Su plan no se puede mostrar ahora",
           "lead": "Nuestro sistema está ocupado o detenido por un momento. Su plan está guardado.",
           "advice": "Espere unos minutos y vuelva a abrir el enlace."},
}


DOMAIN_STATUS = {
    domain.NotFound: 404,
    domain.Invalid: 422,
    domain.Conflict: 409,
    domain.Stale: 412,
    domain.Forbidden: 403,
    domain.Unauthenticated: 401,
    domain.RateLimited: 429,
}


def status_of(error: domain.DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    return 400


def keep_writes_if_asked(error: domain.DomainError) -> None:
    """Commit the request's transaction although it answers an error, when the refusal says so."""
    if error.keep_writes:
        g.commit_on_error = True  # read by database._finish_transaction


def flatten_messages(messages) -> list[dict]:
    """Turn marshmallow's nested error dict into `[{"path": "a.0.b", "message": ...}]`.

    Schema-level errors (`_schema`) belong to the object that holds them, so they take its path;
    list indexes become numbers in the path; the same message at the same path is kept once.
    """
    found: dict[tuple[str, str], None] = {}

    def walk(value, path: tuple) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, path if key == "_schema" else (*path, key))
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, path)
        else:
            found[(".".join(str(part) for part in path), str(value))] = None

    walk(messages, ())
    return [{"path": path, "message": message} for path, message in found]


def abort(code: int, message: str | None = None, errors: list[dict] | None = None, **extra):
    """Raise an HTTP error with our body shape; `errors` is a list of {path, message}."""
    smorest_abort(code, message=message or PLAIN_MESSAGES.get(code), errors=errors or [], **extra)


def _errors_from(exc: HTTPException) -> list[dict]:
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors")
    if isinstance(errors, list):
        return errors
    # webargs (flask-smorest's argument parser) puts messages per location: json, query, headers.
    messages = data.get("messages") or errors or {}
    flat: list[dict] = []
    for location, by_field in messages.items() if isinstance(messages, Mapping) else []:
        for item in flatten_messages(by_field):
            flat.append({**item, "in": location})
    return flat


def http_error_body(exc: HTTPException) -> dict:
    data = getattr(exc, "data", None) or {}
    code = exc.code or 500
    body = {
        "code": code,
        "status": exc.name,
        "message": data.get("message") or PLAIN_MESSAGES.get(code) or exc.description,
        "errors": _errors_from(exc),
    }
    for key, value in data.items():
        if key not in {"message", "errors", "messages", "headers", "schema"} and key not in body:
            body[key] = value
    return body


def wants_json() -> bool:
    return request.path.startswith("/api/")


def database_unavailable(exc: BaseException) -> bool:
    """True for errors that say the database cannot be reached or used now, not that the request is wrong.

    OperationalError covers a refused or cut connection, a server shutting down, SQLite's
    "database is locked" past the busy timeout and "unable to open database file"; a driver's
    InterfaceError a connection closed under it; a pool timeout every connection busy.
    """
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def unavailable_response() -> Response:
    """503 with Retry-After: JSON under /api, the patient's page under /p, a plain page elsewhere."""
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER), "Cache-Control": "no-store"}
    if wants_json():
        response = jsonify({"code": 503, "status": "Service Unavailable", "message": PLAIN_MESSAGES[503],
                            "errors": []})
        response.status_code = 503
        response.headers.update(headers)
        return response
    from .languages import DEFAULT_LANGUAGE, LANGUAGES

    first = request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    order = [first, *(lang for lang in LANGUAGES if lang != first)]
    texts = [{"lang": lang, **UNAVAILABLE_PAGE_TEXT[lang]} for lang in order if lang in UNAVAILABLE_PAGE_TEXT]
    if request.path.startswith("/p/"):
        headers.update({"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})
    html = render_template("errors/unavailable.html", lang=texts[0]["lang"], texts=texts,
                           patient=request.path.startswith("/p/"))
    return Response(html, status=503, mimetype="text/html", headers=headers)


def init_app(app: Flask) -> None:
    # Registered after flask-smorest's own handler, so this one wins: JSON only under /api.
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not wants_json():
            return exc
        response = jsonify(http_error_body(exc))
        response.status_code = exc.code or 500
        headers = (getattr(exc, "data", None) or {}).get("headers") or {}
        for name, value in headers.items():
            response.headers[name] = value
        return response

    @app.errorhandler(domain.DomainError)
    def _domain_error(exc: domain.DomainError):
        code = status_of(exc)
        keep_writes_if_asked(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, domain.RateLimited) else {}
        if not wants_json():
            page = default_exceptions[code]()
            return page.get_response(), code, headers
        response = jsonify({"code": code, "status": default_exceptions[code]().name, "message": exc.message,
                            "errors": exc.problems, **exc.detail})
        response.status_code = code
        response.headers.update(headers)
        return response

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def _database_error(exc: sa_exc.SQLAlchemyError):
        if not database_unavailable(exc):
            return _unexpected(exc)
        # No traceback and no SQL parameters in the log: they may hold patient data (issue 11, point 3).
        cause = type(getattr(exc, "orig", None) or exc).__name__
        log.warning("database unavailable on %s %s: %s", request.method, request.path, cause)
        return unavailable_response()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_json():
            return InternalServerError()
        response = jsonify(
            {"code": 500, "status": "Internal Server Error",
             "message": "Something went wrong on our side. Nothing was saved.", "errors": []}
        )
        response.status_code = 500
        return response
