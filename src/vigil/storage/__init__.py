"""Database engine and sessions, tables, repositories and migrations."""

from vigil.storage.database import Database

__all__ = ["Database"]
