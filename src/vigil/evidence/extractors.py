"""Built-in media extractors: Open Graph / Twitter card tags, and embedded media tags."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from vigil.evidence.base import MediaExtractor
from vigil.registry import Registry

_META_MEDIA = frozenset(
    {
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "og:video",
        "og:video:url",
        "og:video:secure_url",
        "og:audio",
        "og:audio:secure_url",
        "twitter:image",
        "twitter:image:src",
        "twitter:player:stream",
    }
)
_EMBED_TAGS = frozenset({"img", "video", "audio", "source"})


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[str] = []
        self.embedded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key in _META_MEDIA and values.get("content"):
                self.meta.append(values["content"])
        elif tag in _EMBED_TAGS and values.get("src"):
            self.embedded.append(values["src"])
        elif tag == "video" and values.get("poster"):
            self.embedded.append(values["poster"])


def _collect(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def _absolute(page_url: str, links: list[str]) -> list[str]:
    out: list[str] = []
    for link in links:
        url = urljoin(page_url, link.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in out:
            out.append(url)
    return out


class OpenGraphMedia(MediaExtractor):
    """The media a platform declares for a post (og:image, og:video, twitter:image …)."""

    name = "opengraph"

    def find(self, page_url: str, html: str) -> list[str]:
        return _absolute(page_url, _collect(html).meta)


class EmbeddedMedia(MediaExtractor):
    """Images, videos and audio embedded in the page itself."""

    name = "embedded"

    def find(self, page_url: str, html: str) -> list[str]:
        return _absolute(page_url, _collect(html).embedded)


def default_extractors() -> Registry[type[MediaExtractor]]:
    registry: Registry[type[MediaExtractor]] = Registry(
        MediaExtractor, (OpenGraphMedia, EmbeddedMedia)
    )
    registry.load_entry_points()
    return registry
