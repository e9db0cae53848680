"""Limits on guessing (passwords, take-home links), counted in the shared database so every
worker and host agrees.

Sign-in follows NIST SP 800-63B §5.2.2 (at most 100 consecutive failed attempts on one
account) without handing an attacker a way to lock a named nurse out:

- **Per account and address** (`pair`): the first `free` failures of one user name from one
  address cost nothing; after that each failure makes the next attempt from that address wait
  1, 2, 4 … seconds (`Retry-After` doubles, up to `max_delay`). A successful sign-in from
  that address clears it; each failure is forgotten a day after it happened. This is the
  limit an attacker meets first, at *their* address, so the nurse signing in from her own
  workstation is not slowed by it.
- **Per address** (`address`), across accounts: one address trying a few passwords on every
  account is stopped after `address_limit` failures. A ward's tablets may share one address
  behind the hospital's NAT, hence a generous limit; behind a reverse proxy, set
  `HANDOFF_TRUSTED_PROXIES` or every client shares the proxy's address (`http.client_addr`).
- **Per account** (`account`): at most `account_limit` (100) failures in any hour from
  everyone together; then sign-in for that name is refused until the count drains. This is
  the NIST backstop against a guesser spread over many addresses, and it is what remains of
  the old lockout. A success does not clear it (else an attacker could wait for the nurse to
  sign in and start 100 more), and it is reached only after many addresses were each slowed.

While any limit holds, the password is not checked at all (a 200 behind a 429 would be an
oracle). Unknown user names are counted and limited exactly like existing ones, and wrong
credentials answer the same 401 (DESIGN 3.2), so neither 401 nor 429 tells whether a user exists.

Windowed limits (`address`, `account`, share-link guesses) count in slices of a twelfth of the
window and add the current slice to the 12 before it: a fixed window would allow `limit`
failures at the end of one window and `limit` more at the start of the next, while this way no
moving hour holds more than 100 failures of one account. It errs by at most one slice on the
strict side (a burst of 100 is refused for up to 65 minutes). `Retry-After` says when enough
of the oldest slices have left for the count to drop below the limit.

An address is counted as itself, an IPv6 address as its /64 (one client usually holds a whole
/64). Limits are checked before the password is and counted after it, so requests already in
flight at once (one per worker) can each still be counted past a limit.

Every count is kept although the request fails: the caller raises its refusal with
`keep_writes=True` (see `domain.DomainError`). Counts go up with one upsert, so two workers
failing at once for a new bucket cannot collide on its primary key.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .domain import RateLimited
from .extensions import db

BUCKET_LENGTH = 120
# A window is counted in slices (12 of 5 minutes for an hour): the limit holds over the current
# slice and the 12 before it, so no moving window holds more than the limit.
SLICES = 12
# A `pair` streak counts failures per second, numbered from 2026-01-01 (an INTEGER column holds
# 68 years of them, where Unix seconds would overflow in 2038); a failure is forgotten after a day.
STREAK_EPOCH = 1_767_225_600
STREAK_MEMORY_SECONDS = 24 * 3600

SIGN_IN_REFUSED = "Too many failed sign-ins. Wait a moment and try again, or ask an administrator."


class RateLimitHit(db.Model):
    """Counts of failures per bucket (an address, a user name) and time window.

    `window_start` numbers the window: a slice of a limit's window since the Unix epoch, or for
    a `pair` streak a second since `STREAK_EPOCH`.
    """

    __tablename__ = "rate_limit_hits"

    bucket: Mapped[str] = mapped_column(String(BUCKET_LENGTH), primary_key=True)
    window_start: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


def now() -> int:
    """The clock the limits read (tests move it instead of sleeping)."""
    return int(time.time())


def _bucket(kind: str, *parts: str) -> str:
    """A bucket name; long user names are hashed rather than cut, so two never share a count."""
    name = f"{kind}:{'|'.join(parts)}"
    if len(name) <= BUCKET_LENGTH:
        return name
    return f"{kind}:sha256:{hashlib.sha256('|'.join(parts).encode()).hexdigest()}"


def address_key(client_addr: str) -> str:
    """The part of an address one client controls: an IPv6 client usually holds a whole /64."""
    try:
        address = ipaddress.ip_address(client_addr)
    except ValueError:
        return client_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


# --- counters -------------------------------------------------------------------------------

def _upsert(bucket: str, window: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RateLimitHit).values(bucket=bucket, window_start=window, count=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[RateLimitHit.bucket, RateLimitHit.window_start],
        set_={"count": RateLimitHit.count + 1},
    ))


def _slice_seconds(window_seconds: int) -> int:
    return max(1, window_seconds // SLICES)


def add_failure(bucket: str, window_seconds: int) -> None:
    """One more failure now; slices that left the window are deleted on the way."""
    bucket, size = bucket[:BUCKET_LENGTH], _slice_seconds(window_seconds)
    current = now() // size
    _upsert(bucket, current)
    db.session.execute(delete(RateLimitHit).where(
        RateLimitHit.bucket == bucket, RateLimitHit.window_start < current - SLICES))


def _recent(bucket: str, window_seconds: int) -> list[tuple[int, int]]:
    """(slice, failures) of the slices that may overlap the last `window_seconds`, oldest first."""
    current = now() // _slice_seconds(window_seconds)
    rows = db.session.execute(select(RateLimitHit.window_start, RateLimitHit.count).where(
        RateLimitHit.bucket == bucket[:BUCKET_LENGTH], RateLimitHit.window_start >= current - SLICES,
        RateLimitHit.window_start <= current).order_by(RateLimitHit.window_start)).all()
    return [(row.window_start, row.count) for row in rows]


def failures(bucket: str, window_seconds: int) -> int:
    """Failures in the last `window_seconds` (and up to one slice more)."""
    return sum(count for _slice, count in _recent(bucket, window_seconds))


def wait_for_window(bucket: str, window_seconds: int, limit: int) -> int | None:
    """Seconds until the bucket's recent failures drop below `limit`, or None if they are below it."""
    recent, size = _recent(bucket, window_seconds), _slice_seconds(window_seconds)
    total = sum(count for _slice, count in recent)
    if total < limit:
        return None
    for number, count in recent:  # the oldest slices leave the window first
        total -= count
        if total < limit:
            return (number + SLICES + 1) * size - now()
    return window_seconds  # only with a limit below one


def _streak(bucket: str) -> tuple[int, int]:
    """(failures in the last day since the streak was cleared, Unix time of the last one)."""
    since = now() - STREAK_EPOCH - STREAK_MEMORY_SECONDS
    total, last = db.session.execute(select(func.sum(RateLimitHit.count), func.max(RateLimitHit.window_start)).where(
        RateLimitHit.bucket == bucket, RateLimitHit.window_start >= since)).one()
    return (int(total), last + STREAK_EPOCH) if total else (0, 0)


def _add_to_streak(bucket: str) -> None:
    second = now() - STREAK_EPOCH
    _upsert(bucket, second)
    db.session.execute(delete(RateLimitHit).where(
        RateLimitHit.bucket == bucket, RateLimitHit.window_start < second - STREAK_MEMORY_SECONDS))


def _clear(bucket: str) -> None:
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.bucket == bucket))


# --- sign-in --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignInPolicy:
    free: int = 5  # failures of one name from one address before any delay
    max_delay: int = 900  # seconds: the delay stops doubling at 15 minutes
    address_limit: int = 50  # failures from one address, across names, per window
    address_window: int = 900
    account_limit: int = 100  # NIST SP 800-63B §5.2.2: failures of one name, from everyone, per window
    account_window: int = 3600

    @classmethod
    def current(cls) -> SignInPolicy:
        """The defaults, or `HANDOFF_LOGIN_*` settings (tests shrink them)."""
        config = current_app.config
        return cls(**{name: int(config.get(f"HANDOFF_LOGIN_{name.upper()}", default))
                      for name, default in cls().__dict__.items()})

    def delay_after(self, consecutive: int) -> int:
        """Seconds to wait after this many consecutive failures: 0 … 0, then 1, 2, 4 … `max_delay`."""
        if consecutive < self.free:
            return 0
        return min(2 ** min(consecutive - self.free, 30), self.max_delay)


def _sign_in_buckets(username: str, client_addr: str) -> tuple[str, str, str]:
    name, address = username.strip().casefold(), address_key(client_addr)
    return (_bucket("login-pair", name, address), _bucket("login-address", address),
            _bucket("login-account", name))


def check_sign_in(username: str, client_addr: str) -> None:
    """Raise `RateLimited` with the longest wait if any sign-in limit holds for this name and address."""
    policy = SignInPolicy.current()
    pair, address, account = _sign_in_buckets(username, client_addr)
    waits = [wait_for_window(address, policy.address_window, policy.address_limit),
             wait_for_window(account, policy.account_window, policy.account_limit)]
    consecutive, last = _streak(pair)
    delay = policy.delay_after(consecutive)
    if delay and last + delay > now():
        waits.append(last + delay - now())
    waits = [wait for wait in waits if wait]
    if waits:
        raise RateLimited(SIGN_IN_REFUSED, retry_after=max(waits))


def sign_in_failed(username: str, client_addr: str) -> None:
    policy = SignInPolicy.current()
    pair, address, account = _sign_in_buckets(username, client_addr)
    _add_to_streak(pair)
    add_failure(address, policy.address_window)
    add_failure(account, policy.account_window)


def sign_in_succeeded(username: str, client_addr: str) -> None:
    """Clear the streak of this name at this address (not the per-address or per-account counts)."""
    _clear(_sign_in_buckets(username, client_addr)[0])
