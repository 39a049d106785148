"""An evidence upload over the API that matches a banked image reaches the bank's caseworker,
whose console shows the unread notice next to the inbox link until it is read."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from vigil.cases.schemas import CaseCreate
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PdqHasher
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services

OP = Actor.operator("test")
Factory = Callable[[Role], tuple[TestClient, object, str]]
UNREAD = re.compile(r'<span class="unread">(\d+)</span>')


def test_api_upload_match_shows_as_unread_in_the_caseworkers_console(
    staff_client: Factory, sqlite_services: Services
) -> None:
    services = sqlite_services
    caseworker, member, caseworker_csrf = staff_client(Role.CASEWORKER)
    banked = services.cases.create(OP, CaseCreate(title="survivor")).reference
    services.cases.work.assign(OP, banked, member.actor.user_id)  # type: ignore[attr-defined]
    services.hashbanks.create_bank(
        OP, BankCreate(name="s1", case_reference=banked, consent_record="survivor, portal")
    )
    picture = generated_image(41, (200, 160))
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_image(picture))
    png = io.BytesIO()
    picture.save(png, format="PNG")

    assert UNREAD.search(caseworker.get("/console/").text) is None
    other = services.cases.create(OP, CaseCreate(title="another")).reference
    investigator, _, csrf = staff_client(Role.INVESTIGATOR)
    response = investigator.post(
        f"/api/v1/cases/{other}/evidence",
        headers={"X-CSRF-Token": csrf},
        files=[("file", ("survivor-name.png", png.getvalue(), "image/png"))],
    )
    assert response.status_code == 201, response.text

    page = caseworker.get("/console/").text
    unread = UNREAD.search(page)
    assert unread is not None and unread.group(1) == "1"
    inbox = caseworker.get("/console/inbox").text
    assert banked in inbox and "survivor-name" not in inbox
    read = caseworker.post(
        "/console/inbox/read", data={"csrf_token": caseworker_csrf}, follow_redirects=False
    )
    assert read.status_code == 303
    assert UNREAD.search(caseworker.get("/console/").text) is None
