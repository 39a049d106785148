"""Linking: entity graph nodes and edges, link notices.

Revision ID: linking_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.storage.types import EncryptedText, UTCDateTime

revision = "linking_0001"
down_revision = "0001"
branch_labels = ("linking",)
depends_on = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "link_nodes",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("label", EncryptedText("link_nodes.label"), nullable=False),
        sa.Column("platform", sa.String(32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_link_nodes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_nodes")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_link_nodes_key_hash")),
        sa.UniqueConstraint("case_id", name=op.f("uq_link_nodes_case_id")),
    )
    op.create_index(op.f("ix_link_nodes_kind"), "link_nodes", ["kind"])
    op.create_table(
        "link_edges",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("src_id", _BIGINT_ID, nullable=False),
        sa.Column("dst_id", _BIGINT_ID, nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["src_id"],
            ["link_nodes.id"],
            name=op.f("fk_link_edges_src_id_link_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dst_id"],
            ["link_nodes.id"],
            name=op.f("fk_link_edges_dst_id_link_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_link_edges_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_link_edges_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_edges")),
    )
    op.create_index(op.f("ix_link_edges_src_id"), "link_edges", ["src_id"])
    op.create_index(op.f("ix_link_edges_dst_id"), "link_edges", ["dst_id"])
    op.create_index("ix_link_edges_case", "link_edges", ["case_id"])
    op.create_table(
        "link_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("other_case_id", sa.Integer(), nullable=False),
        sa.Column("node_id", _BIGINT_ID, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_link_notices_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_case_id"],
            ["cases.id"],
            name=op.f("fk_link_notices_other_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["link_nodes.id"],
            name=op.f("fk_link_notices_node_id_link_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_notices")),
        sa.UniqueConstraint(
            "case_id", "other_case_id", "node_id", name=op.f("uq_link_notices_link")
        ),
    )
    op.create_index(op.f("ix_link_notices_case_id"), "link_notices", ["case_id"])


def downgrade() -> None:
    op.drop_table("link_notices")
    op.drop_table("link_edges")
    op.drop_table("link_nodes")
