"""Take-home links: create, revoke, open. The patient needs no account, so the link is the key.

A link carries 256 random bits; only their SHA-256 is stored. The URL handed out (and drawn as
the QR code) is `/p/#TOKEN`: the token is in the fragment, which a browser never sends, so it
reaches no access log, proxy log or Referer. The page at `/p/` posts it (`POST /p/open`), the
token is traded for a short-lived signed cookie, and the summary opens at a clean URL. The older
form `/p/{token}` (DESIGN 3.3, printed on earlier papers) still opens the same way; its first
request is logged by any proxy in front, so the README says how to mask it there, and the app's
own logs mask it (`handoff/logging.py`).

A link opens the newest **signed** revision of its handoff, not the one it was made for: an
amendment signed after the paper was printed must not leave the patient reading the old dose.
The page then says it was updated, and the audit event of the view names the revision shown.

Who may revoke a link: any signed-in staff member (nurse, physician or admin), whoever made it.
Revoking only takes access away, and in an incident (a link sent to the wrong person) the first
clinician or administrator who hears of it must be able to end it at once.

Failed guesses are counted per client address in the database, so the limit holds across
every worker and host. The address is the real client's (`http.client_addr`): behind a reverse
proxy listed in `HANDOFF_TRUSTED_PROXIES`, one patient's bad guesses do not block another's link.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from .. import ratelimit
from ..audit import service as audit
from ..common import as_utc, iso, sha256_hex, utcnow
from ..database import get, get_or_not_found
from ..domain import Actor, Conflict, NotFound, RateLimited
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import FINAL
from .models import ShareLink

DEFAULT_DAYS = 30
COOKIE = "handoff_share"
COOKIE_MINUTES = 30
GUESS_WINDOW_SECONDS = 600
GUESS_LIMIT = 20
# A token is 43 URL-safe characters; anything far from that is not worth a database look-up.
TOKEN_LENGTHS = range(20, 101)


class ShareNotFound(NotFound):
    """Unknown, expired or revoked: the patient sees the same page for all three."""

    def __init__(self):
        super().__init__("This link does not open a summary.", keep_writes=True)


@dataclass
class IssuedShare:
    """A new link: the URL (with its token) is shown once, never stored."""

    link: ShareLink
    url: str
    qr_svg: str


def create(actor: Actor, handoff_id: int, expires_in_days: int | None) -> IssuedShare:
    handoff = handoffs.find(handoff_id)
    if handoff.status != FINAL:
        raise Conflict("Only a signed handoff can be shared with the patient. Sign it first.")
    token = secrets.token_urlsafe(32)
    link = ShareLink(handoff_id=handoff.id, revision_number=handoff.current_revision,
                     token_hash=sha256_hex(token), created_by_id=actor.user_id,
                     expires_at=utcnow() + timedelta(days=expires_in_days or DEFAULT_DAYS))
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "share.create", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"revision": link.revision_number, "expires_at": iso(link.expires_at)})
    url = public_url(token)
    return IssuedShare(link, url, qr_svg(url))


def public_url(token: str) -> str:
    """The link handed out: the token in the fragment, which browsers never send to a server."""
    return f"{current_app.config['HANDOFF_PUBLIC_URL']}/p/#{token}"


def qr_svg(url: str) -> str:
    """An SVG QR code of the link, drawn here (no external service), medium error correction."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                    title="QR code of the take-home link")
    return buffer.getvalue().decode("utf-8")


def revoke(actor: Actor, share_id: int) -> None:
    link = get_or_not_found(ShareLink, share_id, "share link")
    handoff = handoffs.find(link.handoff_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    audit.record(actor, "share.revoke", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id)


def _usable(link: ShareLink | None) -> bool:
    return link is not None and link.revoked_at is None and as_utc(link.expires_at) > utcnow()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="handoff-share-cookie")


def exchange(actor: Actor, token: str) -> str:
    """Check the token; return the value of the short-lived cookie that replaces it.

    Refusals keep their writes: the failure count and the audit event must survive them.
    """
    if len(token) not in TOKEN_LENGTHS:
        raise ShareNotFound
    bucket = f"share:{ratelimit.address_key(actor.client_addr)}"
    wait = ratelimit.wait_for_window(bucket, GUESS_WINDOW_SECONDS, GUESS_LIMIT)
    if wait is not None:
        # The token is not looked at: a page that differed for a valid one would be an oracle.
        audit.record(actor, "share.rate_limited", "share", None)
        raise RateLimited("Too many tries. Wait a few minutes, then scan the code again.", keep_writes=True,
                          retry_after=wait)
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == sha256_hex(token)))
    if not _usable(link):
        ratelimit.add_failure(bucket, GUESS_WINDOW_SECONDS)
        audit.record(actor, "share.denied", "share", link.id if link else None,
                     handoff_id=link.handoff_id if link else None)
        raise ShareNotFound
    handoff = handoffs.find(link.handoff_id)
    audit.record(actor, "share.open", "share", link.id, patient_id=handoff.patient_id, handoff_id=handoff.id)
    return _serializer().dumps({"share": link.id})


def from_cookie(value: str | None) -> ShareLink:
    if not value:
        raise ShareNotFound
    try:
        payload = _serializer().loads(value, max_age=COOKIE_MINUTES * 60)
    except BadSignature:
        raise ShareNotFound from None
    share_id = payload.get("share") if isinstance(payload, dict) else None
    link = get(ShareLink, share_id) if isinstance(share_id, int) else None
    if not _usable(link):
        raise ShareNotFound
    return link


@dataclass
class Shown:
    """What a link shows: the newest signed revision, and whether it is newer than the one shared."""

    handoff_id: int
    revision_number: int
    updated: bool


def shown(link: ShareLink) -> Shown:
    newest = handoffs.latest_signed_number(link.handoff_id) or link.revision_number
    return Shown(link.handoff_id, max(newest, link.revision_number), newest > link.revision_number)


def cookie_language(value: str | None) -> str | None:
    """The preferred language of the patient whose link this browser already opened, if any."""
    try:
        link = from_cookie(value)
    except ShareNotFound:
        return None
    return handoffs.find(link.handoff_id).patient.preferred_language
