"""Bluesky through Jetstream: the AT Protocol firehose as JSON over a websocket.

The checkpoint is Jetstream's ``cursor`` (microseconds since the epoch of the last event read);
reconnecting with it replays what was missed. A run reads until the stream has been quiet for
``idle_seconds`` or ``max_events`` have arrived, so ``--once`` ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import connect

from vigil.errors import InvalidInput
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.models import Author, MediaItem, Post, parse_time

POST_COLLECTION = "app.bsky.feed.post"
DEFAULT_IDLE_S = 5.0
DEFAULT_MAX_EVENTS = 100_000
MAX_MESSAGE_BYTES = 1024 * 1024


def _did_of(uri: str | None) -> str | None:
    # at://did:plc:xyz/app.bsky.feed.post/rkey
    if not uri or not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0]


class JetstreamSource(Source):
    name = "bluesky"
    description = "Bluesky posts from a Jetstream websocket (option url, e.g. wss://.../subscribe)."
    required = ("url",)
    optional = ("dids", "idle_seconds", "max_events")
    numeric = ("idle_seconds", "max_events")

    def _url(self) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", POST_COLLECTION)]
        for did in str(self.config.get("dids") or "").split(","):
            if did.strip():
                params.append(("wantedDids", did.strip()))
        if self._checkpoint.get("cursor"):
            params.append(("cursor", str(self._checkpoint["cursor"])))
        return f"{self.config['url']}?{urlencode(params)}"

    def fetch(self) -> Iterator[Fetched]:
        idle = float(self.config.get("idle_seconds") or DEFAULT_IDLE_S)
        limit = int(self.config.get("max_events") or DEFAULT_MAX_EVENTS)
        handles: dict[str, str] = {}
        try:
            with connect(self._url(), max_size=MAX_MESSAGE_BYTES, open_timeout=20) as ws:
                for _ in range(limit):
                    try:
                        message = ws.recv(timeout=idle)
                    except TimeoutError:
                        return
                    except ConnectionClosed:
                        return
                    yield from self._event(message, handles)
        except (OSError, WebSocketException) as exc:
            raise InvalidInput(
                f"Jetstream not reachable: {type(exc).__name__}", field="url"
            ) from None

    def _event(self, message: str | bytes, handles: dict[str, str]) -> Iterator[Fetched]:
        try:
            event = json.loads(message)
            if event.get("time_us"):
                self._checkpoint["cursor"] = int(event["time_us"])
        except (ValueError, TypeError, AttributeError):
            yield Fetched(error="event is not JSON", item="jetstream")
            return
        kind = event.get("kind")
        if kind == "identity":
            identity = event.get("identity") or {}
            if identity.get("handle"):
                handles[str(event.get("did"))] = str(identity["handle"]).casefold()
            return
        commit = event.get("commit") or {}
        if kind != "commit" or commit.get("collection") != POST_COLLECTION:
            return
        if commit.get("operation") != "create":
            return  # deletions and edits do not unsay what evidence already holds
        try:
            yield Fetched(post=jetstream_post(event, handles))
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            yield Fetched(
                error=f"malformed post: {type(exc).__name__}", item=str(commit.get("rkey"))
            )


def jetstream_post(event: dict[str, Any], handles: dict[str, str]) -> Post:
    did = str(event["did"])
    commit = event["commit"]
    record = commit["record"]
    rkey = str(commit["rkey"])
    mentions: list[str] = []
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == "app.bsky.richtext.facet#mention" and feature.get("did"):
                mentions.append(handles.get(feature["did"], feature["did"]))
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    embed = record.get("embed") or {}
    quote = (embed.get("record") or {}).get("uri") if "record" in str(embed.get("$type")) else None
    media = []
    for image in embed.get("images") or []:
        cid = ((image.get("image") or {}).get("ref") or {}).get("$link")
        if cid:
            media.append(
                MediaItem(
                    type="image",
                    url=f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                )
            )
    langs = record.get("langs") or []
    created = record.get("createdAt")
    return Post(
        platform="bluesky",
        post_id=f"at://{did}/{POST_COLLECTION}/{rkey}",
        text=str(record.get("text") or ""),
        created_at=parse_time(created)
        if created
        else datetime.fromtimestamp(int(event["time_us"]) / 1e6, UTC),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        author=Author(handle=handles.get(did, did), id=did),
        lang=str(langs[0])[:16] if langs else None,
        reply_to=parent,
        reply_to_author=(lambda d: handles.get(d, d) if d else None)(_did_of(parent)),
        quote_of=quote,
        mentions=tuple(mentions),
        media=tuple(media),
    )
