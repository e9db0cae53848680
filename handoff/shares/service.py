"""Take-home links: create, revoke, open. The patient needs no account, so the link is the key.

A link carries 256 random bits; only their SHA-256 is stored. Opening `/p/{token}` trades
the token for a short-lived signed cookie and redirects to a clean URL, so the token does
not stay in the address bar, the browser history or server logs of later requests.
Failed guesses are counted per client address in the database, so the limit holds across
every worker and host.
"""

import io
import secrets
from datetime import timedelta

import segno
from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from .. import ratelimit
from ..audit import service as audit
from ..common import as_utc, iso, sha256_hex, utcnow
from ..errors import abort
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import FINAL
from .models import ShareLink

DEFAULT_DAYS = 30
COOKIE = "handoff_share"
COOKIE_MINUTES = 30
GUESS_WINDOW_SECONDS = 600
GUESS_LIMIT = 20


class ShareNotFound(Exception):
    """Unknown, expired or revoked: the patient sees the same page for all three."""


def create(handoff_id: int, expires_in_days: int | None, user) -> tuple[ShareLink, str]:
    handoff = handoffs.get_or_404(handoff_id)
    if handoff.status != FINAL:
        abort(409, "Only a signed handoff can be shared with the patient. Sign it first.")
    token = secrets.token_urlsafe(32)
    link = ShareLink(handoff_id=handoff.id, revision_number=handoff.current_revision,
                     token_hash=sha256_hex(token), created_by_id=user.id,
                     expires_at=utcnow() + timedelta(days=expires_in_days or DEFAULT_DAYS))
    db.session.add(link)
    db.session.flush()
    audit.record("share.create", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"revision": link.revision_number, "expires_at": iso(link.expires_at)})
    return link, token


def public_url(token: str) -> str:
    return f"{current_app.config['HANDOFF_PUBLIC_URL']}/p/{token}"


def qr_svg(url: str) -> str:
    """An SVG QR code of the link, drawn here (no external service), medium error correction."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                    title="QR code of the take-home link")
    return buffer.getvalue().decode("utf-8")


def body(link: ShareLink, token: str) -> dict:
    url = public_url(token)
    return {"id": link.id, "url": url, "expires_at": iso(link.expires_at), "revision": link.revision_number,
            "qr_svg": qr_svg(url)}


def revoke(share_id: int, user) -> None:
    link = db.session.get(ShareLink, share_id) if 0 < share_id < 2**31 else None
    if link is None:
        abort(404, f"There is no share link {share_id}.")
    handoff = handoffs.get_or_404(link.handoff_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    audit.record("share.revoke", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id)


def _usable(link: ShareLink | None) -> bool:
    return link is not None and link.revoked_at is None and as_utc(link.expires_at) > utcnow()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="handoff-share-cookie")


def exchange(token: str) -> str:
    """Check the token; return the value of the short-lived cookie that replaces it."""
    bucket = f"share:{request.remote_addr}"
    # The answers below are errors, but the count and the audit event must be kept.
    g.commit_on_error = True
    if ratelimit.failures(bucket, GUESS_WINDOW_SECONDS) >= GUESS_LIMIT:
        audit.record("share.rate_limited", "share", None)
        abort(429, "Too many tries. Wait a few minutes, then scan the code again.")
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == sha256_hex(token)))
    if not _usable(link):
        ratelimit.add_failure(bucket, GUESS_WINDOW_SECONDS)
        audit.record("share.denied", "share", link.id if link else None,
                     handoff_id=link.handoff_id if link else None)
        raise ShareNotFound
    handoff = handoffs.get_or_404(link.handoff_id)
    audit.record("share.open", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id)
    return _serializer().dumps({"share": link.id})


def from_cookie(value: str | None) -> ShareLink:
    if not value:
        raise ShareNotFound
    try:
        payload = _serializer().loads(value, max_age=COOKIE_MINUTES * 60)
    except BadSignature:
        raise ShareNotFound from None
    link = db.session.get(ShareLink, payload.get("share")) if isinstance(payload, dict) else None
    if not _usable(link):
        raise ShareNotFound
    return link
