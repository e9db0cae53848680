"""Who came from the identity provider (issuer and subject), and the sign-ins under way."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..auth.models import User
from ..common import utcnow
from ..extensions import db


class UserIdentity(db.Model):
    """The provider's name for a Handoff user: `sub` is unique and never reassigned within its issuer.

    A table of its own (not columns on `users`), so the auth package stays as it is; `User.identity`
    reads it (None for a password user).
    """

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identities_issuer_subject"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(backref=backref("identity", uselist=False, lazy="select"))


class PendingSignIn(db.Model):
    """Authlib's state for one sign-in under way (state, nonce, PKCE verifier), kept server-side.

    Keyed by the state. The browser's cookie only says which sign-in it started; the callback
    deletes the row, so a replayed callback (even with a copy of the old cookie) finds nothing.
    Any app host can finish a sign-in another started.
    """

    __tablename__ = "sso_pending_sign_ins"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)
