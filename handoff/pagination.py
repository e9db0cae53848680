"""Paginated lists: the body stays a JSON array, the counts travel in headers.

`X-Total-Count` has the number of matching items; `Link` has next/prev pages, as
GitHub's API does, so a client that ignores paging still gets a plain list. Services
return a `Page`; `http.page_headers` writes its headers.

Counting is bounded: a count reads every matching row, so an exact total at 100,000
handoffs would make every list slower as the hospital's history grows (issue 10). Up to
`COUNT_LIMIT` matches the total is exact; beyond it `total` is `None`, and the answer has
no `X-Total-Count` and no `last` link, only `next` (GitLab's API does the same past 10,000
records). Why 1,000 and not GitLab's 10,000: measured with
tests/benchmarks/bench_handoff_list.py, counting 10,000 of 100,000 handoffs still made a
filtered list about twice as slow as at 1,000 handoffs, and 1,000 kept it flat. It is 20
pages of 50, more than anyone reads on a tablet (GitHub's search stops at 1,000 results).
A page that is not full needs no count at all: it is the last one.
"""

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from .extensions import db

MAX_PER_PAGE = 200


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


COUNT_LIMIT = 1_000


@dataclass
class Page:
    items: list
    total: int | None  # None: more than COUNT_LIMIT match
    page: int
    per_page: int


def paginate(stmt, page: int, per_page: int) -> Page:
    """Run `stmt` for one page, and count its matches up to `COUNT_LIMIT`."""
    offset = (page - 1) * per_page
    items = list(db.session.scalars(stmt.limit(per_page).offset(offset)).unique().all())
    if len(items) < per_page and (items or page == 1):
        return Page(items, offset + len(items), page, per_page)  # the last page: nothing follows it
    bounded = stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(bounded))
    return Page(items, counted if counted <= COUNT_LIMIT else None, page, per_page)
