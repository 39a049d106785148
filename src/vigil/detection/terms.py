"""Finding a list of normalised terms in normalised texts: the lexicons' and patterns' matcher.

All terms of one match mode go into one Aho-Corasick automaton (``pyahocorasick``): one pass
over a text finds every candidate, whatever the number of terms. ``word`` mode then checks word
boundaries per candidate (a ``word*`` term takes any ending); ``substring`` mode, for languages
whose particles attach to words, takes every occurrence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Final

import ahocorasick  # type: ignore[import-not-found]

from vigil.detection.normalize import is_word
from vigil.detection.taxonomy import CATEGORIES
from vigil.errors import ConfigurationError

MATCH_MODES: Final = ("word", "substring")


@dataclass(frozen=True)
class Entry:
    term: str  # normalised; a trailing "*" means any ending
    category: str
    weight: float
    language: str


class TermMatcher:
    """The entries of one match mode; a term listed twice keeps its longest-first entry."""

    def __init__(self, entries: Sequence[Entry], mode: str) -> None:
        self.mode = mode
        self.by_term: dict[str, Entry] = {}
        for e in sorted(entries, key=lambda e: -len(e.term)):
            self.by_term.setdefault(e.term.rstrip("*"), e)
        self._automaton: Any = None
        if self.by_term:
            automaton = ahocorasick.Automaton()
            for body, entry in self.by_term.items():
                automaton.add_word(body, (len(body), entry))
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, norm: str) -> Iterator[tuple[int, int, Entry]]:
        """(start, end, entry) of every occurrence that respects word boundaries."""
        if self._automaton is None:
            return
        for last, (size, entry) in self._automaton.iter(norm):
            start, end = last - size + 1, last + 1
            if self.mode == "word":
                if start > 0 and is_word(norm[start - 1]):
                    continue
                if entry.term.endswith("*"):
                    while end < len(norm) and is_word(norm[end]):
                        end += 1
                elif end < len(norm) and is_word(norm[end]):
                    continue
            yield start, end, entry

    def scan(self, norms: Sequence[str]) -> dict[int, list[tuple[int, int, Entry]]]:
        """The candidates of each text (already normalised, none holding a NUL) that has any,
        in the order ``candidates`` gives them for the text alone: one automaton pass over
        the batch joined by NULs, which are never word characters (nor in a term)."""
        if self._automaton is None or not norms:
            return {}
        joined = "\x00".join(norms)
        ends = list(accumulate(len(n) + 1 for n in norms))
        out: dict[int, list[tuple[int, int, Entry]]] = {}
        for start, end, entry in self.candidates(joined):
            i = bisect_right(ends, start)
            offset = ends[i - 1] if i else 0
            out.setdefault(i, []).append((start - offset, end - offset, entry))
        return out

    def matching(self, norms: Sequence[str]) -> list[int]:
        """Indexes of the texts (already normalised, none holding a NUL) with a candidate."""
        return sorted(self.scan(norms))


def weighted_terms(
    raw: object, name: str, where: str, normalize_term: Callable[[str], str]
) -> list[tuple[str, str, float]]:
    """(term, category, weight) from a file's ``category: {weight: [terms]}`` mapping; errors
    name the file, the place in it and what is wrong."""
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{name}: {where} must map categories to weights to terms")
    out: list[tuple[str, str, float]] = []
    for category, by_weight in raw.items():
        if category not in CATEGORIES:
            raise ConfigurationError(f"{name}: unknown category {category!r} in {where}")
        if not isinstance(by_weight, dict):
            raise ConfigurationError(f"{name}: {where}.{category} must map weights to terms")
        for weight, terms in by_weight.items():
            if not isinstance(weight, float | int) or not 0 < float(weight) <= 1:
                raise ConfigurationError(f"{name}: weight {weight!r} must be in (0, 1]")
            for term in terms or []:
                if not isinstance(term, str) or not term.strip("* "):
                    raise ConfigurationError(f"{name}: empty term under {where}.{category}")
                out.append((normalize_term(term), category, float(weight)))
    return out
