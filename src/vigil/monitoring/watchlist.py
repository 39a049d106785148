"""Ties posts to the people at risk they aim at: by mention, by reply, or by name.

Names and aliases may be in any script. Text is compared after NFKC and case folding; a name
must start at a word boundary, and must also end at one in scripts that separate words with
spaces. Korean names take particles (김민지는, 김민지에게), and Chinese or Japanese text has no
spaces, so there the end is left open.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vigil.monitoring.models import Post, normalise_handle

#: Aliases shorter than this match too much ("Ana" inside every "Banana" is already
#: excluded by boundaries, but two-letter aliases still hit common words).
MIN_ALIAS_CHARS = 3


@dataclass(frozen=True)
class WatchedPerson:
    id: int
    name: str
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _open_ended(name: str) -> bool:
    """Whether the name is in a script that attaches particles or has no spaces."""
    for ch in name:
        cp = ord(ch)
        if (
            0xAC00 <= cp <= 0xD7AF
            or 0x1100 <= cp <= 0x11FF
            or 0x3040 <= cp <= 0x30FF
            or 0x4E00 <= cp <= 0x9FFF
            or 0x0E00 <= cp <= 0x0E7F
        ):
            return True
    return False


def _pattern(name: str) -> str:
    body = r"\s+".join(re.escape(part) for part in name.split())
    return rf"(?<!\w){body}" if _open_ended(name) else rf"(?<!\w){body}(?!\w)"


class WatchlistMatcher:
    """Built once per run from the active watchlist; matching a batch costs one regex scan."""

    def __init__(self, people: Iterable[WatchedPerson]) -> None:
        self.people = list(people)
        self._by_handle: dict[str, set[int]] = {}
        self._by_name: dict[str, set[int]] = {}
        for person in self.people:
            for handle in person.handles:
                norm = normalise_handle(handle)
                if norm:
                    self._by_handle.setdefault(norm, set()).add(person.id)
                    # "ana@example.social" is also mentioned as "@ana" on her own server
                    self._by_handle.setdefault(norm.split("@")[0], set()).add(person.id)
            for name in (person.name, *person.aliases):
                folded = " ".join(fold(name).split())
                if len(folded) >= MIN_ALIAS_CHARS:
                    self._by_name.setdefault(folded, set()).add(person.id)
        names = sorted(self._by_name, key=len, reverse=True)  # longest first wins overlaps
        self._regex = re.compile("|".join(f"(?:{_pattern(n)})" for n in names)) if names else None
        self._groups = {" ".join(n.split()): n for n in names}

    def __bool__(self) -> bool:
        return bool(self.people)

    def _handle_ids(self, handle: str | None) -> set[int]:
        if not handle:
            return set()
        norm = normalise_handle(handle)
        return self._by_handle.get(norm) or self._by_handle.get(norm.split("@")[0], set())

    def match(self, post: Post) -> dict[int, str]:
        """person id → how the post aims at her ("reply" beats "mention" beats "name")."""
        found: dict[int, str] = {}
        for pid in self._handle_ids(post.reply_to_author):
            found[pid] = "reply"
        for handle in post.mentions:
            for pid in self._handle_ids(handle):
                found.setdefault(pid, "mention")
        if self._by_handle and "@" in post.text:
            for token in re.findall(r"@([\w.\-]+(?:@[\w.\-]+)?)", post.text):
                for pid in self._handle_ids(token):
                    found.setdefault(pid, "mention")
        if self._regex is not None:
            for hit in self._regex.finditer(fold(post.text)):
                key = " ".join(hit.group(0).split())
                for pid in self._by_name.get(key, ()):
                    found.setdefault(pid, "name")
        return found

    def match_all(self, posts: Sequence[Post]) -> list[dict[int, str]]:
        if not self.people:
            return [{} for _ in posts]
        return [self.match(p) for p in posts]
