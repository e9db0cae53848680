"""What routes share and services must not see: the actor of this request, the If-Match
header as the state the client expects, and paging headers."""

from urllib.parse import urlencode

from flask import g, request

from .domain import Actor
from .errors import abort
from .pagination import Page


def actor() -> Actor:
    """The signed-in user of this request and the address it came from."""
    return Actor(g.get("user"), request.remote_addr or "unknown")


def if_match_tags() -> tuple[str, ...] | None:
    """The entity tags of `If-Match` (`None` for `*`: any state); 428 when the header is missing.

    Handoffs are changed only by a client that says which state it read (contract 3.3).
    """
    if not request.headers.get("If-Match", "").strip():
        abort(428, "Send the If-Match header with the ETag you last read, so no one's changes are overwritten.")
    tags = request.if_match
    if tags.star_tag:
        return None
    return tuple(tag for tag in tags.as_set(include_weak=True) if tag)


def page_headers(page: Page) -> dict:
    """`X-Total-Count`, `X-Page`, `X-Per-Page` and a `Link` to the first, previous, next and last pages."""
    last = max(1, -(-page.total // page.per_page))
    links = []
    args = request.args.to_dict()
    for rel, number in (("first", 1), ("prev", page.page - 1), ("next", page.page + 1), ("last", last)):
        if 1 <= number <= last and not (rel in {"prev", "next"} and number == page.page):
            query = urlencode({**args, "page": number, "per_page": page.per_page})
            links.append(f'<{request.path}?{query}>; rel="{rel}"')
    headers = {"X-Total-Count": str(page.total), "X-Page": str(page.page), "X-Per-Page": str(page.per_page)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
