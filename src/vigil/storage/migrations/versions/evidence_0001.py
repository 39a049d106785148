"""Evidence vault and chain of custody.

Revision ID: evidence_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vigil.storage.types import EncryptedText, UTCDateTime

revision = "evidence_0001"
down_revision = "0001"
branch_labels = ("evidence",)
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_APPEND_ONLY = ("custody_events", "custody_checkpoints")
_SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{op} BEFORE {OP} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
"""
# vigil_append_only() is created by the foundation migration.
_PG_TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION vigil_append_only()
"""


# What was recorded at ingest never changes; only legal hold, deletion and the uploader's
# account link (SET NULL when an account is removed) may.
_IMMUTABLE = {
    "evidence_items": (
        "uid",
        "case_id",
        "sha256",
        "kind",
        "derived_from",
        "derivation",
        "how",
        "filename",
        "media_type",
        "source_url",
        "capture_id",
        "part",
        "reporter_hash",
        "reporter_hash_mismatch",
        "sensitive",
        "added_by_label",
        "added_at",
        "meta_digest",
    ),
    "evidence_blobs": ("sha256", "sha512", "size"),
}
_SQLITE_IMMUTABLE = """
CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {columns} ON {table}
BEGIN SELECT RAISE(ABORT, '{table}: what was recorded at ingest is immutable'); END
"""
_PG_IMMUTABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION vigil_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '%: what was recorded at ingest is immutable', TG_TABLE_NAME; END
$$ LANGUAGE plpgsql
"""
_PG_IMMUTABLE = """
CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {columns} ON {table}
FOR EACH ROW EXECUTE FUNCTION vigil_immutable()
"""


def upgrade() -> None:
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("sha512", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("derived_from", sa.Integer(), nullable=True),
        sa.Column("derivation", sa.String(64), nullable=True),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("filename", EncryptedText("evidence_items.filename"), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("source_url", EncryptedText("evidence_items.source_url"), nullable=True),
        sa.Column("capture_id", sa.String(32), nullable=True),
        sa.Column("part", sa.String(32), nullable=True),
        sa.Column("reporter_hash", sa.String(128), nullable=True),
        sa.Column("reporter_hash_mismatch", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_by_label", sa.String(64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("meta_digest", sa.String(64), nullable=False),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_evidence_items_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["evidence_blobs.sha256"],
            name=op.f("fk_evidence_items_sha256_evidence_blobs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["derived_from"],
            ["evidence_items.id"],
            name=op.f("fk_evidence_items_derived_from_evidence_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name=op.f("fk_evidence_items_added_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
        sa.UniqueConstraint("uid", name=op.f("uq_evidence_items_uid")),
    )
    op.create_index("ix_evidence_items_case_id", "evidence_items", ["case_id"])
    op.create_index("ix_evidence_items_sha256", "evidence_items", ["sha256"])
    op.create_table(
        "custody_chains",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_custody_chains_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_custody_chains")),
    )
    op.create_table(
        "custody_events",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item_uid", sa.String(32), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("detail", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_custody_events_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_events")),
        sa.UniqueConstraint("case_id", "seq", name="uq_custody_events_case_id_seq"),
    )
    op.create_index("ix_custody_events_item_uid", "custody_events", ["item_uid"])
    op.create_table(
        "custody_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_custody_checkpoints_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_checkpoints")),
    )
    op.create_index("ix_custody_checkpoints_case_id", "custody_checkpoints", ["case_id"])

    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _APPEND_ONLY:
        if sqlite:
            for name in ("update", "delete"):
                op.execute(_SQLITE_TRIGGER.format(table=table, op=name, OP=name.upper()))
        else:
            op.execute(_PG_TRIGGER.format(table=table))
    if not sqlite:
        op.execute(_PG_IMMUTABLE_FUNCTION)
    for table, columns in _IMMUTABLE.items():
        template = _SQLITE_IMMUTABLE if sqlite else _PG_IMMUTABLE
        op.execute(template.format(table=table, columns=", ".join(columns)))


def downgrade() -> None:
    for table in (
        "custody_checkpoints",
        "custody_events",
        "custody_chains",
        "evidence_items",
        "evidence_blobs",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS vigil_immutable()")
