"""Users and their credentials (browser sessions and integration bearer tokens)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db

ROLES = ("nurse", "physician", "admin")
CLINICAL_ROLES = ("nurse", "physician")


class User(db.Model):
    """A person who signs in. `is_active` false: disabled by an admin (no sign-in, no credential works)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Credential(db.Model):
    """A secret that proves who is calling: a browser session or a bearer token.

    Only the SHA-256 of the secret is stored, so a copy of the database cannot be used to
    sign in. The secret itself has 256 random bits, so a fast hash is enough here. A session's
    CSRF token is derived from its secret (`service.csrf_token_for`), so it is not stored either.
    `client_addr` and `user_agent` say where it was issued, for an admin ending a stray session.
    """

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" or "bearer"
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")
