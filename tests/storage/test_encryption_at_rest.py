"""A canary stored through an encrypted column never reaches the raw database bytes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from vigil.cases.schemas import CaseCreate
from vigil.errors import ConfigurationError
from vigil.security.actor import Actor
from vigil.security.keys import FieldCipher
from vigil.services import Services
from vigil.storage.database import Database

CANARY = "CANARY-Nadia-Rahman-0109876543"


def test_encrypted_column_keeps_canary_out_of_the_database(services: Services) -> None:
    case = services.cases.create(Actor.operator("test"), CaseCreate(title=CANARY))
    assert services.cases.get(Actor.operator("test"), case.reference).title == CANARY
    with services.db.engine.connect() as connection:
        raw = connection.execute(text("SELECT title FROM cases")).scalar_one()
    assert CANARY.encode() not in bytes(raw)
    if services.db.is_sqlite:
        services.db.dispose()  # checkpoint the WAL so the main file holds everything
        home = services.settings.home
        blobs = b"".join(p.read_bytes() for p in home.glob("vigil.sqlite3*"))
        assert CANARY.encode() not in blobs
        assert "Nadia".encode("utf-16-le") not in blobs


def test_database_alone_cannot_be_read_without_the_key_file(services: Services) -> None:
    services.cases.create(Actor.operator("test"), CaseCreate(title=CANARY))
    stranger = Database(services.db.url, FieldCipher.generate())
    try:
        with stranger.engine.connect() as connection:
            raw = connection.execute(text("SELECT title FROM cases")).scalar_one()
        with pytest.raises(ConfigurationError):
            stranger.cipher.decrypt(bytes(raw), b"cases.title")
    finally:
        stranger.dispose()
