"""The request side of the audit trail: refused requests are recorded, kept events outlive a rollback.

A request runs in one transaction that is rolled back when it fails (database.py), taking
its audit events with it: right for "nothing half-written", wrong for the events that
matter most when the request fails. `service.keep` marks those; here, once the request's
transaction has ended, the kept events it rolled back are written again in a transaction of
their own, with the request's status in `detail`. A 403 answer is recorded the same way
(`request.forbidden`: who, which route, why), whichever layer refused it (a role, a missing
CSRF header, a rule of the record).

`init_app` must run before `database.init_app`: Flask calls after-request functions in
reverse order of registration, so this one then sees the status after the commit (which
can still turn a success into a 409 or 503).
"""

import logging

from flask import Flask, current_app, g, request
from sqlalchemy import inspect, select

from ..extensions import db
from ..http import actor
from . import service
from .models import AuditEvent
from .sealer import EXTENSION as SEALER

log = logging.getLogger(__name__)

# Ids in a route's arguments that name a record the trail can be searched by.
ROUTE_IDS = ("handoff_id", "patient_id")


def init_app(app: Flask) -> None:
    app.after_request(_note_outcome)
    app.teardown_request(_write_kept_events)


def _note_outcome(response):
    g.audit_status = response.status_code
    if response.status_code == 403:
        _record_refusal(response)
    return response


def _record_refusal(response) -> None:
    """`request.forbidden`: the refused actor, the route (the pattern outside the API, where a path
    could hold a take-home token), the ids it named, and the plain reason given."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    path = request.path if request.path.startswith("/api/") else rule
    args = request.view_args or {}
    body = response.get_json(silent=True) if response.is_json else None
    reason = body.get("message") if isinstance(body, dict) else None
    service.keep_apart(actor(), "request.forbidden", "request", None,
                       handoff_id=args.get("handoff_id") if isinstance(args.get("handoff_id"), int) else None,
                       patient_id=args.get("patient_id") if isinstance(args.get("patient_id"), int) else None,
                       detail={"method": request.method, "path": path, "endpoint": request.endpoint,
                               "reason": reason})


def _write_kept_events(error) -> None:
    kept = g.pop("audit_kept", None)
    if not kept:
        return
    status = g.pop("audit_status", None) or (500 if error is not None else None)
    try:
        if db.session().in_transaction():  # a request that never reached its commit or rollback
            db.session.rollback()
        lost = [content for event, content in kept if event is None or not _committed(event)]
        if lost:
            service.write_apart(lost, status)
            sealer = current_app.extensions.get(SEALER)
            if sealer is not None:
                sealer.nudge()
    except Exception:  # the database is gone as well: the request has failed already, say so in the log
        db.session.rollback()
        log.exception("could not keep %d audit events of a failed request", len(kept))


def _committed(event: AuditEvent) -> bool:
    """Whether the request's transaction committed this event (a rolled-back insert leaves it transient)."""
    state = inspect(event)
    if state.persistent:
        return True
    if state.transient or state.pending:
        return False
    # Detached (something expunged it): look for the row itself.
    found = db.session.scalar(select(AuditEvent.id).where(AuditEvent.id == event.id, AuditEvent.at == event.at,
                                                          AuditEvent.action == event.action))
    db.session.rollback()
    return found is not None
