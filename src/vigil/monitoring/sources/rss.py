"""RSS and Atom feeds, read with feedparser; ETag and Last-Modified make re-polling cheap."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from vigil.errors import InvalidInput
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.models import Author, Post
from vigil.monitoring.sources.html import html_to_text

HTTP_TIMEOUT_S = 20.0
MAX_FEED_BYTES = 10 * 1024 * 1024


def _when(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


class FeedSource(Source):
    name = "rss"
    description = "An RSS or Atom feed (news sites, blogs, feeds of public accounts)."
    required = ("url",)

    def fetch(self) -> Iterator[Fetched]:
        url = str(self.config["url"])
        headers = {"User-Agent": "Vigil monitor"}
        if self._checkpoint.get("etag"):
            headers["If-None-Match"] = self._checkpoint["etag"]
        if self._checkpoint.get("modified"):
            headers["If-Modified-Since"] = self._checkpoint["modified"]
        try:
            response = httpx.get(
                url, headers=headers, timeout=HTTP_TIMEOUT_S, follow_redirects=True
            )
        except httpx.HTTPError as exc:
            raise InvalidInput(f"feed not reachable: {type(exc).__name__}", field="url") from None
        if response.status_code == 304:
            return
        if response.status_code != 200:
            raise InvalidInput(f"feed answered HTTP {response.status_code}", field="url")
        if len(response.content) > MAX_FEED_BYTES:
            raise InvalidInput("feed is larger than 10 MiB", field="url")
        feed = feedparser.parse(response.content)
        platform = self.config.get("platform") or "web"
        latest = self._checkpoint.get("latest")
        entries = [(e, _when(e)) for e in feed.entries]
        entries.sort(key=lambda pair: pair[1] or datetime.min.replace(tzinfo=UTC))
        host = urlsplit(url).hostname or ""
        for entry, when in entries:
            stamp = when.isoformat() if when else None
            if latest and stamp and stamp < latest:
                continue  # already read on an earlier poll
            ident = entry.get("id") or entry.get("link")
            body = html_to_text(entry.get("summary") or "")
            text = "\n".join(p for p in (entry.get("title", ""), body) if p).strip()
            if stamp:
                self._checkpoint["latest"] = max(stamp, self._checkpoint.get("latest") or stamp)
            if not ident or not text:
                yield Fetched(error="feed entry without id or text", item=str(ident or "?"))
                continue
            yield Fetched(
                post=Post(
                    platform=str(platform)[:32],
                    post_id=str(ident)[:255],
                    text=text,
                    created_at=when or datetime.now(UTC),
                    url=entry.get("link"),
                    author=Author(handle=entry.get("author") or host, name=entry.get("author")),
                    lang=(feed.feed.get("language") or "")[:2] or None,
                )
            )
        self._checkpoint["etag"] = response.headers.get("etag")
        self._checkpoint["modified"] = response.headers.get("last-modified")
