"""Evidence uploads are matched against the hash banks (SQLite and PostgreSQL): a staff or
survivor upload of a banked image becomes a review item of the bank's case and reaches its
caseworker; the upload itself never fails for it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from vigil.cases.intake import Upload
from vigil.cases.schemas import CaseCreate, ReportCreate
from vigil.flows.evidence_media_match import sniff_video_suffix
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PdqHasher
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.audit import AuditEvent

OP = Actor.operator("test")


def _png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _banked(
    services: Services, new_staff: Callable[[Services, Role], Any]
) -> tuple[Any, str, bytes]:
    """A caseworker, her case with a bank, and a generated picture in that bank."""
    caseworker = new_staff(services, Role.CASEWORKER)
    reference = services.cases.create(OP, CaseCreate(title="survivor")).reference
    services.cases.work.assign(OP, reference, caseworker.actor.user_id)
    services.hashbanks.create_bank(
        OP, BankCreate(name="s1", case_reference=reference, consent_record="survivor, portal")
    )
    picture = generated_image(31, (240, 180))
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_image(picture))
    return caseworker, reference, _png(picture)


def _failures(services: Services) -> list[AuditEvent]:
    with services.db.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "media.match", AuditEvent.outcome == "failure"
                )
            )
        )


def test_staff_upload_of_a_banked_image_reaches_the_banks_caseworker(
    services: Services, new_staff: Callable[[Services, Role], Any], tmp_path: Path
) -> None:
    caseworker, banked_case, png = _banked(services, new_staff)
    other = services.cases.create(OP, CaseCreate(title="another report")).reference
    item = services.evidence.add_bytes(OP, other, png, "kim-jiyeon.png")
    (review,) = services.hashbanks.reviews.list(caseworker.actor)
    assert (review.source, review.case_reference) == ("evidence", banked_case)
    assert review.label == f"evidence {item.uid}" and "kim" not in review.label
    assert review.has_media
    (notice,) = services.notifications.inbox(caseworker.actor)
    assert notice.case_reference == banked_case and "kim" not in notice.subject

    # Added to the bank's own case it is the survivor's evidence, not a re-upload.
    services.evidence.add_bytes(OP, banked_case, png, "mine.png")
    # A file from disk (``vigil evidence add``) is matched too, cropped a little.
    cropped = Image.open(io.BytesIO(png)).crop((8, 6, 232, 174))
    path = tmp_path / "from-phone.jpg"
    cropped.save(path, format="JPEG", quality=80)
    services.evidence.add_file(OP, other, path)
    assert [r.source for r in services.hashbanks.reviews.list(caseworker.actor)] == [
        "evidence",
        "evidence",
    ]
    assert _failures(services) == []


def test_survivor_portal_uploads_are_matched(
    services: Services, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker, banked_case, png = _banked(services, new_staff)
    report = ReportCreate(
        description="photos", category="ncii", anonymous=True, consents=["investigation"]
    )
    reference, _ = services.survivor_evidence.submit(
        report, client="t", files=[Upload("me.png", png)]
    )
    (review,) = services.hashbanks.reviews.list(caseworker.actor)
    assert (review.source, review.case_reference) == ("portal", banked_case)
    assert reference != banked_case


def test_other_files_are_not_parsed_and_failures_do_not_fail_the_upload(
    services: Services, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker, _, png = _banked(services, new_staff)
    other = services.cases.create(OP, CaseCreate(title="other")).reference
    # Named like an image, but not one by its content: never opened, nothing recorded.
    services.evidence.add_bytes(OP, other, b"chat log, not a picture\n" * 10, "photo.png")
    assert _failures(services) == []
    # An image by its magic bytes but damaged: the upload stands, the failure is recorded.
    damaged = services.evidence.add_bytes(OP, other, png[:200], "broken.png")
    (failure,) = _failures(services)
    assert failure.record_id == damaged.uid and "broken" not in (failure.purpose or "")
    # A decompression bomb's header is refused before decoding, recorded the same way.
    bomb = io.BytesIO()
    Image.new("L", (20_000, 20_000)).save(bomb, format="PNG")
    services.evidence.add_bytes(OP, other, bomb.getvalue(), "bomb.png")
    assert len(_failures(services)) == 2
    assert services.hashbanks.reviews.list(caseworker.actor) == []


def test_banks_failing_never_fails_the_upload(
    services: Services, new_staff: Callable[[Services, Role], Any], monkeypatch: Any
) -> None:
    _, _, png = _banked(services, new_staff)
    other = services.cases.create(OP, CaseCreate(title="other")).reference

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services.hashbanks, "match", broken)
    item = services.evidence.add_bytes(OP, other, png, "x.png")
    assert not item.duplicate
    (failure,) = _failures(services)
    assert failure.record_id == item.uid and failure.purpose == (
        "evidence matching failed: RuntimeError"
    )


def test_video_containers_are_sniffed_by_content() -> None:
    assert sniff_video_suffix(b"\x00\x00\x00\x18ftypmp42") == ".mp4"
    assert sniff_video_suffix(b"\x00\x00\x00\x14ftypqt  ") == ".mov"
    assert sniff_video_suffix(b"\x1a\x45\xdf\xa3\x01") == ".mkv"
    assert sniff_video_suffix(b"RIFF\x00\x00\x00\x00AVI LIST") == ".avi"
    assert sniff_video_suffix(b"\x89PNG\r\n\x1a\n") is None


def test_a_video_showing_a_banked_picture_is_matched(
    services: Services, new_staff: Callable[[Services, Role], Any], tmp_path: Path
) -> None:
    av = pytest.importorskip("av")
    pytest.importorskip("vpdq")
    caseworker, banked_case, _ = _banked(services, new_staff)
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as container:  # two seconds of the banked picture
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 240, 180, "yuv420p"
        stream.bit_rate = 800_000
        frame = av.VideoFrame.from_ndarray(
            np.asarray(generated_image(31, (240, 180)).convert("RGB")), format="rgb24"
        )
        for _ in range(10):
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    other = services.cases.create(OP, CaseCreate(title="other")).reference
    # Sent as bytes under a name that is no video's: sniffed, written to a private temp file.
    item = services.evidence.add_bytes(OP, other, path.read_bytes(), "clip.bin")
    (review,) = services.hashbanks.reviews.list(caseworker.actor)
    assert (review.source, review.case_reference) == ("evidence", banked_case)
    assert review.label == f"evidence {item.uid}" and not review.has_media
    assert _failures(services) == []
