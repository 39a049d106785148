"""Column types: UTC timestamps and encrypted text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from vigil.errors import ConfigurationError
from vigil.security.keys import FieldCipher


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Vigil stores only timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _cipher(dialect: Dialect) -> FieldCipher:
    cipher = getattr(dialect, "vigil_cipher", None)
    if cipher is None:
        raise ConfigurationError("encrypted column used on an engine without a field cipher")
    return cipher  # type: ignore[no-any-return]


class EncryptedText(TypeDecorator[str]):
    """Text encrypted on write and decrypted on read (envelope AES-256-GCM, see keys.py).

    ``context`` binds the ciphertext to its column, so a value copied into another column
    does not decrypt.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return _cipher(dialect).encrypt(value.encode("utf-8"), self.context.encode())

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).decrypt(bytes(value), self.context.encode()).decode("utf-8")
