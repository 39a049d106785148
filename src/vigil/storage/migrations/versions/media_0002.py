"""Review items for hash-bank matches.

Revision ID: media_0002
Revises: media_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.storage.types import UTCDateTime

revision = "media_0002"
down_revision = "media_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("media_sha256", sa.String(64), nullable=True),
        sa.Column("media_type", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["media_matches.id"],
            name=op.f("fk_media_reviews_match_id_media_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_media_reviews_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_media_reviews_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_reviews")),
        sa.UniqueConstraint("match_id", name=op.f("uq_media_reviews_match_id")),
    )
    op.create_index(op.f("ix_media_reviews_case_id"), "media_reviews", ["case_id"])
    op.create_index(op.f("ix_media_reviews_status"), "media_reviews", ["status"])


def downgrade() -> None:
    op.drop_table("media_reviews")
