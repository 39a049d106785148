"""EvidenceService on SQLite and PostgreSQL: metadata, custody, holds, deletion, permissions."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select, text

from vigil.cases.schemas import CaseCreate
from vigil.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from vigil.evidence.custody import CHECKPOINT_EVERY, CustodyAction
from vigil.security.actor import Actor
from vigil.security.audit import AuditQuery
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.evidence import CustodyCheckpoint, CustodyEvent

OPERATOR = Actor.operator("test")


def _case(services: Services) -> str:
    return services.cases.create(OPERATOR, CaseCreate(title="synthetic")).reference


def test_add_records_metadata_and_custody(services: Services) -> None:
    ref = _case(services)
    data = b"synthetic screenshot bytes"
    item = services.evidence.add_bytes(
        OPERATOR,
        ref,
        data,
        "../../etc/shot.png",
        source_url="https://example.invalid/post/1",
        reporter_hash="sha256:" + "ab" * 32,
    )
    assert item.filename == "shot.png"
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.sha512 == hashlib.sha512(data).hexdigest()
    assert item.reporter_hash_mismatch
    assert item.how == "upload" and item.added_by == OPERATOR.label
    again = services.evidence.add_bytes(OPERATOR, ref, data, "copy.png")
    assert again.duplicate and again.uid == item.uid
    other = services.evidence.add_bytes(OPERATOR, _case(services), data, "x.png")
    assert other.uid != item.uid and not other.duplicate  # same blob, another case
    events = services.evidence.custody_history(OPERATOR, case_reference=ref)
    assert [e.action for e in events] == ["add"]
    _, content = services.evidence.content(OPERATOR, item.uid, CustodyAction.DOWNLOAD)
    assert content == data
    assert [e.action for e in services.evidence.custody_history(OPERATOR, uid=item.uid)] == [
        "add",
        "download",
    ]


def test_working_copy_is_linked_and_original_unchanged(services: Services) -> None:
    ref = _case(services)
    original = services.evidence.add_bytes(OPERATOR, ref, b"original", "o.jpg")
    copy = services.evidence.add_working_copy(OPERATOR, original.uid, b"redacted", "redacted")
    assert copy.kind == "working" and copy.derived_from == original.uid
    assert services.evidence.content(OPERATOR, original.uid)[1] == b"original"


def test_legal_hold_blocks_deletion_and_deletion_purges(services: Services) -> None:
    ref = _case(services)
    item = services.evidence.add_bytes(OPERATOR, ref, b"to be withdrawn", "w.txt")
    services.evidence.set_legal_hold(OPERATOR, item.uid, True, "court order")
    with pytest.raises(Conflict):
        services.evidence.delete(OPERATOR, item.uid, "survivor withdrew")
    services.evidence.set_legal_hold(OPERATOR, item.uid, False, "case closed")
    deleted = services.evidence.delete(OPERATOR, item.uid, "survivor withdrew")
    assert deleted.deleted
    assert not services.evidence.vault.exists(item.sha256)
    with pytest.raises(NotFound):
        services.evidence.content(OPERATOR, item.uid)
    actions = [e.action for e in services.evidence.custody_history(OPERATOR, uid=item.uid)]
    assert actions == ["add", "legal-hold", "legal-hold-release", "deletion"]
    # adding the same bytes again stores them again
    back = services.evidence.add_bytes(OPERATOR, ref, b"to be withdrawn", "w.txt")
    assert services.evidence.content(OPERATOR, back.uid)[1] == b"to be withdrawn"
    assert services.evidence.verify_vault(OPERATOR).ok


def test_permissions_and_audit(services: Services, new_staff) -> None:  # type: ignore[no-untyped-def]
    ref = _case(services)
    monitor = new_staff(services, Role.MONITOR).actor
    partner = new_staff(services, Role.PARTNER_ANALYST).actor
    caseworker = new_staff(services, Role.CASEWORKER).actor
    item = services.evidence.add_bytes(monitor, ref, b"flagged post", "post.txt")
    with pytest.raises(PermissionDenied):
        services.evidence.content(monitor, item.uid)
    with pytest.raises(PermissionDenied):
        services.evidence.add_bytes(partner, ref, b"x", "x")
    with pytest.raises(PermissionDenied):
        services.evidence.export(caseworker, ref, services.settings.home / "b.zip")
    services.evidence.content(caseworker, item.uid)
    portal = services.evidence.add_bytes(Actor.portal(), ref, b"survivor upload", "me.jpg")
    assert portal.added_by == "portal"
    with pytest.raises(PermissionDenied):
        services.evidence.add_bytes(Actor.portal(), ref, b"x", "x", "import")
    with services.db.transaction() as session:
        logged = services.audit.search(session, AuditQuery(record_id=item.uid))
    assert {e.action for e in logged} >= {"evidence.add", "evidence.view"}
    assert any(e.outcome == "denied" for e in logged)


def test_custody_chain_checkpoints_and_tamper_detection(services: Services) -> None:
    ref = _case(services)
    item = services.evidence.add_bytes(OPERATOR, ref, b"evidence", "e.txt")
    for _ in range(CHECKPOINT_EVERY):
        services.evidence.content(OPERATOR, item.uid)
    with services.db.transaction() as session:
        assert session.scalar(select(CustodyCheckpoint.seq)) == CHECKPOINT_EVERY
        with pytest.raises(Exception, match="append-only"), session.begin_nested():
            session.execute(text("DELETE FROM custody_events WHERE seq = 3"))
    assert services.evidence.verify_vault(OPERATOR).ok
    # Someone with the database's owner rights drops the guard and rewrites history.
    with services.db.transaction() as session:
        if services.db.is_sqlite:
            session.execute(text("DROP TRIGGER custody_events_no_update"))
        else:
            session.execute(text("ALTER TABLE custody_events DISABLE TRIGGER USER"))
        session.execute(text("UPDATE custody_events SET actor_label = 'nobody' WHERE seq = 7"))
    report = services.evidence.verify_vault(OPERATOR)
    assert not report.ok
    assert "custody event 7" in report.problems[0]
    with services.db.transaction() as session:
        assert session.scalar(select(CustodyEvent.actor_label).where(CustodyEvent.seq == 7)) == (
            "nobody"
        )


def test_verify_vault_finds_a_damaged_file(services: Services) -> None:
    ref = _case(services)
    item = services.evidence.add_bytes(OPERATOR, ref, b"fragile evidence", "f.txt")
    path = services.evidence.vault.path_for(item.sha256)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    report = services.evidence.verify_vault(OPERATOR)
    assert not report.ok and item.sha256[:16] in report.problems[0]


def test_derived_working_copies(services: Services) -> None:
    from PIL import Image

    ref = _case(services)
    image = Image.new("RGB", (2000, 1000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SyntheticCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    original = services.evidence.add_bytes(OPERATOR, ref, buffer.getvalue(), "photo.jpg")
    stripped = services.evidence.make_working_copy(OPERATOR, original.uid, "stripped")
    resized = services.evidence.make_working_copy(OPERATOR, original.uid, "resized")
    blurred = services.evidence.make_working_copy(OPERATOR, original.uid, "blurred")
    for copy in (stripped, resized, blurred):
        assert copy.kind == "working" and copy.derived_from == original.uid
    _, data = services.evidence.content(OPERATOR, stripped.uid)
    assert b"SyntheticCam" in buffer.getvalue() and b"SyntheticCam" not in data
    _, data = services.evidence.content(OPERATOR, resized.uid)
    assert max(Image.open(io.BytesIO(data)).size) == 1024
    assert services.evidence.content(OPERATOR, original.uid)[1] == buffer.getvalue()
    text = services.evidence.add_bytes(OPERATOR, ref, b"not an image", "t.txt")
    with pytest.raises(InvalidInput):
        services.evidence.make_working_copy(OPERATOR, text.uid, "blurred")
    with pytest.raises(InvalidInput):
        services.evidence.make_working_copy(OPERATOR, original.uid, "painted")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evidence_items SET sha256 = 'x'",
        "UPDATE evidence_items SET filename = NULL",
        "UPDATE evidence_items SET added_at = NULL",
        "UPDATE evidence_blobs SET size = 0",
    ],
)
def test_what_was_recorded_at_ingest_is_immutable(services: Services, statement: str) -> None:
    ref = _case(services)
    item = services.evidence.add_bytes(OPERATOR, ref, b"immutable", "i.txt")
    with services.db.transaction() as session, pytest.raises(Exception, match="immutable"):
        session.execute(text(statement))
    services.evidence.set_legal_hold(OPERATOR, item.uid, True, "still mutable: the hold")
    assert services.evidence.verify_vault(OPERATOR).ok
