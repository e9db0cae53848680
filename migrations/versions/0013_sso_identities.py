"""Users from the hospital's identity provider (issuer and subject), and single sign-ons under way

Revision ID: 0013_sso_identities
Revises: 0012_session_credentials
Create Date: 2026-12-08

`user_identities` links a Handoff user to the provider's (issuer, subject), unique per provider;
a password user has no row. `sso_pending_sign_ins` holds each sign-in's state, nonce and PKCE
verifier between the redirect to the provider and the callback (handoff/sso/client.py), so a
state works once, on any app host.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_sso_identities"
down_revision = "0012_session_credentials"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_identities",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_user_identities_issuer_subject"),
    )
    op.create_table(
        "sso_pending_sign_ins",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_pending_sign_ins_expires_at", "sso_pending_sign_ins", ["expires_at"])


def downgrade():
    op.drop_index("ix_sso_pending_sign_ins_expires_at", table_name="sso_pending_sign_ins")
    op.drop_table("sso_pending_sign_ins")
    op.drop_table("user_identities")
