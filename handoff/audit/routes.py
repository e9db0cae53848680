"""Audit routes (admin): read the events, check the chain."""

from flask_smorest import Blueprint
from sqlalchemy import select

from ..auth.service import requires
from ..pagination import paginate
from . import service
from .models import AuditEvent
from .schemas import AuditEventSchema, AuditQuerySchema, ChainReportSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail (admin)")


@blp.route("", methods=["GET"])
@requires("admin")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
def events(args):
    """Audit events, oldest first (paginated: X-Total-Count, Link)"""
    stmt = select(AuditEvent)
    for name in ("handoff_id", "patient_id", "username", "action"):
        if name in args:
            stmt = stmt.where(getattr(AuditEvent, name) == args[name])
    if "since" in args:
        stmt = stmt.where(AuditEvent.at >= args["since"])
    items, headers = paginate(stmt.order_by(AuditEvent.id), args["page"], args["per_page"])
    return items, 200, headers


@blp.route("/verify", methods=["GET"])
@requires("admin")
@blp.response(200, ChainReportSchema)
def verify():
    """Walk the hash chain and report the first broken link, if any"""
    report = service.verify_chain()
    return {"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at, "reason": report.reason}
