"""`Idempotency-Key` for POST and PUT: a retried request never does the work twice.

Offline tablets resend their outbox until they see a 2xx. The first successful answer is
stored in the same transaction as the work it describes, so either both exist or
neither does; a replay with the same key and body gets that answer back, and the same
key with another body is refused with 409. The key is claimed before the work (`_claim`):
two requests with the same key at the same moment (two credentials of one user, a tablet
retrying while its first try is still running) give one piece of work and the same answer
twice, not 201 and 409.
"""

import json
from datetime import datetime
from functools import wraps
from hashlib import sha256

from flask import Response, g, make_response, request
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column

from .common import canonical_json, sha256_hex, utcnow
from .errors import abort
from .extensions import db

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    headers: Mapped[dict] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


def _fingerprint() -> str:
    """Method, path and body; JSON bodies are compared by content, not by spacing."""
    raw = request.get_data(cache=True)
    try:
        body = canonical_json(json.loads(raw)) if raw else ""
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return sha256_hex(f"{request.method} {request.path}?{request.query_string.decode()}\n{body}")


def _claim(user_id: int, key: str) -> None:
    """Hold the key for the rest of this request's transaction, so a concurrent request with the same key waits
    and then finds this one's stored answer (or, if this one failed, does the work itself).

    PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of (user, key); a collision only makes two
    unrelated keys wait for each other. SQLite needs nothing: every transaction there begins IMMEDIATE
    (database.py), so requests that write are already one at a time.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    lock = int.from_bytes(sha256(f"{user_id}\0{key}".encode()).digest()[:8], "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})


def idempotent(view):
    """Decorate a POST/PUT view (outermost, above flask-smorest's decorators)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            abort(400, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                  [{"path": HEADER, "message": "Not a usable key.", "in": "headers"}])
        fingerprint = _fingerprint()
        _claim(g.user.id, key)
        stored = db.session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == g.user.id, IdempotencyRecord.key == key)
        )
        if stored is not None:
            if stored.fingerprint != fingerprint:
                abort(409, f"This {HEADER} was already used for a different request. Use a new key.")
            replay = Response(stored.body, status=stored.status_code, headers=stored.headers)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            db.session.add(
                IdempotencyRecord(
                    user_id=g.user.id, key=key, fingerprint=fingerprint, status_code=response.status_code,
                    headers={h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers},
                    body=response.get_data(as_text=True),
                )
            )
        return response

    return wrapper
