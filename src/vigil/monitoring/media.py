"""Media attached to posts: hashed (SHA-256, and PDQ when the media engine offers it) and
matched against hash banks when a matcher is configured.

Only files already on disk are hashed (Telegram exports, folders); links are recorded but not
fetched here, because fetching untrusted media is the evidence service's job, with its
safe-file rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from vigil.monitoring.models import MediaItem, Post

MAX_MEDIA_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


class PerceptualHasher(Protocol):
    """What ``vigil.media`` hashers provide (``Hasher.hash_file``)."""

    def hash_file(self, path: Path) -> object: ...


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One hashed media item of a post, as the bank matcher sees it."""

    #: "pdq:…" or "sha256:…" (``MediaItem.key``).
    key: str
    #: The post it came with, "platform:post id".
    post: str
    #: The file on disk, when there is one (kept for the review item if it matches).
    path: str | None = None
    #: The exact digest too, when the key is perceptual (banks may hold either).
    sha256: str | None = None


class BankMatcher(Protocol):
    """Given media items, the names of the (positive) banks each one matches.

    ``vigil.flows.media_match_review.MonitoredMediaMatcher`` connects the hash banks: each
    match also becomes a review item and reaches the caseworker of the bank's case.
    """

    def match(self, media: Sequence[MediaRef]) -> list[list[str]]: ...


def sha256_file(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_MEDIA_BYTES:
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def default_hasher() -> PerceptualHasher | None:
    """PDQ from the media engine when it is installed; SHA-256 alone otherwise."""
    try:
        from vigil.media.hashers import PdqHasher
    except ImportError:  # pragma: no cover - the media engine ships with Vigil
        return None
    # Posts keep the plain hash only (it is what the banks and partners hold): the query
    # probes (turns, crop zooms) would be computed and dropped, five times the work.
    return PdqHasher(dihedral=False, probes=False)


class MediaStep:
    def __init__(
        self, hasher: PerceptualHasher | None = None, matcher: BankMatcher | None = None
    ) -> None:
        self.hasher = hasher
        self.matcher = matcher

    def _hash(self, item: MediaItem) -> MediaItem:
        if not item.path or (item.sha256 and (item.pdq or self.hasher is None)):
            return item
        path = Path(item.path)
        sha = item.sha256 or sha256_file(path)
        pdq = item.pdq
        if pdq is None and self.hasher is not None and item.type == "image":
            try:
                result = self.hasher.hash_file(path)
                pdq = str(getattr(result, "hash", "")) or None
            except Exception:
                pdq = None
        return replace(item, sha256=sha, pdq=pdq)

    def process(self, posts: Sequence[Post]) -> list[list[str]]:
        """Hash media in place; returns, per post, the banks its media matched."""
        keys_per_post: list[list[MediaRef]] = []
        for post in posts:
            if post.media:
                post.media = tuple(self._hash(m) for m in post.media)
            label = f"{post.platform}:{post.post_id}"
            keys_per_post.append(
                [MediaRef(k, label, m.path, m.sha256) for m in post.media if (k := m.key())]
            )
        if self.matcher is None:
            return [[] for _ in posts]
        flat = [k for keys in keys_per_post for k in keys]
        matches = self.matcher.match(flat) if flat else []
        out: list[list[str]] = []
        at = 0
        for keys in keys_per_post:
            banks = sorted({b for hits in matches[at : at + len(keys)] for b in hits})
            out.append(banks)
            at += len(keys)
        return out
