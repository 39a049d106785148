"""A match becomes a blurred review item and a notice to the case's caseworker (SQLite and
PostgreSQL); negative banks and withdrawn hashes never do."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from vigil.cases.schemas import CaseCreate
from vigil.errors import Conflict, NotFound, PermissionDenied
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PdqHasher
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.audit import AuditEvent
from vigil.storage.tables.media import MediaReview

OP = Actor.operator("test")
Staff = Callable[[Services, Role], Any]


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    generated_image(seed, (256, 256)).save(out, format="PNG")
    return out.getvalue()


class _Channel:
    """Stands in for monitoring's webhook/e-mail notifier."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send_notice(self, subject: str, payload: dict[str, Any]) -> bool:
        self.sent.append((subject, payload))
        return True


def _survivor_bank(services: Services, caseworker_id: int | None, name: str = "s1") -> str:
    case = services.cases.create(OP, CaseCreate(title="Survivor Amina K."))
    if caseworker_id is not None:
        services.cases.work.assign(OP, case.reference, caseworker_id)
    services.hashbanks.create_bank(
        OP,
        BankCreate(
            name=name,
            case_reference=case.reference,
            consent_record="matching only, recorded by caseworker",
            provenance="survivor",
        ),
    )
    return case.reference


def _query(label: str, data: bytes) -> Query:
    return Query.from_result(label, PdqHasher().hash_bytes(data, filename=label), data)


def test_match_makes_a_blurred_review_item_and_notifies_the_caseworker(
    services: Services, new_staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    caseworker = new_staff(services, Role.CASEWORKER)
    other = new_staff(services, Role.CASEWORKER)
    channel = _Channel()
    # The flow registered by the composition root sends through monitoring's notifier.
    monkeypatch.setattr(services.monitoring.alerts.notifier, "send_notice", channel.send_notice)
    reference = _survivor_bank(services, caseworker.actor.user_id)
    image = _png(1)
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_bytes(image))

    reupload = io.BytesIO()
    Image.open(io.BytesIO(image)).convert("RGB").save(reupload, format="JPEG", quality=70)
    (result,) = services.hashbanks.match(
        OP, [_query("post-77", reupload.getvalue())], source="upload"
    )
    assert [m.bank for m in result.matches] == ["s1"]

    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert (item.bank, item.source, item.case_reference, item.status) == (
        "s1",
        "upload",
        reference,
        "pending",
    )
    assert item.has_media and item.media_type == "image/jpeg" and item.distance <= 31
    # The default view is a small, blurred copy: not the file.
    preview = services.hashbanks.reviews.preview(caseworker.actor, item.id)
    assert preview != reupload.getvalue() and Image.open(io.BytesIO(preview)).size[0] <= 160
    data, media_type = services.hashbanks.reviews.reveal(caseworker.actor, item.id)
    assert (data, media_type) == (reupload.getvalue(), "image/jpeg")

    # Another caseworker does not see it (not her case); a monitor may not review at all.
    assert services.hashbanks.reviews.list(other.actor) == []
    with pytest.raises(NotFound):
        services.hashbanks.reviews.reveal(other.actor, item.id)
    with pytest.raises(PermissionDenied):
        services.hashbanks.reviews.list(new_staff(services, Role.MONITOR).actor)

    # The caseworker's inbox and the alert channel: case reference, no image, no name.
    (notice,) = services.notifications.inbox(caseworker.actor)
    assert notice.case_reference == reference and notice.link.endswith(f"case={reference}")
    assert services.notifications.inbox(other.actor) == []
    (subject, payload) = channel.sent[0]
    text = subject + json.dumps(payload)
    assert reference in text and "Amina" not in text and "post-77" not in text
    assert services.notifications.mark_read(caseworker.actor) == 1
    assert services.notifications.unread_count(caseworker.actor) == 0

    decided = services.hashbanks.reviews.decide(caseworker.actor, item.id, "confirm")
    assert decided.status == "confirmed" and decided.decided_by == caseworker.username
    with pytest.raises(Conflict):
        services.hashbanks.reviews.decide(caseworker.actor, item.id, "dismiss")
    assert services.hashbanks.reviews.list(caseworker.actor) == []
    with services.db.transaction() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"media.review.reveal", "media.review.confirm", "notification.create"} <= actions


def test_negative_banks_and_withdrawn_hashes_never_make_review_items(
    services: Services, new_staff: Staff
) -> None:
    caseworker = new_staff(services, Role.CASEWORKER)
    _survivor_bank(services, caseworker.actor.user_id)
    kept, harmless, withdrawn = _png(2), _png(3), _png(4)
    hasher = PdqHasher(probes=False)
    services.hashbanks.add_item(OP, "s1", hasher.hash_bytes(kept))
    services.hashbanks.add_item(OP, "s1", hasher.hash_bytes(harmless))
    gone = services.hashbanks.add_item(OP, "s1", hasher.hash_bytes(withdrawn))
    services.hashbanks.create_bank(OP, BankCreate(name="harmless", kind="negative"))
    services.hashbanks.add_item(OP, "harmless", hasher.hash_bytes(harmless))
    services.hashbanks.withdraw(OP, "s1", [gone])

    results = services.hashbanks.match(
        OP, [_query("a", harmless), _query("b", withdrawn), _query("c", _png(5))]
    )
    assert [r.matches for r in results] == [[], [], []]
    assert results[0].suppressed_by_negative_bank
    with services.db.transaction() as session:
        assert session.scalars(select(MediaReview)).all() == []
    assert services.notifications.inbox(caseworker.actor) == []

    # A hash-only match (partner feed) is reviewed without a file.
    (result,) = services.hashbanks.match(
        OP, [Query("partner-9", (("pdq", hasher.hash_bytes(kept).hash),))], source="partner"
    )
    assert result.matches
    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert not item.has_media and item.source == "partner"
    assert services.hashbanks.reviews.preview(caseworker.actor, item.id)  # a grey placeholder
    with pytest.raises(NotFound):
        services.hashbanks.reviews.reveal(caseworker.actor, item.id)
    (notice,) = services.notifications.inbox(caseworker.actor)
    assert notice.kind == "media_match"
