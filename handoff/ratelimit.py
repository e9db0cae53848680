"""Counting failures per client in the shared database, so limits hold across every worker and host.

Used for guesses at take-home links and for wrong passwords. The count must be kept even
though the request fails, otherwise a failed guess would roll its own count back: the
caller raises its refusal with `keep_writes=True` (see `domain.DomainError`).
"""

import time

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class RateLimitHit(db.Model):
    """Counts of failures per bucket (a client address, a user name) and time window."""

    __tablename__ = "rate_limit_hits"

    bucket: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


def _window(seconds: int) -> int:
    return int(time.time()) // seconds


def seconds_left(seconds: int) -> int:
    """Until the current window ends (for `Retry-After`)."""
    return seconds - int(time.time()) % seconds


def failures(bucket: str, window_seconds: int) -> int:
    return db.session.scalar(select(RateLimitHit.count).where(
        RateLimitHit.bucket == bucket[:120], RateLimitHit.window_start == _window(window_seconds))) or 0


def add_failure(bucket: str, window_seconds: int) -> None:
    """One more failure in the current window."""
    bucket, window = bucket[:120], _window(window_seconds)
    updated = db.session.execute(
        update(RateLimitHit).where(RateLimitHit.bucket == bucket, RateLimitHit.window_start == window)
        .values(count=RateLimitHit.count + 1)
    ).rowcount
    if not updated:
        db.session.add(RateLimitHit(bucket=bucket, window_start=window, count=1))
        db.session.flush()
