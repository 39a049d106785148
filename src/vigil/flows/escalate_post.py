"""Escalate a monitored post into a case, with its evidence.

Read top to bottom:
1. the reviewer must be allowed to decide reviews; the post is read (audited);
2. the case is linked (an existing reference) or opened;
3. the post as Vigil collected it (text, author, times, detection) is stored as evidence of
   the case, hashed and logged in custody like any upload;
4. an evidence capture of the live post (WARC, screenshot) is requested through the evidence
   service; a capture that fails (the post was deleted, no network) is reported, not fatal,
   because the collected record is already safe;
5. the review decision "escalate" is recorded with the case reference.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from vigil.cases.schemas import CaseCreate
from vigil.errors import VigilError
from vigil.flows.media_match_review import match_capture
from vigil.monitoring.schemas import Decision, PostPublic, ReviewDecision
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscalationResult:
    case_reference: str
    case_created: bool
    record_evidence: str | None
    capture: str
    post: PostPublic


def _record(post: PostPublic) -> bytes:
    record: dict[str, Any] = {
        "collected_by": "vigil monitoring",
        "platform": post.platform,
        "post_id": post.post_id,
        "url": post.url,
        "author_handle": post.author_handle,
        "author_name": post.author_name,
        "created_at": post.created_at.isoformat(),
        "text": post.text,
        "language": post.lang,
        "media": post.media,
        "detection": post.detection,
    }
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def escalate_post(
    services: Services,
    actor: Actor,
    post_id: int,
    *,
    case_reference: str | None = None,
    label: str | None = None,
    capture: bool = True,
) -> EscalationResult:
    services.authorizer.require(
        actor, Action.REVIEW_DECIDE, record_type="monitor_post", record_id=post_id
    )
    post = services.monitoring.get_post(actor, post_id)

    created = case_reference is None
    if case_reference is None:
        title = f"Monitoring: {post.category or 'abusive'} post on {post.platform}"
        case_reference = services.cases.create(actor, CaseCreate(title=title)).reference
    else:
        case_reference = services.cases.get(actor, case_reference).reference

    evidence = getattr(services, "evidence", None)
    record_uid: str | None = None
    capture_status = "no evidence service"
    if evidence is not None:
        safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", post.post_id)[-80:]
        item = evidence.add_bytes(
            actor,
            case_reference,
            _record(post),
            f"{post.platform}-{safe_id}.json",
            "import",
            post.url,
            media_type="application/json",
            reason="escalated from the monitoring review queue",
        )
        record_uid = item.uid
        if not capture:
            capture_status = "not requested"
        elif not post.url:
            capture_status = "no URL to capture"
        else:
            try:
                result = evidence.capture(
                    actor,
                    case_reference,
                    post.url,
                    reason="escalated from the monitoring review queue",
                )
                capture_status = f"captured ({len(result.items)} parts)"
            except VigilError as exc:
                log.warning("capture of an escalated post failed", extra={"event": exc.code})
                capture_status = f"capture failed: {exc.message}"
            else:
                _match_images(services, evidence, actor, result.items)

    decided = services.monitoring.review.decide(
        actor,
        post_id,
        ReviewDecision(decision=Decision.ESCALATE, label=label),
        case_reference=case_reference,
    )
    return EscalationResult(case_reference, created, record_uid, capture_status, decided)


def _match_images(services: Any, evidence: Any, actor: Actor, items: Any) -> None:
    """The images the captured page showed, against the hash banks (not fatal either)."""
    if getattr(services, "hashbanks", None) is None:
        return
    try:
        match_capture(services.hashbanks, evidence, actor, items)
    except VigilError as exc:
        log.warning("matching a capture's images failed", extra={"event": exc.code})
