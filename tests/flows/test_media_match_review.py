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
    caseworker = new_staff(services, Role.CASEWORKER)
    _bank(services, caseworker.actor.user_id)
    picture = generated_image(12, (240, 180))
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_image(picture))
    path = tmp_path / "photo.png"
    picture.save(path)
    hasher = default_hasher()
    assert isinstance(hasher, PdqHasher) and hasher.probes is False
    step = MediaStep(hasher, MonitoredMediaMatcher(services.hashbanks))
    post = Post("telegram", "c1/9", "", created_at=utcnow(), media=(MediaItem(path=str(path)),))
    assert step.process([post]) == [["s1"]]
    (item,) = services.hashbanks.reviews.list(caseworker.actor)
    assert item.has_media and item.media_type == "image/png"
    data, _ = services.hashbanks.reviews.reveal(caseworker.actor, item.id)
    assert data == path.read_bytes()


def test_images_of_a_captured_page_are_matched(
    services: Services, tmp_path: Path, new_staff: Callable[[Services, Role], Any]
) -> None:
    caseworker = new_staff(services, Role.CASEWORKER)
    reference = _bank(services, caseworker.actor.user_id)
    picture = generated_image(13, (240, 240))
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_image(picture))
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
