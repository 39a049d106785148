"""The media API: hash uploads, match files and hashes, import/export banks, roles."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from vigil.media.synthetic import generated_image
from vigil.security.permissions import Role


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_hash_import_match_export(
    staff_client: Callable[[Role], tuple[TestClient, Any, str]],
) -> None:
    client, _member, csrf = staff_client(Role.INVESTIGATOR)
    headers = {"X-CSRF-Token": csrf}
    image = generated_image(11)
    response = client.post(
        "/api/v1/media/hash", headers=headers, files={"file": ("a.png", _png(image), "image/png")}
    )
    assert response.status_code == 200, response.text
    (hashed,) = response.json()
    assert set(hashed) == {"file", "type", "hash", "quality"} and hashed["type"] == "pdq"

    content = f"id,pdq\nitem-1,{hashed['hash']}\n"
    response = client.post("/api/v1/media/banks", headers=headers, json={"name": "web-bank"})
    assert response.status_code == 201, response.text
    response = client.post(
        "/api/v1/media/banks/web-bank/import", headers=headers, json={"content": content}
    )
    assert response.json()["added"] == 1

    framed = _png(ImageOps.expand(image, 10, fill=(255, 255, 255)))
    response = client.post(
        "/api/v1/media/match", headers=headers, files={"file": ("framed.png", framed, "image/png")}
    )
    (result,) = response.json()
    assert [m["bank"] for m in result["matches"]] == ["web-bank"]

    response = client.post(
        "/api/v1/media/match/hashes",
        headers=headers,
        json={"hashes": [{"id": "x", "pdq": hashed["hash"]}]},
    )
    assert response.json() == [
        {
            "id": "x",
            "matches": [
                {"bank": "web-bank", "hash_id": result["matches"][0]["hash_id"], "distance": 0}
            ],
        }
    ]

    response = client.post("/api/v1/media/banks/web-bank/export?format=stopncii", headers=headers)
    exported = response.json()
    assert exported["result"]["active"] == 1 and "stopncii-pdq-list" in exported["content"]
    device = {"hash": hashed["hash"], "quality": 90, "trimmed": None, "frame": "ab" * 32}
    response = client.post(
        "/api/v1/media/banks/web-bank/hashes", headers=headers, json={"items": [device]}
    )
    assert response.status_code == 201 and len(response.json()["hash_ids"]) == 1
    key = client.get("/api/v1/media/key").json()["public_key"]
    response = client.post(
        "/api/v1/media/banks/copy/import",
        headers=headers,
        json={
            "content": exported["content"],
            "signature": exported["signature"],
            "public_key": key,
        },
    )
    assert response.json()["issuer"] == "vigil"
    assert {b["name"] for b in client.get("/api/v1/media/banks").json()} == {"web-bank", "copy"}


def test_bad_uploads_and_roles(
    staff_client: Callable[[Role], tuple[TestClient, Any, str]],
) -> None:
    client, _member, csrf = staff_client(Role.MONITOR)
    headers = {"X-CSRF-Token": csrf}
    response = client.post(
        "/api/v1/media/hash",
        headers=headers,
        files={"file": ("x.jpg", b"<html>not an image</html>", "image/jpeg")},
    )
    assert response.status_code == 422
    response = client.post("/api/v1/media/banks", headers=headers, json={"name": "nope"})
    assert response.status_code == 403
