"""Hash banks, their hashes, exports to partners and matches.

Revision ID: media_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.storage.types import EncryptedText, UTCDateTime

revision = "media_0001"
down_revision = "0001"
branch_labels = ("media",)
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("provenance", sa.String(128), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_label", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("consent_record", EncryptedText("media_banks.consent_record"), nullable=True),
        sa.Column("share_with_partners", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_media_banks_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_media_banks_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_media_banks_name")),
    )
    op.create_index(op.f("ix_media_banks_case_id"), "media_banks", ["case_id"])
    op.create_table(
        "media_hashes",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("primary_id", _BIG_ID, nullable=True),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["media_banks.id"],
            name=op.f("fk_media_hashes_bank_id_media_banks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["primary_id"],
            ["media_hashes.id"],
            name=op.f("fk_media_hashes_primary_id_media_hashes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_hashes")),
    )
    op.create_index("ix_media_hashes_bank_status", "media_hashes", ["bank_id", "status"])
    op.create_index("ix_media_hashes_value", "media_hashes", ["value"])
    op.create_index(op.f("ix_media_hashes_primary_id"), "media_hashes", ["primary_id"])
    op.create_table(
        "media_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("active_count", sa.Integer(), nullable=False),
        sa.Column("withdrawn_count", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["media_banks.id"],
            name=op.f("fk_media_exports_bank_id_media_banks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_media_exports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_exports")),
    )
    op.create_table(
        "media_matches",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("hash_id", _BIG_ID, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("query_label", EncryptedText("media_matches.query_label"), nullable=False),
        sa.Column("query_hash", sa.String(64), nullable=False),
        sa.Column("matched_at", UTCDateTime(), nullable=False),
        sa.Column("matched_by", sa.Integer(), nullable=True),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["media_banks.id"],
            name=op.f("fk_media_matches_bank_id_media_banks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hash_id"],
            ["media_hashes.id"],
            name=op.f("fk_media_matches_hash_id_media_hashes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_media_matches_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["matched_by"],
            ["users.id"],
            name=op.f("fk_media_matches_matched_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_matches")),
    )
    op.create_index(op.f("ix_media_matches_hash_id"), "media_matches", ["hash_id"])
    op.create_index(op.f("ix_media_matches_case_id"), "media_matches", ["case_id"])


def downgrade() -> None:
    op.drop_table("media_matches")
    op.drop_table("media_exports")
    op.drop_table("media_hashes")
    op.drop_table("media_banks")
