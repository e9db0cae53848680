"""Audit routes (admin): read the events, check the chain, publish its head. Each read is itself kept in the trail."""

from flask_smorest import Blueprint

from ..auth.access import requires
from ..http import actor, page_headers
from . import service
from .schemas import AuditEventSchema, AuditQuerySchema, ChainHeadSchema, ChainReportSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail (admin)")


@blp.route("", methods=["GET"])
@requires("admin")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
def events(args):
    """Audit events, oldest first (paginated: X-Total-Count, Link)"""
    page = service.search(actor(), args, args.pop("page"), args.pop("per_page"))
    return page.items, 200, page_headers(page)


@blp.route("/verify", methods=["GET"])
@requires("admin")
@blp.response(200, ChainReportSchema)
def verify():
    """Walk the hash chain and report the first broken link, if any, and how many events await sealing"""
    return service.verify_for(actor())


@blp.route("/head", methods=["GET"])
@requires("admin")
@blp.response(200, ChainHeadSchema)
def head():
    """The newest sealed link of the chain: keep it outside the database, check it later with
    `flask audit verify --anchor`, and a deleted tail (events removed, head rewound) shows"""
    return service.read_head(actor())
