"""Monitoring wired to the hash banks: a monitored post's image that matches a survivor's
bank is flagged, becomes a review item and reaches her caseworker (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import select

from vigil.cases.schemas import CaseCreate
from vigil.clock import utcnow
from vigil.evidence.capture import CaptureOptions
from vigil.flows.media_match_review import (
    REVIEW_PATH,
    MonitoredMediaMatcher,
    match_capture,
    notice_subject,
)
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PdqHasher
from vigil.media.hashes import hamming
from vigil.media.synthetic import generated_image
from vigil.monitoring.media import MediaStep, default_hasher
from vigil.monitoring.models import MediaItem, Post
from vigil.monitoring.notify import Notifier
from vigil.monitoring.settings import MonitorSettings
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.monitoring import MonitorPost

OP = Actor.operator("test")


class _Quiet:
    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {"lang": "en", "gbv": False, "score": 0.01, "categories": [], "flags": [], "pii": []}
            for _ in texts
        ]


def _bank(services: Services, caseworker_id: int | None) -> str:
    case = services.cases.create(OP, CaseCreate(title="survivor"))
    services.cases.work.assign(OP, case.reference, caseworker_id)
    services.hashbanks.create_bank(
        OP,
        BankCreate(name="s1", case_reference=case.reference, consent_record="survivor, portal"),
    )
    return case.reference


def _banked(
    services: Services, new_staff: Callable[[Services, Role], Any], seed: int, size: tuple[int, int]
) -> tuple[Any, str, Image.Image]:
    """A caseworker, her case's bank and a generated picture in it (its plain hash)."""
    caseworker = new_staff(services, Role.CASEWORKER)
    reference = _bank(services, caseworker.actor.user_id)
    picture = generated_image(seed, size)
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_image(picture))
    return caseworker, reference, picture


def test_monitored_posts_are_matched_against_the_banks(
    services: Services, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker = new_staff(services, Role.CASEWORKER)
    reference = _bank(services, caseworker.actor.user_id)
    image = PdqHasher(probes=False).hash_image(generated_image(11, (200, 200)))
    services.hashbanks.add_item(OP, "s1", image)
    services.monitoring.use_detector_factory(lambda tier: _Quiet())
    services.monitoring.ingest_records(
        OP,
        [
            {
                "id": "p1",
                "platform": "x",
                "text": "look",
                "media": [{"url": "https://x/1.jpg", "pdq": image.hash}],
            },
            {"id": "p2", "platform": "x", "text": "nice day", "media": ["https://x/2.jpg"]},
        ],
    )
    with services.db.transaction() as session:
        posts = {p.post_id: p for p in session.scalars(select(MonitorPost))}
    assert posts["p1"].review_status == "pending"  # flagged for its image alone
    assert json.loads(posts["p1"].detection or "{}")["media_matches"] == ["s1"]
    assert posts["p2"].review_status == "none"
    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert (item.source, item.label, item.case_reference) == ("monitoring", "x:p1", reference)
    assert not item.has_media  # a link only: monitoring never fetches remote media
    (notice,) = services.notifications.inbox(caseworker.actor)
    assert notice.case_reference == reference


def test_media_on_disk_is_kept_for_review(
    services: Services, tmp_path: Path, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker, _, picture = _banked(services, new_staff, 12, (240, 180))
    path = tmp_path / "photo.png"
    picture.save(path)
    step = MediaStep(default_hasher(), MonitoredMediaMatcher(services.hashbanks))
    post = Post("telegram", "c1/9", "", created_at=utcnow(), media=(MediaItem(path=str(path)),))
    assert step.process([post]) == [["s1"]]
    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert item.has_media and item.media_type == "image/png"
    data, _ = services.hashbanks.reviews.reveal(caseworker.actor, item.id)
    assert data == path.read_bytes()


def test_cropped_and_framed_reuploads_are_matched(
    services: Services, tmp_path: Path, new_staff: Callable[[Services, Role], Any]
) -> None:
    """Monitoring looks images up as ``vigil media match`` does: with variants and probes."""
    caseworker, reference, picture = _banked(services, new_staff, 21, (400, 300))
    width, height = picture.size
    dx, dy = round(width * 0.05), round(height * 0.05)
    cropped = picture.crop((dx, dy, width, height))  # 5% off the top and left
    framed = ImageOps.expand(picture, border=10, fill=(255, 255, 255))
    paths = {}
    for name, image in (("cropped", cropped), ("framed", framed), ("other", generated_image(22))):
        paths[name] = tmp_path / f"{name}.png"
        image.save(paths[name])
    # Plain PDQ alone misses both: the probes are what finds them.
    plain = PdqHasher(probes=False)
    banked = plain.hash_image(picture).hash
    assert all(hamming(plain.hash_file(paths[n]).hash, banked) > 31 for n in ("cropped", "framed"))
    step = MediaStep(default_hasher(), MonitoredMediaMatcher(services.hashbanks))
    reupload = Post(
        "telegram",
        "c1/10",
        "",
        created_at=utcnow(),
        media=(MediaItem(path=str(paths["cropped"])), MediaItem(path=str(paths["framed"]))),
    )
    unrelated = Post(
        "telegram", "c1/11", "", created_at=utcnow(), media=(MediaItem(path=str(paths["other"])),)
    )
    assert step.process([reupload, unrelated]) == [["s1"], []]
    # The post keeps its plain hashes only; nothing of the probes is stored on it.
    assert [m.pdq for m in reupload.media] == [
        plain.hash_file(paths["cropped"]).hash,
        plain.hash_file(paths["framed"]).hash,
    ]
    items = services.hashbanks.reviews.list(caseworker.actor)
    assert len(items) == 2
    assert {(i.label, i.case_reference) for i in items} == {("telegram:c1/10", reference)}
    assert all(i.has_media for i in items)


def test_images_of_a_captured_page_are_matched(
    services: Services, tmp_path: Path, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker, reference, picture = _banked(services, new_staff, 13, (240, 240))
    site = tmp_path / "site"
    (site / "media").mkdir(parents=True)
    picture.save(site / "media" / "photo.png")
    (site / "post.html").write_text('<html><body><img src="/media/photo.png"></body></html>')
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Site, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/post.html"
        result = services.evidence.capture(OP, reference, url, CaptureOptions(screenshot=False))
    finally:
        server.shutdown()
        server.server_close()
    assert match_capture(services.hashbanks, services.evidence, OP, result.items) == 1
    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert item.source == "capture" and item.has_media and item.label.endswith("/media/photo.png")


class _Site(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_the_notice_goes_out_by_webhook_without_personal_data() -> None:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        notifier = Notifier(
            MonitorSettings(
                alert_webhook_url=f"http://127.0.0.1:{server.server_address[1]}/hook",
                console_url="https://vigil.example/",
            )
        )
        payload = {"type": "vigil.media.match", "case_reference": "VG-1", "items": 2}
        assert notifier.send_notice(notice_subject("VG-1", 2), {**payload, "link": REVIEW_PATH})
    finally:
        server.shutdown()
        server.server_close()
    assert received == [{**payload, "link": f"https://vigil.example{REVIEW_PATH}"}]
