"""Extension points of the evidence package.

``MediaExtractor``: finds the media a captured page links to (a post's photos and videos), so a
capture keeps them too. Built-ins read Open Graph / Twitter card tags and embedded media tags;
a platform-specific extractor can be added through the ``vigil.plugins`` entry-point group.
"""

from __future__ import annotations

import abc


class MediaExtractor(abc.ABC):
    """Finds linked media in a page's HTML. Returns absolute URLs, most important first."""

    name: str

    @abc.abstractmethod
    def find(self, page_url: str, html: str) -> list[str]: ...
