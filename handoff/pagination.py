"""Paginated lists: the body stays a JSON array, the counts travel in headers.

`X-Total-Count` has the number of matching items; `Link` has next/prev pages, as
GitHub's API does, so a client that ignores paging still gets a plain list. Services
return a `Page`; `http.page_headers` writes its headers.
"""

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from .extensions import db

MAX_PER_PAGE = 200


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int


def paginate(stmt, page: int, per_page: int) -> Page:
    """Run `stmt` for one page."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(items), total, page, per_page)
