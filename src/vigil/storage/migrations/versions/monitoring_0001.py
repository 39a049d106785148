"""Monitoring: sources, posts, watchlist, targets, reviews, alerts, errors.

Revision ID: monitoring_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.storage.types import EncryptedText, UTCDateTime

revision = "monitoring_0001"
down_revision = "0001"
branch_labels = ("monitoring",)
depends_on = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "monitor_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("config", EncryptedText("monitor_sources.config"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("checkpoint_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_monitor_sources_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_monitor_sources_token_hash")),
    )
    op.create_table(
        "monitor_posts",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("post_id", sa.String(255), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(1000), nullable=True),
        sa.Column("author_handle", sa.String(255), nullable=True),
        sa.Column("author_id", sa.String(255), nullable=True),
        sa.Column("author_name", sa.String(255), nullable=True),
        sa.Column("author_created_at", UTCDateTime(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.Column("reply_to", sa.String(255), nullable=True),
        sa.Column("reply_to_author", sa.String(255), nullable=True),
        sa.Column("quote_of", sa.String(255), nullable=True),
        sa.Column("mentions", sa.Text(), nullable=False),
        sa.Column("media", sa.Text(), nullable=False),
        sa.Column("media_key", sa.String(80), nullable=True),
        sa.Column("dup_group", sa.String(32), nullable=False),
        sa.Column("gbv", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("detection", sa.Text(), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("targeted", sa.Boolean(), nullable=False),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("second_review_due", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitor_sources.id"],
            name=op.f("fk_monitor_posts_source_id_monitor_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_posts")),
        sa.UniqueConstraint("platform", "post_id", name="uq_monitor_posts_platform_post_id"),
    )
    op.create_index("ix_monitor_posts_created_at", "monitor_posts", ["created_at"])
    op.create_index("ix_monitor_posts_dup_group", "monitor_posts", ["dup_group"])
    op.create_index("ix_monitor_posts_media_key", "monitor_posts", ["media_key"])
    op.create_index("ix_monitor_posts_queue", "monitor_posts", ["review_status", "priority"])
    op.create_table(
        "monitor_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", EncryptedText("monitor_people.name"), nullable=False),
        sa.Column("aliases", EncryptedText("monitor_people.aliases"), nullable=False),
        sa.Column("handles", EncryptedText("monitor_people.handles"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_people")),
    )
    op.create_table(
        "monitor_post_targets",
        sa.Column("post_id", _BIGINT_ID, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["monitor_posts.id"],
            name=op.f("fk_monitor_post_targets_post_id_monitor_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["monitor_people.id"],
            name=op.f("fk_monitor_post_targets_person_id_monitor_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "person_id", name=op.f("pk_monitor_post_targets")),
    )
    op.create_index("ix_monitor_post_targets_person_id", "monitor_post_targets", ["person_id"])
    op.create_table(
        "monitor_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", _BIGINT_ID, nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_label", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("second", sa.Boolean(), nullable=False),
        sa.Column("case_reference", sa.String(32), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["monitor_posts.id"],
            name=op.f("fk_monitor_reviews_post_id_monitor_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_monitor_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_reviews")),
    )
    op.create_index("ix_monitor_reviews_post_id", "monitor_reviews", ["post_id"])
    op.create_index("ix_monitor_reviews_reviewer", "monitor_reviews", ["reviewer_id", "at"])
    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["monitor_people.id"],
            name=op.f("fk_monitor_alerts_person_id_monitor_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_alerts")),
        sa.UniqueConstraint(
            "kind", "key", "window_start", name="uq_monitor_alerts_kind_key_window"
        ),
    )
    op.create_index("ix_monitor_alerts_created_at", "monitor_alerts", ["created_at"])
    op.create_table(
        "monitor_errors",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("item", sa.String(255), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitor_sources.id"],
            name=op.f("fk_monitor_errors_source_id_monitor_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_errors")),
    )
    op.create_index("ix_monitor_errors_at", "monitor_errors", ["at"])


def downgrade() -> None:
    for table in (
        "monitor_errors",
        "monitor_alerts",
        "monitor_reviews",
        "monitor_post_targets",
        "monitor_people",
        "monitor_posts",
        "monitor_sources",
    ):
        op.drop_table(table)
