"""The on-device hashing page's server side: consent required, hashes only, files refused."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from vigil.hashbanks.survivor import survivor_bank_name
from vigil.security.actor import Actor
from vigil.services import Services

HASH = "f" * 16 + "0" * 16 + "a5" * 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\x05" * 48


def test_hashes_need_consent_and_files_are_refused(
    app_client: TestClient, sqlite_services: Services
) -> None:
    client = app_client
    body = client.post(
        "/api/v1/reports", json={"description": "photos", "category": "ncii", "anonymous": True}
    ).json()
    client.post("/status", data=body | {"lang": "en"}, follow_redirects=False)
    page = client.get("/my-report/image-hashes?lang=en")
    assert page.status_code == 200 and 'id="quick-exit"' in page.text
    # The file chooser has no name and sits outside the form: the browser cannot send it.
    assert re.search(r'<input id="images" type="file"(?![^>]*name=)', page.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    items = json.dumps([{"hash": HASH, "quality": 90, "trimmed": None, "frame": None}])

    assert client.post("/my-report/image-hashes", data={"hashes": items}).status_code == 403
    refused = client.post(
        "/my-report/image-hashes",
        data={"csrf": csrf, "consent": "yes", "hashes": items},
        files=[("image", ("me.png", PNG, "image/png"))],
    )
    assert refused.status_code == 403
    no_consent = client.post("/my-report/image-hashes", data={"csrf": csrf, "hashes": items})
    assert no_consent.status_code == 422 and "tick the box" in no_consent.text
    junk = client.post(
        "/my-report/image-hashes", data={"csrf": csrf, "consent": "yes", "hashes": "[{}]"}
    )
    assert junk.status_code == 422
    assert sqlite_services.hashbanks.list_banks(Actor.operator()) == []

    done = client.post(
        "/my-report/image-hashes",
        data={"csrf": csrf, "consent": "yes", "share": "yes", "hashes": items},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "added=1" in done.headers["location"]
    (bank,) = sqlite_services.hashbanks.list_banks(Actor.operator())
    assert bank.name == survivor_bank_name(body["reference"]) and bank.share_with_partners
    assert bank.active_hashes == 1
    detail = sqlite_services.cases.detail(Actor.operator(), body["reference"])
    assert detail.consents["hash_sharing"]

    # Withdrawing the consent on her report page withdraws the bank.
    client.post("/my-report/consent", data={"csrf": csrf, "consents": []})
    (bank,) = sqlite_services.hashbanks.list_banks(Actor.operator())
    assert bank.active_hashes == 0 and bank.withdrawn_at is not None
