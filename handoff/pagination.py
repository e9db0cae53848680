"""Paginated lists: the body stays a JSON array, the counts travel in headers.

`X-Total-Count` has the number of matching items; `Link` has next/prev pages, as
GitHub's API does, so a client that ignores paging still gets a plain list.
"""

from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from .extensions import db

MAX_PER_PAGE = 200


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def paginate(stmt, page: int, per_page: int):
    """Run `stmt` for one page; return (items, headers)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return items, page_headers(total, page, per_page)


def page_headers(total: int, page: int, per_page: int) -> dict:
    last = max(1, -(-total // per_page))
    links = []
    args = request.args.to_dict()
    for rel, number in (("first", 1), ("prev", page - 1), ("next", page + 1), ("last", last)):
        if 1 <= number <= last and not (rel in {"prev", "next"} and number == page):
            query = urlencode({**args, "page": number, "per_page": per_page})
            links.append(f'<{request.path}?{query}>; rel="{rel}"')
    headers = {"X-Total-Count": str(total), "X-Page": str(page), "X-Per-Page": str(per_page)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
