"""The console's image-match queue: blurred by default, reveal audited, decisions, inbox."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from vigil.cases.schemas import CaseCreate
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.schemas import BankCreate
from vigil.media.hashers import PdqHasher
from vigil.media.synthetic import generated_image
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.audit import AuditEvent

OP = Actor.operator("test")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    generated_image(seed, (200, 200)).save(out, format="PNG")
    return out.getvalue()


def _reveals(services: Services) -> int:
    with services.db.transaction() as session:
        return len(
            session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "media.review.reveal")
            ).all()
        )


def test_caseworker_reviews_a_match_blurred_then_keeps_it_as_evidence(
    sqlite_services: Services, staff_client: Any
) -> None:
    services = sqlite_services
    client, member, _ = staff_client(Role.CASEWORKER)
    case = services.cases.create(OP, CaseCreate(title="survivor"))
    services.cases.work.assign(OP, case.reference, member.actor.user_id)
    services.hashbanks.create_bank(
        OP, BankCreate(name="s1", case_reference=case.reference, consent_record="portal")
    )
    image = _png(21)
    services.hashbanks.add_item(OP, "s1", PdqHasher(probes=False).hash_bytes(image))
    services.hashbanks.match(
        OP, [Query.from_result("upload.png", PdqHasher().hash_bytes(image), image)], source="upload"
    )

    inbox = client.get("/console/inbox")
    assert inbox.status_code == 200 and case.reference in inbox.text
    assert f"/console/media/reviews?case={case.reference}" in inbox.text

    page = client.get(f"/console/media/reviews?case={case.reference}")
    assert page.status_code == 200
    review_id = int(re.search(r'id="review-(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    # By default only the server-blurred preview is on the page, never the file's URL.
    assert f"/console/media/reviews/{review_id}/preview" in page.text
    assert f'src="/console/media/reviews/{review_id}/media"' not in page.text
    preview = client.get(f"/console/media/reviews/{review_id}/preview")
    assert preview.headers["content-type"] == "image/jpeg" and preview.content != image
    assert "no-store" in preview.headers["cache-control"]
    assert _reveals(services) == 0

    shown = client.get(f"/console/media/reviews/{review_id}?reveal=1")
    assert f'src="/console/media/reviews/{review_id}/media"' in shown.text
    original = client.get(f"/console/media/reviews/{review_id}/media")
    assert original.content == image and original.headers["content-type"] == "image/png"
    assert _reveals(services) == 1

    done = client.post(
        f"/console/media/reviews/{review_id}/decision",
        data={"csrf_token": _csrf(shown.text), "decision": "confirm", "keep_evidence": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "evidence" in done.headers["location"]
    (item,) = services.evidence.list_case(OP, case.reference)
    assert item.sha256 and item.media_type == "image/png"
    assert "Nothing to review" in client.get("/console/media/reviews").text


def test_monitors_cannot_open_the_image_matches(
    sqlite_services: Services, staff_client: Any
) -> None:
    client, _member, _ = staff_client(Role.MONITOR)
    assert client.get("/console/media/reviews").status_code == 403
    assert "/console/media/reviews" not in client.get("/console/").text
