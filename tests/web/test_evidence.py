"""Evidence over the API and in the console: uploads, blurred previews, custody, export."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from vigil.cases.schemas import CaseCreate
from vigil.evidence import verify_bundle as vb
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services

PNG = bytes.fromhex(  # a valid 4×4 red PNG
    "89504e470d0a1a0a0000000d4948445200000004000000040802000000269309290000001049444154"
    "789c63fccf80004c0c44710033d101073a843eb80000000049454e44ae426082"
)
Factory = Callable[[Role], tuple[TestClient, object, str]]


def _case(services: Services) -> str:
    return services.cases.create(Actor.operator("test"), CaseCreate(title="web")).reference


def test_upload_preview_custody_and_export(
    staff_client: Factory, sqlite_services: Services, tmp_path: Path
) -> None:
    ref = _case(sqlite_services)
    client, _, csrf = staff_client(Role.INVESTIGATOR)
    response = client.post(
        f"/api/v1/cases/{ref}/evidence",
        headers={"X-CSRF-Token": csrf},
        files=[("file", ("photo.png", PNG, "image/png"))],
        data={"reporter_hash": "00" * 32, "source_url": "https://example.invalid/p/1"},
    )
    assert response.status_code == 201, response.text
    item = response.json()[0]
    assert item["reporter_hash_mismatch"] is True and item["media_type"] == "image/png"
    uid = item["uid"]

    listed = client.get(f"/api/v1/cases/{ref}/evidence").json()
    assert [i["uid"] for i in listed] == [uid]

    page = client.get(f"/console/cases/{ref}/evidence")
    assert page.status_code == 200 and uid in page.text and "Export court bundle" in page.text
    preview = client.get(f"/console/evidence/{uid}")
    assert preview.status_code == 200
    assert 'class="blurred"' in preview.text and "/static/evidence.js" in preview.text
    image = client.get(f"/console/evidence/{uid}/view")
    assert image.content == PNG and image.headers["content-type"] == "image/png"
    download = client.get(f"/api/v1/evidence/{uid}/content")
    assert download.content == PNG and "attachment" in download.headers["content-disposition"]

    actions = [e["action"] for e in client.get(f"/api/v1/evidence/{uid}/custody").json()]
    assert actions == ["add", "view", "download"]
    copy = client.post(
        f"/api/v1/evidence/{uid}/working-copy",
        json={"derivation": "blurred", "reason": "for the review meeting"},
        headers={"X-CSRF-Token": csrf},
    )
    assert copy.status_code == 201, copy.text
    assert copy.json()["derived_from"] == uid

    exported = client.post(
        f"/console/cases/{ref}/evidence/export",
        data={"csrf_token": csrf, "reason": "for the prosecutor"},
    )
    assert exported.status_code == 200, exported.text
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(exported.content)
    assert vb.verify_bundle(bundle).ok
    api_export = client.post(f"/api/v1/cases/{ref}/evidence/export", headers={"X-CSRF-Token": csrf})
    assert api_export.status_code == 200
    bundle.write_bytes(api_export.content)
    report = vb.verify_bundle(bundle)
    assert report.ok, report.problems


def test_text_preview_is_blurred_and_logged(
    staff_client: Factory, sqlite_services: Services
) -> None:
    ref = _case(sqlite_services)
    item = sqlite_services.evidence.add_bytes(
        Actor.operator("t"), ref, b"synthetic threat", "threat.txt"
    )
    client, _, _ = staff_client(Role.CASEWORKER)
    page = client.get(f"/console/evidence/{item.uid}")
    assert '<pre id="evidence-media" class="blurred">synthetic threat</pre>' in page.text
    history = sqlite_services.evidence.custody_history(Actor.operator("t"), uid=item.uid)
    assert [e.action for e in history] == ["add", "view"]


def test_roles_are_enforced(staff_client: Factory, sqlite_services: Services) -> None:
    ref = _case(sqlite_services)
    item = sqlite_services.evidence.add_bytes(Actor.operator("t"), ref, b"x", "x.txt")
    monitor, _, csrf = staff_client(Role.MONITOR)
    assert monitor.get(f"/api/v1/evidence/{item.uid}/content").status_code == 403
    ok = monitor.post(
        f"/api/v1/cases/{ref}/evidence",
        headers={"X-CSRF-Token": csrf},
        files=[("file", ("y.txt", io.BytesIO(b"y"), "text/plain"))],
    )
    assert ok.status_code == 201
    caseworker, _, csrf = staff_client(Role.CASEWORKER)
    hold = caseworker.post(
        f"/api/v1/evidence/{item.uid}/legal-hold",
        json={"on": True, "reason": "r"},
        headers={"X-CSRF-Token": csrf},
    )
    assert hold.status_code == 403
    export = caseworker.post(f"/api/v1/cases/{ref}/evidence/export", headers={"X-CSRF-Token": csrf})
    assert export.status_code == 403
