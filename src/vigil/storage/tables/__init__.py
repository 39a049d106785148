"""All tables, one module per concept. Importing this package registers them all."""

from vigil.storage.tables import accounts, audit, cases

__all__ = ["accounts", "audit", "cases"]
