"""Traces into the entity graph: a case's report, identifiers, notes and evidence; monitored
posts with their authors, replies and media.

Read top to bottom:
1. ``link_case``: the case is read through the cases service (authorised, audited); its
   description, notes and recorded identifiers go through identifier extraction into the
   graph as observations of that case; each evidence file's SHA-256 is added as a media trace.
   Holders of any other case that shares a trace are told by the linking service.
2. ``link_posts``: monitored posts (as monitoring stored them) become accounts, posts, threads,
   reply targets, media and identifiers in the graph, so networks can be ranked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select

from vigil.linking.schemas import PostObservation
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.services import Services
from vigil.storage.tables.monitoring import MonitorPost


def _identifier_text(kind: str, value: str, platform: str | None) -> str:
    """A structured identifier as text the extractor reads the same way as a report."""
    if kind == "handle":
        name = value if value.startswith("@") else f"@{value}"
        return f"{platform} {name}" if platform else name
    return value


def link_case(services: Services, actor: Actor, reference: str) -> int:
    """Put a case's traces into the graph; returns the number of new case links."""
    case = services.cases.detail(actor, reference)
    texts = [case.description or ""] + [n.body for n in case.notes]
    texts += [_identifier_text(i.kind, i.value, i.platform) for i in case.identifiers]
    new_links = 0
    for source, text in [("case_text", t) for t in texts[:1]] + [("note", t) for t in texts[1:]]:
        if text.strip():
            new_links += services.linking.add_case_text(
                actor, case.reference, text, source=source
            ).new_links
    for item in case.evidence:
        new_links += services.linking.add_case_media(
            actor,
            case.reference,
            item.sha256,
            evidence_ref=str(item.id),
            observed_at=item.created_at,
        )
    return new_links


def _media_keys(post: MonitorPost) -> list[str]:
    """Exact media traces: SHA-256 (as evidence stores it, so a post and a case's file meet)
    and PDQ hashes as ``pdq:…`` (near matches are the media module's business)."""
    keys = []
    for item in json.loads(post.media or "[]"):
        if isinstance(item, dict):
            if isinstance(item.get("sha256"), str):
                keys.append(item["sha256"].lower())
            if isinstance(item.get("pdq"), str):
                keys.append(f"pdq:{item['pdq'].lower()}")
    if post.media_key:
        key = post.media_key.lower().removeprefix("sha256:")
        keys.append(key)
    return list(dict.fromkeys(keys))[:20]


def _observation(post: MonitorPost) -> PostObservation:
    return PostObservation(
        platform=post.platform,
        post_id=post.post_id,
        author=post.author_handle or "unknown",
        text=post.text,
        posted_at=post.created_at,
        thread=post.reply_to or post.quote_of,
        reply_to_author=post.reply_to_author,
        media_hashes=_media_keys(post),
    )


def link_posts(services: Services, actor: Actor, post_ids: Iterable[int] | None = None) -> int:
    """Record monitored posts (all, or those ids) in the graph; returns how many."""
    services.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_post")
    with services.db.transaction() as session:
        stmt = select(MonitorPost).order_by(MonitorPost.id)
        if post_ids is not None:
            stmt = stmt.where(MonitorPost.id.in_(list(post_ids)))
        observations = [_observation(p) for p in session.scalars(stmt) if p.author_handle]
    for observation in observations:
        services.linking.record_post(actor, observation)
    return len(observations)
