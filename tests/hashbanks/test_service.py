"""Hash banks on SQLite and PostgreSQL: create, import, match, negative banks, withdraw, export."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import ImageOps
from sqlalchemy import select

from vigil.cases.schemas import CaseCreate
from vigil.errors import (
    Conflict,
    ConsentRequired,
    IntegrityError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.schemas import BankCreate
from vigil.media import exchange
from vigil.media.hashers import PdqHasher
from vigil.media.hashes import flip_bits, hex_to_words, random_words, words_to_hex
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.audit import AuditEvent
from vigil.storage.tables.media import MediaMatch

OP = Actor.operator("test")


def _hashes(n: int, seed: int = 0) -> list[str]:
    return words_to_hex(random_words(n, np.random.default_rng(seed)))


def _csv(hashes: list[str]) -> bytes:
    return ("id,pdq\n" + "".join(f"h{i},{h}\n" for i, h in enumerate(hashes))).encode()


def _near(value: str, bits: int, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    return words_to_hex(flip_bits(hex_to_words([value]), np.array([bits]), rng))[0]


def test_import_match_and_withdraw(services: Services) -> None:
    banks = services.hashbanks
    hashes = _hashes(50)
    report = banks.import_list(OP, "partner-list", _csv(hashes))
    assert (report.created_bank, report.added, report.format) == (True, 50, "csv")
    again = banks.import_list(OP, "partner-list", _csv(hashes[:5]))
    assert (again.added, again.skipped) == (0, 5)

    queries = [
        Query("near", (("pdq", _near(hashes[7], 20)),)),
        Query("far", (("pdq", _near(hashes[7], 40)),)),
        Query("other", (("pdq", _hashes(1, seed=99)[0]),)),
    ]
    near, far, other = banks.match(OP, queries)
    assert [(m.bank, m.distance) for m in near.matches] == [("partner-list", 20)]
    assert far.matches == [] and other.matches == []
    hash_id = near.matches[0].hash_id

    with services.db.transaction() as session:
        stored = session.scalars(select(MediaMatch)).all()
        assert [(m.hash_id, m.distance, m.query_label) for m in stored] == [(hash_id, 20, "near")]

    assert banks.withdraw(OP, "partner-list", [hash_id]) == 1
    assert banks.match(OP, queries[:1])[0].matches == []
    (bank,) = banks.list_banks(OP)
    assert bank.active_hashes == 49


def test_per_bank_threshold_and_bank_filter(services: Services) -> None:
    banks = services.hashbanks
    hashes = _hashes(10, seed=1)
    banks.create_bank(OP, BankCreate(name="strict", threshold=10))
    banks.import_list(OP, "strict", _csv(hashes))
    banks.import_list(OP, "loose", _csv(hashes))
    query = [Query("q", (("pdq", _near(hashes[0], 16)),))]
    assert {m.bank for m in banks.match(OP, query)[0].matches} == {"loose"}
    assert banks.match(OP, query, bank_name="strict")[0].matches == []
    with pytest.raises(NotFound):
        banks.match(OP, query, bank_name="nope")
    with pytest.raises(Conflict):
        banks.create_bank(OP, BankCreate(name="strict"))


def test_negative_bank_suppresses_matches(services: Services) -> None:
    banks = services.hashbanks
    harmless = _hashes(3, seed=5)
    banks.import_list(OP, "reports", _csv(harmless))
    banks.create_bank(OP, BankCreate(name="known-harmless", kind="negative"))
    banks.import_list(OP, "known-harmless", _csv(harmless[:1]))
    first, second = banks.match(
        OP, [Query("a", (("pdq", harmless[0]),)), Query("b", (("pdq", harmless[1]),))]
    )
    assert first.matches == [] and first.suppressed_by_negative_bank
    assert [m.bank for m in second.matches] == ["reports"]


def test_images_match_through_robust_variants(services: Services) -> None:
    banks = services.hashbanks
    hasher = PdqHasher()
    banks.create_bank(OP, BankCreate(name="uploads"))
    image = generated_image(42)
    item = banks.add_item(OP, "uploads", hasher.hash_image(image, probes=False))
    framed = hasher.hash_image(ImageOps.expand(image, 12, fill=(250, 0, 0)))
    (result,) = banks.match(OP, [Query.from_result("framed.png", framed)])
    assert [m.hash_id for m in result.matches] == [item]
    # Exact hashes match by equality.
    digest = "a" * 64
    banks.import_list(OP, "exact", b"signal_type,signal_value\nsha256," + digest.encode() + b"\n")
    (exact,) = banks.match(OP, [Query("file", (("sha256", digest),))])
    assert [(m.bank, m.distance) for m in exact.matches] == [("exact", 0)]


def test_signed_export_and_verified_import(services: Services) -> None:
    banks = services.hashbanks
    hashes = _hashes(4, seed=7)
    banks.import_list(OP, "ours", _csv(hashes))
    (first,) = banks.match(OP, [Query("x", (("pdq", hashes[2]),))])
    banks.withdraw(OP, "ours", [first.matches[0].hash_id])
    data, signature, result = banks.export_list(OP, "ours", format_name="hma")
    assert (result.active, result.withdrawn) == (3, 1)
    key = banks.public_key()

    report = banks.import_list(OP, "theirs", data, signature=signature, trusted_key=key)
    assert (report.format, report.added, report.issuer) == ("hma", 3, "vigil")
    assert report.withdrawn == 0  # the withdrawn hash was never added here
    banks.import_list(OP, "theirs", _csv(hashes[2:3]))
    notice = banks.import_list(OP, "theirs", data, signature=signature, trusted_key=key)
    assert notice.withdrawn == 1  # a withdrawal notice removes what was shared

    with pytest.raises(IntegrityError):
        banks.import_list(OP, "theirs", data + b"\n", signature=signature, trusted_key=key)
    other = exchange.public_key_text(exchange.signing_key(b"\x01" * 32))
    with pytest.raises(IntegrityError):
        banks.import_list(OP, "theirs", data, signature=signature, trusted_key=other)
    with pytest.raises(InvalidInput):
        banks.import_list(OP, "theirs", data, trusted_key=key)


def test_survivor_bank_needs_consent_and_withdraws_with_the_case(services: Services) -> None:
    banks = services.hashbanks
    case = services.cases.create(OP, CaseCreate(title="survivor"))
    with pytest.raises(ValueError, match="consent"):
        BankCreate(name="s1", case_reference=case.reference)
    banks.create_bank(
        OP,
        BankCreate(
            name="s1",
            case_reference=case.reference,
            consent_record="matching only, recorded by caseworker",
            provenance="survivor",
        ),
    )
    banks.import_list(OP, "s1", _csv(_hashes(2, seed=9)))
    with pytest.raises(ConsentRequired):
        banks.export_list(OP, "s1")
    assert banks.withdraw_case(OP, case.reference) == 2
    (bank,) = banks.list_banks(OP)
    assert bank.withdrawn_at is not None and bank.active_hashes == 0
    assert bank.case_id is not None


def test_permissions_and_audit(
    services: Services, new_staff: Callable[[Services, Role], object]
) -> None:
    monitor = new_staff(services, Role.MONITOR).actor  # type: ignore[attr-defined]
    banks = services.hashbanks
    banks.import_list(OP, "b", _csv(_hashes(2)))
    with pytest.raises(PermissionDenied):
        banks.import_list(monitor, "b", _csv(_hashes(2)))
    with pytest.raises(PermissionDenied):
        banks.export_list(monitor, "b")
    banks.match(monitor, [Query("q", (("pdq", _hashes(1)[0]),))])
    with services.db.transaction() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"media.import", "media.match", "media.bank_create", "media.bank_manage"} <= actions
