"""Create or migrate the database to the newest schema (``vigil db upgrade``).

Each concept may carry its own branch of migrations off the foundation revision; upgrading
to ``heads`` applies them all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from vigil.storage.database import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config(connection: object | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(db: Database) -> None:
    with db.engine.begin() as connection:
        command.upgrade(_config(connection), "heads")


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())


def is_up_to_date(db: Database) -> bool:
    return current_revisions(db) == head_revisions()
