"""What routes share and services must not see: the actor of this request and the client's
address behind trusted proxies, the If-Match header as the state the client expects, and
paging headers."""

import ipaddress
import os
from functools import lru_cache
from urllib.parse import urlencode

from flask import current_app, g, request

from .domain import Actor
from .errors import abort
from .pagination import Page


def actor() -> Actor:
    """The signed-in user of this request and the address it came from."""
    return Actor(g.get("user"), client_addr())


def client_addr() -> str:
    """The client's address: `X-Forwarded-For` is believed only from `HANDOFF_TRUSTED_PROXIES`."""
    return client_address(request.remote_addr, request.headers.getlist("X-Forwarded-For"))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_proxies(setting: str) -> tuple[Network, ...]:
    """`HANDOFF_TRUSTED_PROXIES`: comma-separated addresses or CIDR blocks; a bad entry is an error."""
    networks = []
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"HANDOFF_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR block") from None
        mapped = network.network_address.ipv4_mapped if network.version == 6 else None
        if mapped is not None and network.prefixlen >= 96:  # compared as the IPv4 addresses peers are read as
            network = ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
        networks.append(network)
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    setting = current_app.config.get("HANDOFF_TRUSTED_PROXIES", os.environ.get("HANDOFF_TRUSTED_PROXIES", ""))
    if isinstance(setting, list | tuple | set):
        setting = ",".join(setting)
    return parse_proxies(setting or "")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a socket or a forwarded hop (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def client_address(peer: str | None, forwarded_for: list[str]) -> str:
    """The client's address: the socket's peer, unless that peer is a trusted proxy.

    Then `X-Forwarded-For` is walked from the right (the hop the trusted proxy added) to the
    left, skipping trusted hops; the first untrusted hop is the client. Hops further left
    were written by the client and are never believed. Without trusted proxies (the default)
    the header is ignored, so no client can choose its own address.
    """
    current = _ip(peer or "")
    if current is None:
        return peer or "unknown"
    proxies = trusted_proxies()
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    while any(current in network for network in proxies) and hops:
        previous = _ip(hops.pop())
        if previous is None:  # a malformed hop: keep the last address a trusted proxy vouched for
            break
        current = previous
    return str(current)


def request_is_https() -> bool:
    """Whether the client reached us over HTTPS: the socket's scheme, or `X-Forwarded-Proto` as set by a
    trusted proxy (`HANDOFF_TRUSTED_PROXIES`; the rightmost value, the one the nearest proxy wrote)."""
    if request.scheme == "https":
        return True
    peer = _ip(request.remote_addr or "")
    if peer is None or not any(peer in network for network in trusted_proxies()):
        return False
    forwarded = ",".join(request.headers.getlist("X-Forwarded-Proto")).split(",")
    return forwarded[-1].strip().lower() == "https"


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
    """`X-Total-Count`, `X-Page`, `X-Per-Page` and a `Link` to the first, previous, next and last pages.

    Past `pagination.COUNT_LIMIT` matches the total is unknown: no `X-Total-Count`, no `last`,
    and `next` whenever this page is full.
    """
    if page.total is None:
        last = None
        more = len(page.items) == page.per_page
    else:
        last = max(1, -(-page.total // page.per_page))
        more = page.page < last
    links = []
    args = request.args.to_dict()
    for rel, number, wanted in (("first", 1, True), ("prev", page.page - 1, page.page > 1),
                                ("next", page.page + 1, more), ("last", last, last is not None)):
        if wanted and (last is None or number <= last):
            query = urlencode({**args, "page": number, "per_page": page.per_page})
            links.append(f'<{request.path}?{query}>; rel="{rel}"')
    headers = {"X-Page": str(page.page), "X-Per-Page": str(page.per_page)}
    if page.total is not None:
        headers["X-Total-Count"] = str(page.total)
    if links:
        headers["Link"] = ", ".join(links)
    return headers
