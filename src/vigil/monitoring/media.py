"""Media attached to posts: hashed (SHA-256, and PDQ when the media engine offers it) and
matched against hash banks when a matcher is configured.

Re-uploads are cropped, framed and turned, so an image is looked up as ``vigil media match``
looks it up: its plain PDQ plus the bank variants (trimmed borders, frame hash) and the query
probes (dihedral turns, crop zooms). Only the plain hash is kept on the post; the rest lives
for the match and is dropped.

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

#: (kind, hex) hashes of one image besides its plain PDQ, looked up but never stored.
ExtraHashes = tuple[tuple[str, str], ...]

MAX_MEDIA_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


class HashedMedia(Protocol):
    """What ``vigil.media.base.HashResult`` provides."""

    @property
    def hash(self) -> str: ...

    def query_hashes(self) -> ExtraHashes: ...


class PerceptualHasher(Protocol):
    """What ``vigil.media`` hashers provide (``Hasher.hash_file``)."""

    def hash_file(self, path: Path) -> HashedMedia: ...


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
    #: The image's other hashes to look up (variants and probes), when it was hashed here.
    probes: ExtraHashes = ()


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


def default_hasher(*, probes: bool = True) -> PerceptualHasher | None:
    """PDQ from the media engine when it is installed; SHA-256 alone otherwise.

    With ``probes`` (when posts are matched against banks) each image also gets the query
    probes ``vigil media match`` uses, about three times the work of the plain hash; without
    a bank matcher there is nothing to look them up in, so pass ``probes=False``.
    """
    try:
        from vigil.media.hashers import PdqHasher
    except ImportError:  # pragma: no cover - the media engine ships with Vigil
        return None
    return PdqHasher(probes=probes)


class MediaStep:
    def __init__(
        self, hasher: PerceptualHasher | None = None, matcher: BankMatcher | None = None
    ) -> None:
        self.hasher = hasher
        self.matcher = matcher

    def _hash(self, item: MediaItem) -> tuple[MediaItem, ExtraHashes]:
        """The item with its hashes, and the extra hashes to look up (not kept on it)."""
        if not item.path or (item.sha256 and (item.pdq or self.hasher is None)):
            return item, ()
        path = Path(item.path)
        sha = item.sha256 or sha256_file(path)
        pdq = item.pdq
        extra: ExtraHashes = ()
        if pdq is None and self.hasher is not None and item.type == "image":
            try:
                result = self.hasher.hash_file(path)
                pdq = str(result.hash) or None
                extra = tuple(h for h in result.query_hashes() if h != ("pdq", pdq))
            except Exception:
                pdq = None
        return replace(item, sha256=sha, pdq=pdq), extra

    def process(self, posts: Sequence[Post]) -> list[list[str]]:
        """Hash media in place; returns, per post, the banks its media matched."""
        keys_per_post: list[list[MediaRef]] = []
        for post in posts:
            hashed = [self._hash(m) for m in post.media]
            if post.media:
                post.media = tuple(m for m, _ in hashed)
            label = f"{post.platform}:{post.post_id}"
            keys_per_post.append(
                [MediaRef(k, label, m.path, m.sha256, x) for m, x in hashed if (k := m.key())]
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
