"""On-device hashing in the survivor portal, in headless Chromium against a live server:
her pictures are hashed in the browser, she consents, the hashes land in her case's bank,
and no request carries image bytes."""

from __future__ import annotations

import base64
import io
import json
import urllib.parse
import urllib.request
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from vigil.hashbanks.survivor import survivor_bank_name
from vigil.media.hashers import PDQ_FRAME, PdqHasher, pdq_of
from vigil.media.hashes import hamming
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.tables.media import MediaBank, MediaHash
from vigil.testing.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _report(server: LiveServer) -> tuple[str, str]:
    request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
        f"{server.url}/api/v1/reports",
        data=json.dumps(
            {"description": "my pictures were posted", "category": "ncii", "anonymous": True}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
        body = json.loads(response.read())
    return body["reference"], body["passphrase"]


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    generated_image(seed, (320, 240)).save(out, format="PNG")
    return out.getvalue()


def test_survivor_hashes_her_images_on_her_device(browser: Any, live_server: LiveServer) -> None:
    reference, passphrase = _report(live_server)
    files = [(f"IMG_{i}.png", _png(40 + i)) for i in range(3)]
    requests: list[tuple[str, str, bytes]] = []
    page = browser.new_page()
    try:
        page.on("request", lambda r: requests.append((r.method, r.url, r.post_data_buffer or b"")))
        page.goto(f"{live_server.url}/status?lang=en")
        page.fill("#reference", reference)
        page.fill("#passphrase", passphrase)
        page.get_by_role("button", name="Open my report").click()
        page.wait_for_url("**/my-report**")
        page.get_by_role("link", name="Make fingerprints of my pictures").click()
        page.wait_for_url("**/my-report/image-hashes**")
        assert page.locator("#quick-exit").count() == 1  # quick exit, as on every portal page
        assert page.is_disabled("#hash-submit")
        page.set_input_files(
            "#images",
            files=[{"name": n, "mimeType": "image/png", "buffer": d} for n, d in files],
        )
        page.wait_for_selector("#hash-submit:not([disabled])", timeout=60_000)  # CSP: no eval
        assert "3 fingerprints are ready" in page.inner_text("#hash-status")
        page.check("input[name=consent]")
        page.get_by_role("button", name="Send the fingerprints").click()
        page.wait_for_url("**added=3**")
        assert page.locator("#hash-done").count() == 1
    finally:
        page.close()

    # Nothing of the pictures left the browser: every body is small and holds no chunk of them.
    bodies = [(url, body) for method, url, body in requests if method != "GET"]
    (hash_post,) = [body for url, body in bodies if url.endswith("/my-report/image-hashes")]
    form = urllib.parse.parse_qs(hash_post.decode())
    assert set(form) == {"csrf", "lang", "hashes", "consent"}
    sent = json.loads(form["hashes"][0])
    assert {k for item in sent for k in item} == {"hash", "quality", "trimmed", "frame"}
    for url, body in bodies:
        assert len(body) < 4000, url
        for _, data in files:
            for chunk in (data[:16], data[len(data) // 2 : len(data) // 2 + 16]):
                assert chunk not in body and base64.b64encode(chunk)[:16] not in body

    # The hashes are in her case's bank, with her consent recorded, equal to pdqhash's.
    services = Services.from_settings(VigilSettings(home=live_server.home, log_json=False))
    try:
        detail = services.cases.detail(Actor.operator(), reference)
        assert detail.consents["hash_sharing"] is True
        with services.db.transaction() as session:
            bank = session.scalar(
                select(MediaBank).where(MediaBank.name == survivor_bank_name(reference))
            )
            assert bank is not None and bank.case_id is not None
            assert bank.provenance == "survivor" and not bank.share_with_partners
            assert "agreed" in (bank.consent_record or "")
            rows = session.execute(
                select(MediaHash.signal_type, MediaHash.value, MediaHash.primary_id).where(
                    MediaHash.bank_id == bank.id
                )
            ).all()
        primaries = [v for t, v, p in rows if p is None]
        frames = [v for t, v, p in rows if t == PDQ_FRAME]
        for (_, data), stored, frame in zip(files, primaries, frames, strict=True):
            pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            assert hamming(stored, pdq_of(pixels)[0]) == 0
            bank_side = dict(PdqHasher(probes=False).hash_image(Image.fromarray(pixels)).variants)
            assert hamming(frame, bank_side[PDQ_FRAME]) <= 4
        # And a re-upload Vigil sees now matches her bank.
        (result,) = services.hashbanks.match(
            Actor.operator(),
            [_query(files[1][1])],
        )
        assert [m.bank for m in result.matches] == [survivor_bank_name(reference)]
    finally:
        services.close()


def _query(data: bytes) -> Any:
    from vigil.hashbanks.indexes import Query

    return Query.from_result("reupload", PdqHasher().hash_bytes(data), data)
