"""The database engine: SQLite tuning, one transaction per request, readiness check.

Every request runs in one transaction that is committed only when the response is a
success (status < 400) and rolled back otherwise, so a failed request leaves nothing
half-written (its audit event included). On SQLite, transactions start with
`BEGIN IMMEDIATE`: almost every request writes (reads of patient data are audited), and a
deferred transaction that later tries to write fails at once with "database is locked"
instead of waiting for the busy timeout.
"""

import logging
import sqlite3

from flask import Flask, Response, g, jsonify
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Ids are 32-bit integers in every table; a larger number in a URL names nothing.
MAX_ID = 2**31 - 1


def get(model, ident: int):
    """The row of `model` with primary key `ident`, or None (also for ids no column can hold)."""
    return db.session.get(model, ident) if 0 < ident <= MAX_ID else None


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (used with `escape="\\"`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_or_not_found(model, ident: int, what: str):
    """The row, or `domain.NotFound` saying "There is no {what} {ident}."."""
    from .domain import NotFound

    row = get(model, ident)
    if row is None:
        raise NotFound(f"There is no {what} {ident}.")
    return row


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_immediate_on_sqlite(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    app.after_request(_finish_transaction)


def _finish_transaction(response: Response) -> Response:
    """Commit successful requests, roll back the rest; a failed commit becomes a clear answer.

    A view may set `g.commit_on_error` when its error answer must still leave a trace
    (failed guesses at a share link are counted and audited).
    """
    from .errors import database_unavailable, unavailable_response

    if response.status_code >= 400 and not g.pop("commit_on_error", False):
        _rollback()
        return response
    try:
        db.session.commit()
    except IntegrityError:
        _rollback()
        log.info("commit refused by a constraint; answering 409", exc_info=True)
        return _error(409, "Conflict", "Someone else changed this record at the same moment. Reload and try again.")
    except SQLAlchemyError as error:
        _rollback()
        if not database_unavailable(error):
            raise
        # The commit's outcome is unknown to the client either way: 503 asks it to retry (with its Idempotency-Key).
        log.warning("database unavailable at commit: %s", type(getattr(error, "orig", None) or error).__name__)
        return unavailable_response()
    return response


def _rollback() -> None:
    """Roll back; a connection that is already gone has nothing to roll back (the pool drops it)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed: the connection is gone; the pool discards it")


def _error(code: int, status: str, message: str) -> Response:
    response = jsonify({"code": code, "status": status, "message": message, "errors": []})
    response.status_code = code
    return response


def database_answers() -> bool:
    """True when a trivial query succeeds; used by /healthz."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return True
    except Exception as error:  # any driver failure means "not ready" to a load balancer
        _rollback()
        # One line, no traceback: a load balancer polls this every few seconds through an outage.
        log.warning("health check: database does not answer: %s", type(getattr(error, "orig", None) or error).__name__)
        return False
