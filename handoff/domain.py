"""What every service shares and nothing of HTTP: who is acting, and the errors a service raises.

Services take an `Actor` (the signed-in user and the address they act from) instead of
reading the request, and raise the errors below instead of HTTP codes. One module
(`errors.py`) turns them into the contract's answers, so the CLI, the demo loader and tests
call the same services with no request context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .auth.models import User


@dataclass(frozen=True)
class Actor:
    """Who does something, and from where: written into every audit event."""

    user: User | None
    client_addr: str

    @classmethod
    def system(cls, via: str = "cli", user: User | None = None) -> Actor:
        """A command-line task or a loader acting with no request (optionally on a user's behalf)."""
        return cls(user, via)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def username(self) -> str:
        return self.user.username if self.user is not None else "(anonymous)"


class DomainError(Exception):
    """A request the domain refuses. `problems` are `{"path", "message"}` items naming fields.

    `keep_writes` marks refusals whose bookkeeping must survive the refusal (a counted wrong
    guess, its audit event): the request's transaction is committed although it answers an error.
    """

    def __init__(self, message: str, problems: list[dict] | None = None, *, keep_writes: bool = False, **detail):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.keep_writes = keep_writes
        self.detail = detail


class NotFound(DomainError):
    """No such record (or none the caller may know of)."""


class Invalid(DomainError):
    """The values break a rule; `problems` name each bad field."""


class Conflict(DomainError):
    """The request contradicts the record's current state (already signed, already taken...)."""


class Stale(DomainError):
    """The caller changed an older state of the record than the current one."""


class Forbidden(DomainError):
    """The actor may not do this to this record (their role, or who they are)."""


class Unauthenticated(DomainError):
    """The credentials do not prove who is calling."""


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
